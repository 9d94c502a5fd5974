// The pure parts of completion: where the cursor is on a magic line, magic names, file paths, and the
// declaration a cell's source gives for `name??`.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { completeMagicName, completePath, looksLikePath, magicSpot } from "../../src/magics/completion.js";
import { declarationSource } from "../../src/language/declarations.js";

describe("magicSpot", () => {
  test("a magic's name being written, on any line for %, on the first line only for %%", () => {
    assert.deepEqual(magicSpot("%ti", 3), { kind: "name", start: 0, written: "%ti", firstLine: true });
    assert.deepEqual(magicSpot("x = 1\n  %ls", 11), { kind: "name", start: 8, written: "%ls", firstLine: false });
    assert.deepEqual(magicSpot("%%wr", 4), { kind: "name", start: 0, written: "%%wr", firstLine: true });
    assert.equal(magicSpot("x = 1\n%%wr", 10), undefined);
  });

  test("an argument: the word before the cursor, an open quote included", () => {
    assert.deepEqual(magicSpot("%load dir/fi", 12), { kind: "argument", name: "load", cell: false, start: 6, written: "dir/fi", line: { start: 0, end: 12 } });
    assert.deepEqual(magicSpot('%%writefile "my fi\nbody', 18), { kind: "argument", name: "writefile", cell: true, start: 12, written: '"my fi', line: { start: 0, end: 18 } });
    const shell = magicSpot("!ls ./sr", 8);
    assert.equal(shell?.kind === "argument" && shell.name, "system");
  });

  test("the body of a cell magic", () => {
    assert.deepEqual(magicSpot("%%timeit -n 3\narr.fl", 20), { kind: "body", name: "timeit", bodyStart: 14, start: 14, written: "arr.fl" });
  });

  test("ordinary code is no magic spot, even with % in it", () => {
    assert.equal(magicSpot("const r = 10 % 3", 16), undefined);
    assert.equal(magicSpot("arr.fl", 6), undefined);
  });
});

describe("completeMagicName", () => {
  const magics = [
    { name: "time", kind: "line" as const, usage: "%time CODE" },
    { name: "timeit", kind: "line" as const, usage: "%timeit CODE" },
    { name: "time", kind: "cell" as const, usage: "%%time" },
    { name: "who", kind: "line" as const, usage: "%who" },
  ];
  test("% offers line magics, and cell magics on the first line; %% only cell magics", () => {
    assert.deepEqual(completeMagicName("%ti", true, magics).map((m) => m.text), ["%%time", "%time", "%timeit"]);
    assert.deepEqual(completeMagicName("%ti", false, magics).map((m) => m.text), ["%time", "%timeit"]);
    assert.deepEqual(completeMagicName("%%", true, magics).map((m) => m.text), ["%%time"]);
    assert.deepEqual(completeMagicName("%", false, magics).map((m) => m.text), ["%time", "%timeit", "%who"]);
  });
});

describe("completePath", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsk-complete-path-"));
  writeFileSync(join(dir, "notes.md"), "");
  writeFileSync(join(dir, "numbers.csv"), "");
  writeFileSync(join(dir, ".hidden"), "");
  mkdirSync(join(dir, "nested"));
  writeFileSync(join(dir, "nested", "inner.ts"), "");
  symlinkSync(join(dir, "nested"), join(dir, "linked"));

  test("entries of the directory written, relative to the working directory; folders end with /", () => {
    assert.deepEqual(completePath("n", dir), [
      { text: "nested/", kind: "directory" },
      { text: "notes.md", kind: "file" },
      { text: "numbers.csv", kind: "file" },
    ]);
    assert.deepEqual(completePath("nested/i", dir), [{ text: "nested/inner.ts", kind: "file" }]);
    assert.deepEqual(completePath(`${dir}/li`, "/"), [{ text: `${dir}/linked/`, kind: "directory" }]);
  });

  test("hidden files only when asked for; an open quote stays; directories only when asked", () => {
    assert.deepEqual(completePath("", dir).map((m) => m.text), ["linked/", "nested/", "notes.md", "numbers.csv"]);
    assert.deepEqual(completePath(".h", dir).map((m) => m.text), [".hidden"]);
    assert.deepEqual(completePath('"no', dir).map((m) => m.text), ['"notes.md']);
    assert.deepEqual(completePath("n", dir, "directory").map((m) => m.text), ["nested/"]);
  });

  test("a directory that does not exist completes to nothing", () => {
    assert.deepEqual(completePath("missing/x", dir), []);
  });

  test("looksLikePath", () => {
    assert.equal(looksLikePath("./a"), true);
    assert.equal(looksLikePath("~/x"), true);
    assert.equal(looksLikePath('"dir/'), true);
    assert.equal(looksLikePath("-n"), false);
    assert.equal(looksLikePath("count"), false);
  });
});

describe("declarationSource", () => {
  test("the statement that declares a name, with its JSDoc; the last declaration wins", () => {
    const cell = "let a = 1;\n/** Doubles. */\nfunction twice(x: number) {\n  return 2 * x;\n}\nconst b = 2, c = 3;\nfunction twice2() {}";
    assert.equal(declarationSource(cell, "twice"), "/** Doubles. */\nfunction twice(x: number) {\n  return 2 * x;\n}");
    assert.equal(declarationSource(cell, "c"), "const b = 2, c = 3;");
    assert.equal(declarationSource("var v = 1;\nvar v = 2;", "v"), "var v = 2;");
    assert.equal(declarationSource(cell, "nothing"), undefined);
  });
});
