// is_complete as `jupyter console` uses it: run on Enter, or continue with this indent, or let the error show.
import { test } from "node:test";
import assert from "node:assert/strict";
import { isComplete } from "../../src/language/is-complete.js";

const complete = { status: "complete" } as const;
const invalid = { status: "invalid" } as const;
const more = (indent: string) => ({ status: "incomplete", indent }) as const;
const I = "    ";

const cases: [string, string, ReturnType<typeof isComplete>][] = [
  ["an expression", "1+1", complete],
  ["a declaration", "let a = 1", complete],
  ["a closed multi-line block", "for (const x of xs) {\n  console.log(x)\n}", complete],
  ["a method chain over lines", "a\n  .b\n  .c", complete],
  ["top-level await", "await fetchIt()", complete],
  ["a non-null assertion", "x!", complete],
  ["brackets inside a regular expression", "ok = /[({]/.test(s)", complete],
  ["a brace inside a template expression", "`a ${ {x: 1}.x } b`", complete],
  ["a line magic", "%typecheck off", complete],
  ["line magics among code", "%autoreload all\nimport { a } from './m'\n%who", complete],
  ["code after a line magic still open", "%autoreload all\nconst b = f(", more(I)],
  ["name? inspection", "Math.max?", complete],
  ["name?? inspection", "console.log??", complete],
  ["?name inspection", "?Math", complete],
  ["empty input", "  ", complete],
  ["a cell magic ended by an empty line", "%%html\n<b>x</b>\n", complete],
  ["an open function body", "function f() {", more(I)],
  ["an open array", "[1, 2,", more(I)],
  ["two brackets opened on one line", "foo(a, [", more(I + I)],
  ["a block opened on an indented line", "  if (x) {", more(`  ${I}`)],
  ["a line inside brackets keeps its indent", "const o = {\n    a: 1,", more(I)],
  ["a nested block", "if (x) {\n    foo(1,", more(I + I)],
  ["closing a bracket goes back to the open block's indent", "if (a) {\n    foo(1,\n        2);", more(I)],
  ["a trailing binary operator", "total = a +", more("")],
  ["a trailing && on an indented line", "  ok = a &&", more("  ")],
  ["a trailing comma after a declaration", "let a = 1,", more("")],
  ["a trailing member dot", "value.", more("")],
  ["a trailing =>", "const f = (x) =>", more(I)],
  ["an if without its statement", "if (ready)", more("")],
  ["an unfinished template literal (its text takes no indent)", "const s = `first\n  second", more("")],
  ["an open ${ in a template", "`sum: ${a +", more(I)],
  ["template text after ${...}", "`a ${b} c", more("")],
  ["an open block comment", "/* a note", more("")],
  ["a string continued with a backslash", "let s = 'abc\\", more("")],
  ["a cell magic still taking lines", "%%html\n<b>x</b>", more("")],
  ["a binding without a name", "let = ;", invalid],
  ["an unmatched closing parenthesis", "foo())", invalid],
  ["a mismatched closing bracket", "foo(]", invalid],
  ["a stray closing brace", "}", invalid],
  ["a syntax error before an open bracket", "foo(a b,\n", invalid],
  ["a syntax error on an earlier line", "foo(a b)\nbar(", invalid],
  // A quoted string cannot span lines in JavaScript: more lines cannot fix it (IPython says the same of Python).
  ["an unterminated quoted string", "let s = 'abc", invalid],
  ["an escaped backslash does not continue a string", 'let s = "a\\\\', invalid],
  ["an unterminated regular expression", "x = /abc", invalid],
  ["an unterminated token with more code after it", "`ok` + 'abc\nfoo()", invalid],
];

for (const [what, code, expected] of cases) {
  test(`is_complete: ${what}`, () => {
    assert.deepEqual(isComplete(code), expected, JSON.stringify(code));
  });
}

test("windows line endings count as line breaks", () => {
  assert.deepEqual(isComplete("if (x) {\r\n    foo(1,"), more(I + I));
  assert.deepEqual(isComplete("if (x) {\r\n}"), complete);
});
