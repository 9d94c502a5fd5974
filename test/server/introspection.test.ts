// Completion and inspection as a front end asks for them (in-memory transport, real engine): from the
// TypeScript language service over the session, the magic registry and the file system.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryKernel, silentLogger } from "../support/memory-kernel.js";
import { WorkerEngine } from "../../src/engine/worker-engine.js";

interface Typed {
  start: number;
  end: number;
  text: string;
  type: string;
  signature: string;
}

describe("completion and inspection (in-memory transport, real engine)", () => {
  const notebook = realpathSync(mkdtempSync(join(tmpdir(), "tsk-introspect-")));
  writeFileSync(
    join(notebook, "geometry.mjs"),
    "/**\n * Area of a circle.\n * @param {number} r\n * @returns {number}\n */\nexport function circleArea(r) { return Math.PI * r * r; }\nexport const unit = 1;\n",
  );
  mkdirSync(join(notebook, "lib"));
  writeFileSync(join(notebook, "lib", "strings.ts"), "export const shout = (s: string) => s.toUpperCase();\n");
  mkdirSync(join(notebook, "node_modules", "tsk-fake-package"), { recursive: true });
  writeFileSync(join(notebook, "node_modules", "tsk-fake-package", "package.json"), JSON.stringify({ name: "tsk-fake-package", version: "1.0.0", types: "index.d.ts", main: "index.js" }));
  writeFileSync(join(notebook, "node_modules", "tsk-fake-package", "index.d.ts"), "/** Greets someone. */\nexport declare function greet(name: string): string;\n");
  writeFileSync(join(notebook, "node_modules", "tsk-fake-package", "index.js"), "exports.greet = (name) => `hello ${name}`;\n");
  const files = realpathSync(mkdtempSync(join(tmpdir(), "tsk-paths-")));
  writeFileSync(join(files, "data-one.txt"), "1");
  writeFileSync(join(files, "data-two.ts"), "2");
  mkdirSync(join(files, "data-dir"));

  const k = new MemoryKernel(new WorkerEngine(silentLogger(), notebook));
  before(() => k.start());
  after(() => k.close());

  const complete = async (code: string, cursor = [...code].length) => {
    const c = (await k.call("shell", "complete_request", { code, cursor_pos: cursor })).reply.content;
    assert.equal(c.status, "ok");
    const typed = (c.metadata as { _jupyter_types_experimental: Typed[] })._jupyter_types_experimental;
    return { matches: c.matches as string[], cursor_start: c.cursor_start as number, cursor_end: c.cursor_end as number, typed };
  };
  const inspect = async (code: string, detail = 0, cursor = [...code].length) => {
    const i = (await k.call("shell", "inspect_request", { code, cursor_pos: cursor, detail_level: detail })).reply.content;
    assert.equal(i.status, "ok");
    return { found: i.found as boolean, text: ((i.data as Record<string, string>)["text/plain"] ?? "") as string };
  };

  test("globals a cell declared with declare global complete in later cells", async () => {
    await k.execute("declare global { var tskAugmentedSetting: string }\nglobalThis.tskAugmentedSetting = 'on';");
    assert.deepEqual((await complete("tskAugmented")).matches, ["tskAugmentedSetting"]);
  });

  test("members come with their types: arr.fla offers flat and flatMap, with kind and signature", async () => {
    await k.execute("const arr = [1, 2, 3];");
    const c = await complete("arr.fla");
    assert.deepEqual(c.matches, ["flat", "flatMap"]);
    assert.equal(c.cursor_start, 4);
    assert.equal(c.cursor_end, 7);
    const flatMap = c.typed.find((t) => t.text === "flatMap")!;
    assert.equal(flatMap.type, "method");
    assert.match(flatMap.signature, /callback/);
    assert.deepEqual([flatMap.start, flatMap.end], [4, 7]);
  });

  test("session globals complete with their static types, builtins and keywords beside them", async () => {
    await k.execute("/** Adds two numbers. */\nfunction addNumbers(a: number, b: number) { return a + b; }\nlet addend: string = 'x';\nclass Adder {}");
    const c = await complete("let y = add");
    assert.deepEqual(c.matches, ["addend", "addNumbers"].sort((a, b) => a.localeCompare(b)));
    const add = c.typed.find((t) => t.text === "addNumbers")!;
    assert.equal(add.type, "function");
    assert.equal(add.signature, "(a: number, b: number): number");
    assert.equal(c.typed.find((t) => t.text === "addend")!.signature, "string");
    assert.deepEqual((await complete("Add")).typed.map((t) => [t.text, t.type]), [["Adder", "class"]]);
    assert.ok((await complete("retu")).matches.includes("return"));
    assert.ok((await complete("setTime")).matches.includes("setTimeout"));
  });

  test("every matching session name is offered, the first ones with their types; history names complete typed", async () => {
    await k.execute(Array.from({ length: 40 }, (_, i) => `let manyName${i}: number = ${i};`).join("\n"));
    const c = await complete("const total = manyN");
    assert.equal(c.matches.length, 40);
    assert.deepEqual(c.typed[0], { start: 14, end: 19, text: "manyName0", type: "variable", signature: "number" });
    assert.ok(c.typed.every((t) => t.type === "variable"), "names past the described ones still have their kind");
    const result = await k.execute("'a string' + manyName1");
    const count = result.reply.content.execution_count as number;
    const history = await complete(`_${count}`);
    assert.deepEqual(history.typed.map((t) => [t.text, t.signature]), [[`_${count}`, "string"]]);
  });

  test("a name the cell declares itself completes too, typed from the cell", async () => {
    const c = await complete("const localThing = { depth: 2 };\nlocalThing.de");
    assert.deepEqual(c.matches, ["depth"]);
    assert.equal(c.typed[0].signature, "number");
  });

  test("members of imported modules and packages complete", async () => {
    const imported = await k.execute('import * as fs from "node:fs";\nimport { greet } from "tsk-fake-package";\nimport * as geometry from "./geometry.mjs";');
    assert.equal(imported.reply.content.status, "ok");
    assert.ok((await complete("fs.readFileS")).matches.includes("readFileSync"));
    const g = await complete("geometry.");
    assert.deepEqual(g.matches, ["circleArea", "unit"]);
    assert.equal(g.typed[0].signature, "(r: number): number");
    assert.deepEqual((await complete("gre")).matches, ["greet"]);
  });

  test("import specifiers complete inside the quotes: local files, folders, installed and Node's modules", async () => {
    const local = await complete('import { unit } from "./geo');
    assert.ok(local.matches.some((m) => m.startsWith("geometry")), `matches: ${local.matches.join(", ")}`);
    assert.equal(local.cursor_end, 27);
    assert.ok(local.cursor_start >= 22 && local.cursor_start <= 24);
    const folder = await complete('import { shout } from "./lib/');
    assert.ok(folder.matches.some((m) => m.startsWith("strings")), `matches: ${folder.matches.join(", ")}`);
    const pkg = await complete('import x from "tsk-fake');
    assert.deepEqual(pkg.matches, ["tsk-fake-package"]);
    assert.equal(pkg.cursor_start, 15);
    assert.ok((await complete('import x from "node:chi')).matches.includes("node:child_process"));
  });

  test("magic names complete after % and %%, with their usage as the signature", async () => {
    const line = await complete("%tim");
    assert.deepEqual(line.matches, ["%%time", "%%timeit", "%time", "%timeit"].sort((a, b) => a.localeCompare(b)));
    assert.equal(line.cursor_start, 0);
    assert.equal(line.typed[0].type, "magic");
    assert.match(line.typed.find((t) => t.text === "%timeit")!.signature, /%timeit/);
    assert.deepEqual((await complete("%%tim")).matches, ["%%time", "%%timeit"]);
    const second = await complete("let q = 1\n%lsm");
    assert.deepEqual(second.matches, ["%lsmagic"]);
    assert.equal(second.cursor_start, 10);
    assert.deepEqual((await complete("1\n%%tim")).matches, []);
  });

  test("magics that take files complete paths; any path-like argument does; %cd offers folders only", async () => {
    const load = await complete(`%load ${files}/data-`);
    assert.deepEqual(load.matches, [`${files}/data-dir/`, `${files}/data-one.txt`, `${files}/data-two.ts`]);
    assert.equal(load.cursor_start, 6);
    assert.ok(load.typed.every((t) => t.type === "path"));
    assert.deepEqual((await complete(`%cd ${files}/data`)).matches, [`${files}/data-dir/`]);
    assert.deepEqual((await complete(`%%writefile ${files}/data-o`)).matches, [`${files}/data-one.txt`]);
    assert.deepEqual((await complete(`!cat "${files}/data-t`)).matches, [`"${files}/data-two.ts`]);
    assert.deepEqual((await complete("%who fo")).matches, []);
  });

  test("%reload and %aimport offer the loaded local modules' specifiers, then paths; packages are not offered", async () => {
    await k.execute("import { shout } from './lib/strings';\nimport { unit } from './geometry.mjs';\nimport { greet } from 'tsk-fake-package';");
    const all = await complete("%reload ");
    assert.deepEqual(all.matches, ["./geometry.mjs", "./lib/strings"]);
    assert.ok(all.typed.every((t) => t.type === "module"));
    assert.equal(all.cursor_start, 8);
    const lib = await complete("%aimport ./li");
    assert.equal(lib.matches[0], "./lib/strings");
    assert.equal(lib.typed[0].type, "module");
    const path = await complete(`%aimport ${notebook}/li`);
    assert.deepEqual(path.matches, [`${notebook}/lib/`]);
    assert.equal(path.typed[0].type, "path");
    assert.deepEqual((await complete('%reload "./g')).matches, ['"./geometry.mjs']);
    assert.deepEqual((await complete("%reload tsk")).matches, []);
  });

  test("code after %time and in a %%timeit body completes as code", async () => {
    assert.deepEqual((await complete("%time arr.fla")).matches, ["flat", "flatMap"]);
    assert.deepEqual((await complete("%%timeit -n 2\narr.fla")).matches, ["flat", "flatMap"]);
  });

  test("positions are code points: astral characters before the cursor do not shift the match", async () => {
    const code = "const s = '😀🎉'; /* 🚀 */ arr.fla";
    const c = await complete(code);
    assert.deepEqual(c.matches, ["flat", "flatMap"]);
    assert.equal(c.cursor_end, [...code].length);
    assert.equal(c.cursor_start, [...code].length - 3);
    assert.deepEqual([c.typed[0].start, c.typed[0].end], [c.cursor_start, c.cursor_end]);
    const mid = "'🎉'; arr.fla + 1";
    assert.deepEqual((await complete(mid, [...mid].indexOf("+") - 1)).matches, ["flat", "flatMap"]);
  });

  test("a value the checker cannot type (%typecheck off) completes from its live members", async () => {
    await k.execute("%typecheck off");
    await k.execute("var untypedThing = { hiddenField: 1, hiddenMethod() {} }");
    await k.execute("%typecheck on");
    const c = await complete("untypedThing.hidden");
    assert.deepEqual(c.matches, ["hiddenField", "hiddenMethod"]);
    assert.deepEqual(c.typed.map((t) => t.type), ["property", "method"]);
  });

  test("inspection: signature and JSDoc of a user function from an earlier cell, its kind and cell", async () => {
    await k.execute("/**\n * Scales a vector.\n * @param factor how much to scale by\n */\nfunction scale(v: number[], factor: number): number[] {\n  return v.map((x) => x * factor);\n}");
    const i = await inspect("scale");
    assert.equal(i.found, true);
    assert.match(i.text, /Signature: +function scale\(v: number\[\], factor: number\): number\[\]/);
    assert.match(i.text, /Scales a vector\./);
    assert.match(i.text, /@param factor how much to scale by/);
    assert.match(i.text, /Defined: +function in Cell In\[\d+\]/);
    assert.doesNotMatch(i.text, /return v\.map/);
    const source = await inspect("scale", 1);
    assert.match(source.text, /Source:\n\/\*\*\n \* Scales a vector\.[\s\S]*return v\.map\(\(x\) => x \* factor\);\n\}/);
  });

  test("inspection of builtins and packages shows their JSDoc; values show their summary", async () => {
    const max = await inspect("Math.max");
    assert.match(max.text, /Math\.max\(\.\.\.values: number\[\]\): number/);
    assert.match(max.text, /Returns the larger of a set of supplied numeric expressions/);
    const greet = await inspect("greet(");
    assert.match(greet.text, /function greet\(name: string\): string/);
    assert.match(greet.text, /Greets someone\./);
    const arr = await inspect("arr", 0, 1);
    assert.match(arr.text, /Signature: +const arr: number\[\]/);
    assert.match(arr.text, /Value: +\[ 1, 2, 3 \]/);
    assert.equal((await inspect("noSuchNameAnywhere")).found, false);
  });

  test("inspection with astral characters before the name", async () => {
    const code = "'🎉🎉'; scale";
    const i = await inspect(code, 0, [...code].length - 2);
    assert.match(i.text, /function scale/);
  });

  test("inspecting a magic shows its help", async () => {
    assert.match((await inspect("%timeit")).text, /%timeit: [\s\S]*Usage:/);
  });

  test("name? and name?? page the same description", async () => {
    const page = async (code: string) => {
      const r = (await k.execute(code)).reply.content;
      const payload = (r.payload as { source: string; data: Record<string, string> }[])[0];
      assert.equal(payload.source, "page");
      return payload.data["text/plain"];
    };
    const short = await page("scale?");
    assert.match(short, /Scales a vector\./);
    assert.doesNotMatch(short, /Source:/);
    assert.match(await page("scale??"), /Source:\n[\s\S]*return v\.map/);
    assert.match(await page("Math.max?"), /Returns the larger/);
    assert.equal(await page("nowhereToBeFound?"), "Object `nowhereToBeFound` not found.");
  });
});

describe("inspection under a notebook tsconfig.json that removes comments", () => {
  const notebook = mkdtempSync(join(tmpdir(), "tsk-remove-comments-"));
  writeFileSync(join(notebook, "tsconfig.json"), JSON.stringify({ compilerOptions: { removeComments: true } }));
  const k = new MemoryKernel(new WorkerEngine(silentLogger(), notebook));
  before(() => k.start());
  after(() => k.close());

  test("a user function's JSDoc still reaches the declarations later cells see", async () => {
    assert.equal((await k.execute("/** Says hello. */\nfunction hello() { return 'hi'; }")).reply.content.status, "ok");
    const i = (await k.call("shell", "inspect_request", { code: "hello", cursor_pos: 5, detail_level: 0 })).reply.content;
    assert.match((i.data as Record<string, string>)["text/plain"], /Docstring: +Says hello\./);
  });
});
