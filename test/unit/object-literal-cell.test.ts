// Cells that begin with an object literal (src/language/object-literal-cell.ts): read as an expression,
// as the Node.js REPL reads them, with the user's lines and columns kept.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cellColumn, objectLiteralCell } from "../../src/language/object-literal-cell.js";

test("a blank next to the brace takes the parenthesis, so no column moves", () => {
  assert.deepEqual(objectLiteralCell("{ a: 1 }"), { code: "({a: 1 }\n)" });
  assert.deepEqual(objectLiteralCell("\n  {a: 1}"), { code: "\n ({a: 1}\n)" });
  assert.deepEqual(objectLiteralCell("{\n  a: 1,\n}"), { code: "({\n  a: 1,\n}\n)" });
});

test("a brace right before a token: the rest of its line is a column further, and said so", () => {
  const cell = objectLiteralCell("{a: missing}");
  assert.deepEqual(cell, { code: "({a: missing}\n)", shift: { line: 1, after: 1 } });
  assert.equal(cellColumn(1, 6, cell?.shift), 5, "missing is at column 6 of the compiled text, 5 of the cell");
  assert.equal(cellColumn(2, 6, cell?.shift), 6, "other lines keep their columns");
});

test("any expression that begins with the literal; a comment after it stays a comment", () => {
  assert.equal(objectLiteralCell("{ a: 1 }.a")?.code, "({a: 1 }.a\n)");
  assert.equal(objectLiteralCell("{ a: 1 } // note")?.code, "({a: 1 } // note\n)");
});

test("blocks stay blocks: statements inside, members only a block makes sense of, a trailing semicolon", () => {
  for (const code of ["{ let x = 1; x }", "{ a: 1 };", "{ run() }", "{ x: 1, get y() }", "{ a = 1 }", "x = { a: 1 }", "", "{ a: 1 }\n{ b: 2 }"]) {
    assert.equal(objectLiteralCell(code), undefined, code);
  }
});

test("a literal nested too deeply to parse is left to the cell's compile, which says so", () => {
  const deep = `{ a: ${"[".repeat(100_000)}${"]".repeat(100_000)} }`;
  assert.equal(objectLiteralCell(deep), undefined);
});
