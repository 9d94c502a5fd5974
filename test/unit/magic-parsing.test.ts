// How a cell is recognised as magics and how a magic's argument line is split into words.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseMagicCell } from "../../src/magics/registry.js";
import { splitArgs } from "../../src/magics/split-args.js";

test("argument lines split like a shell's words, with quotes and escapes", () => {
  assert.deepEqual(splitArgs(""), []);
  assert.deepEqual(splitArgs("  -f   out "), ["-f", "out"]);
  assert.deepEqual(splitArgs(`'a b' "c \\" d" e\\ f`), ["a b", 'c " d', "e f"]);
  assert.deepEqual(splitArgs(`x'y'"z"`), ["xyz"]);
  assert.deepEqual(splitArgs(`'' ""`), ["", ""]);
  assert.throws(() => splitArgs("'open"), /unterminated ' quote at column 1/);
  assert.throws(() => splitArgs('a "open'), /unterminated " quote at column 3/);
});

test("a cell is magics when every line is a line magic, or its first line is a cell magic", () => {
  assert.deepEqual(parseMagicCell("%who"), [{ name: "who", kind: "line", line: "", body: "", at: { line: 0, column: 0 } }]);
  assert.deepEqual(parseMagicCell("\n  %reset -f out  \n\n%who let\n"), [
    { name: "reset", kind: "line", line: "-f out", body: "", at: { line: 1, column: 9 } },
    { name: "who", kind: "line", line: "let", body: "", at: { line: 3, column: 5 } },
  ]);
  assert.deepEqual(parseMagicCell("%%writefile a.ts\nconst x = 1;\n"), [
    { name: "writefile", kind: "cell", line: "a.ts", body: "const x = 1;\n", at: { line: 0, column: 12 } },
  ]);
  assert.equal(parseMagicCell("%who\nconst x = 1"), undefined, "code mixed with magics is code");
  assert.equal(parseMagicCell("x % 2"), undefined);
  assert.equal(parseMagicCell(""), undefined);
  assert.equal(parseMagicCell("%who\n%%time"), undefined, "a cell magic only on the first line");
});
