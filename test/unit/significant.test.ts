// Which edits of a module's source count as changes for %autoreload and %modules: exactly those
// outside comments and layout. A template, a regex, a string or JSX text keeps every character.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { codeFingerprint } from "../../src/engine/worker/modules/significant.js";

const changes = (before: string, after: string, jsx = false) => codeFingerprint(before, jsx) !== codeFingerprint(after, jsx);

describe("which edits change a module's code fingerprint", () => {
  const cases: [string, string, string, boolean][] = [
    ["a line comment", "export const a = 1; // one\n", "export const a = 1; // two\n", false],
    ["a block comment and the layout", "export const a = [1, 2];\n", "/* list */ export const a = [\n  1,\n  2\n];\n", false],
    ["a comment and spaces inside a template's expression", "export const e = `${host}//api`;\n", "export const e = `${ host /* the host */ }//api`;\n", false],
    ["spaces around divisions", "export const a = b / c / d;\n", "export const a = b/c/d; // ratio\n", false],
    ["a line break after return", "function f() { return 1; }\n", "function f() { return\n1; }\n", true],
    ["a number", "export const a = 1;\n", "export const a = 2;\n", true],
    ["a template's text after // and an expression", "export const e = `${protocol}//${host}/api/v1`;\n", "export const e = `${protocol}//${host}/api/v2`;\n", true],
    ["code after a template with /* after an expression", "export const e = `${a}/* a`;\nexport const f = 1;\n", "export const e = `${a}/* a`;\nexport const f = 2;\n", true],
    ["the spaces in a template's text", "export const e = `${a} b`;\n", "export const e = `${a}  b`;\n", true],
    ["a nested template's text", "export const e = `${`${a}//x`}//y`;\n", "export const e = `${`${a}//x`}//z`;\n", true],
    ["a template literal type's text", "export type Url = `${string}//${string}/v1`;\n", "export type Url = `${string}//${string}/v2`;\n", true],
    ["a regex with // in it", "export const r = /[//]a/;\n", "export const r = /[//]b/;\n", true],
    ["a regex with escaped slashes", "export const r = /\\/\\/x/;\n", "export const r = /\\/\\/y/;\n", true],
    ["the spaces in a regex", "export const r = /a b/;\n", "export const r = /a  b/;\n", true],
    ["a regex after a template", "export const r = `${a}`.replace(/\\/\\/a/g, '');\n", "export const r = `${a}`.replace(/\\/\\/b/g, '');\n", true],
    ["the spaces in a regex after a block's `}`", "if (a) {}\n/a b/.test(s);\n", "if (a) {}\n/a  b/.test(s);\n", true],
    ["the spaces in a regex after `!`", "export const t = !/a b/.test(s);\n", "export const t = !/a  b/.test(s);\n", true],
    ["the spaces in a regex after an if's head", "if (a) /a b/.test(s);\n", "if (a) /a  b/.test(s);\n", true],
    ["spaces around divisions after `x!` and `(…)`", "export const a = x! / y / (z) / 2;\n", "export const a = x!/y/(z)/2;\n", false],
    ["a string with // in it", "export const s = 'http://a';\n", "export const s = 'http://b';\n", true],
    ["`> >` for `>>`", "export const a = b >> 1;\n", "export const a = b > > 1;\n", true],
    ["`> =` for `>=`", "export const a = b >= 1;\n", "export const a = b > = 1;\n", true],
    ["spaces around `>>=`", "a >>= 1;\n", "a  >>=  1;\n", false],
  ];
  for (const [name, before, after, expected] of cases) test(`${name}: ${expected ? "a change" : "no change"}`, () => assert.equal(changes(before, after), expected));

  const jsxCases: [string, string, string, boolean][] = [
    ["JSX indentation", "export const a = <div>\n  <p>hi</p>\n</div>;\n", "export const a =\n  <div>\n      <p>hi</p>\n  </div>;\n", false],
    ["JSX text with // in it", "export const a = <p>see http://a</p>;\n", "export const a = <p>see http://b</p>;\n", true],
    ["the spaces inside a line of JSX text", "export const a = <p>a b</p>;\n", "export const a = <p>a  b</p>;\n", true],
    ["a JSX attribute's text", "export const a = <p title=\"a\">x</p>;\n", "export const a = <p title=\"b\">x</p>;\n", true],
  ];
  for (const [name, before, after, expected] of jsxCases) test(`${name}: ${expected ? "a change" : "no change"}`, () => assert.equal(changes(before, after, true), expected));
});
