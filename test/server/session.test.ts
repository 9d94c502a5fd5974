// Table-driven cell sequences: what a notebook user sees, cell after cell, in one session.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryKernel, resultText, silentLogger, streamText } from "../support/memory-kernel.js";
import { WorkerEngine } from "../../src/engine/worker-engine.js";

/** A cell and what it must show: its result's text/plain, no result (null), or an error's ename. */
type Step = [code: string, expect: string | null | { error: string; evalue?: RegExp }];

const SEQUENCES: Record<string, Step[]> = {
  "let, const, function and class persist and can be redeclared with any kind": [
    ["let a = 1", null],
    ["a", "1"],
    ["const a = 'text'", null],
    ["a", "'text'"],
    ["function a() { return 3 }", null],
    ["a()", "3"],
    ["class a { static v = 4 }", null],
    ["a.v", "4"],
    ["let a = 5; a", "5"],
  ],
  "a function reads the session's current value when called (live binding)": [
    ["let x = 1; function getX() { return x }", null],
    ["x = 2; getX()", "2"],
    ["let x = 3; getX()", "3"],
    ["function setX(v: number) { x = v }", null],
    ["setX(9); x", "9"],
    ["const x = 'redeclared'; getX()", "'redeclared'"],
  ],
  "a function may use a name that a later cell defines (declared for the checker, or unchecked)": [
    ["declare let notYet: number;\nfunction later() { return notYet * 2 }", null],
    ["later()", { error: "ReferenceError", evalue: /notYet is not defined/ }],
    ["let notYet = 21", null],
    ["later()", "42"],
  ],
  "a failing cell keeps the declarations that ran before the throw": [
    ["const fa = 1; throw new Error('midway'); const fb = 2;", { error: "Error", evalue: /midway/ }],
    ["fa", "1"],
    ["const checkedFa: number = fa; checkedFa", "1"],
    ["typeof fb", { error: "TypeCheckError", evalue: /Cannot find name 'fb'/ }],
  ],
  "top-level await": [
    ["const v = await Promise.resolve(5); v * 2", "10"],
    ["v", "5"],
    ["for await (const n of (async function* () { yield 1; yield 2 })()) console.log(n); 'done'", "'done'"],
  ],
  "results are stored in Out, _n and _; a trailing semicolon suppresses display and storage": [
    ["6 * 7", "42"],
    ["_ + 0", "42"],
    ["99;", null],
    ["_", "42"],
  ],
  "null, NaN, Infinity, 0n and '' are displayed; undefined is not": [
    ["null", "null"],
    ["NaN", "NaN"],
    ["-Infinity", "-Infinity"],
    ["0n", "0n"],
    ["''", "''"],
    ["undefined", null],
    ["void 0", null],
  ],
  "const cannot be reassigned, but can be redeclared": [
    ["const k1 = 1", null],
    ["k1 = 2", { error: "TypeCheckError", evalue: /Cannot assign to 'k1' because it is a constant.*TS2588/ }],
    ["%typecheck off", null],
    ["k1 = 2", { error: "TypeError", evalue: /constant/ }],
    ["%typecheck on", null],
    ["k1", "1"],
    ["const k1 = 3; k1", "3"],
    ["const k2 = 1;\n{ let k2 = 2; }", null],
    ["k2 = 3", { error: "TypeCheckError", evalue: /Cannot assign to 'k2' because it is a constant/ }],
  ],
  "closures follow JavaScript: let in loops captures per iteration, var does not": [
    ["const fns: (() => number)[] = []; for (let i = 0; i < 3; i++) fns.push(() => i); fns.map((f) => f())", "[ 0, 1, 2 ]"],
    ["const vfns: (() => number)[] = []; for (var j = 0; j < 3; j++) vfns.push(() => j); vfns.map((f) => f())", "[ 3, 3, 3 ]"],
    ["j", "3"],
  ],
  "var keeps its value when declared again; re-running a cell is legal": [
    ["var hv = 1", null],
    ["var hv; hv", "1"],
    ["let counter = 0", null],
    ["let counter = 0", null],
    ["counter += 1", "1"],
    ["counter += 1", "2"],
  ],
  "destructuring, enums and namespaces declare session names": [
    ["const { p, q: [r = 7] } = { p: 'P', q: [] as number[] }; [p, r]", "[ 'P', 7 ]"],
    ["enum Color { Red, Green }\nColor.Green", "1"],
    ["namespace Geometry { export const unit = 1 }\nGeometry.unit", "1"],
    ["[Color.Red, Geometry.unit, p]", "[ 0, 1, 'P' ]"],
  ],
  "two declarations of one name in one cell are an error, checked or not": [
    ["let dup = 1; let dup = 2;", { error: "TypeCheckError", evalue: /Cannot redeclare block-scoped variable 'dup'.*TS2451/ }],
    ["%typecheck off", null],
    ["let dup = 1;\nconst dup = 2;", { error: "SyntaxError", evalue: /Identifier 'dup' has already been declared.*line 2, column 7/ }],
    ["var vdup = 1; var vdup = 2; vdup", "2"],
    ["%typecheck on", null],
    ["typeof dup", { error: "TypeCheckError", evalue: /Cannot find name 'dup'/ }],
  ],
  "names declared while unchecked are known, typed any, once checking is back on": [
    ["%typecheck off", null],
    ["let loose = 'x'; class Loose { n = 1 }", null],
    ["%typecheck on", null],
    ["loose.toUpperCase()", "'X'"],
    ["const l: Loose = new Loose(); l.n", "1"],
    ["loose = 5", "5"],
  ],
  "a type and then a value of the same name: the newest declaration wins": [
    ["type Shape = { r: number }", null],
    ["const Shape = 'now a value'; Shape", "'now a value'"],
    ["const s: Shape = { r: 1 }", { error: "TypeCheckError", evalue: /'Shape' refers to a value, but is being used as a type/ }],
  ],
  "return is only allowed inside functions": [
    ["const before = 1;\nreturn before", { error: "SyntaxError", evalue: /'return' statement.*line 2, column 1/ }],
  ],
  "a session name may shadow a builtin, with its own type": [
    ["const JSON = 'shadowed'", null],
    ["JSON", "'shadowed'"],
    ["JSON.length", "8"],
  ],
  "cells are type-checked against earlier declarations, with cell positions": [
    ["let tx = 5", null],
    ["const wrong: string = 1;\nconst alsoWrong: string = tx;", { error: "TypeCheckError", evalue: /Type 'number' is not assignable to type 'string'.*line 1, column 7, TS2322/ }],
    ["typeof wrong", { error: "TypeCheckError", evalue: /Cannot find name 'wrong'/ }],
    ["tx.toFixed(1)", "'5.0'"],
    ["tx = 'text'", { error: "TypeCheckError", evalue: /not assignable to type 'number'/ }],
  ],
  "types persist: interfaces, generic aliases, classes, enums": [
    ["interface Point { x: number; y: number }\ntype Box<T> = { value: T };", null],
    ["const pt: Point = { x: 1, y: 2 }; const box: Box<string> = { value: 'v' }; pt.x + pt.y", "3"],
    ["const bad: Point = { x: 1 }", { error: "TypeCheckError", evalue: /Property 'y' is missing/ }],
    ["class Account { constructor(public balance: number) {} deposit(n: number) { this.balance += n; return this } }", null],
    ["new Account(1).deposit(2).balance", "3"],
    ["new Account('x')", { error: "TypeCheckError", evalue: /not assignable to parameter of type 'number'/ }],
    ["enum Level { Low, High }", null],
    ["const lv: Level = Level.High; lv", "1"],
  ],
  "the history is typed: _ and _n have the type of the value they hold": [
    ["[1, 2, 3].map((n) => n * n)", "[ 1, 4, 9 ]"],
    ["_.reduce((sum, n) => sum + n, 0)", "14"],
    ["_.toUpperCase()", { error: "TypeCheckError", evalue: /Property 'toUpperCase' does not exist on type 'number'/ }],
    ["_.toFixed(1)", "'14.0'"],
    ["___.length", "3"],
    ["interface Pet { name: string }\nconst pets: Pet[] = [{ name: 'Rex' }]; pets", "[ { name: 'Rex' } ]"],
    ["_[0].name", "'Rex'"],
  ],
  "the newest declaration wins for the type too": [
    ["let rt = 1", null],
    ["const rt = 'now a string'", null],
    ["rt.toUpperCase()", "'NOW A STRING'"],
  ],
  "%typecheck warn shows type errors and runs the cell; bad arguments are usage errors": [
    ["%typecheck warn", null],
    ["const warned: string = 42 as unknown as number; warned", "42"],
    ["%typecheck sometimes", { error: "UsageError", evalue: /one of on, warn, off/ }],
    ["%typecheck on", null],
  ],
  "types come from @types/node and imported modules": [
    ["import { readFileSync } from 'node:fs';", null],
    ["typeof readFileSync", "'function'"],
    ["Buffer.from('ab').length", "2"],
    ["readFileSync(42, 'utf8', 'extra')", { error: "TypeCheckError", evalue: /Expected 1-2 arguments/ }],
  ],
  "strict checking by default": [
    ["function implicit(a) { return a }", { error: "TypeCheckError", evalue: /Parameter 'a' implicitly has an 'any' type.*TS7006/ }],
  ],
  "locals stay local": [
    ["function scoped() { let inner = 1; return inner }\n{ let blockOnly = 2 }\nscoped()", "1"],
    ["typeof inner", { error: "TypeCheckError", evalue: /Cannot find name 'inner'/ }],
    ["%typecheck off", null],
    ["typeof inner + ' ' + typeof blockOnly", "'undefined undefined'"],
    ["%typecheck on", null],
  ],
  "imports bind session names": [
    ["import { join } from 'node:path'; import * as os from 'node:os';", null],
    ["join('a', 'b')", "'a/b'"],
    ["typeof os.cpus", "'function'"],
    ["const fs = require('node:fs'); typeof fs.readFileSync", "'function'"],
  ],
};

describe("the notebook's directory (in-memory transport, real engine)", () => {
  const notebookDir = mkdtempSync(join(tmpdir(), "tsk-notebook-"));
  writeFileSync(join(notebookDir, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: false, noUnusedParameters: true } }));
  const k = new MemoryKernel(new WorkerEngine(silentLogger(), notebookDir));
  before(() => k.start());
  after(() => k.close());

  test("a module sees properties set on globalThis, but not the notebook's variables", async () => {
    writeFileSync(
      join(notebookDir, "probe.mjs"),
      "export function probe() { return [globalThis.sharedSetting, typeof notebookOnly]; }\n",
    );
    await k.execute("const notebookOnly = 1; (globalThis as any).sharedSetting = 'from the notebook';");
    const ex = await k.execute("const { probe } = await import('./probe.mjs'); probe()");
    assert.equal(ex.reply.content.status, "ok", String(ex.reply.content.evalue));
    assert.equal(resultText(ex), "[ 'from the notebook', 'undefined' ]");
  });

  test("its tsconfig.json sets the checking options", async () => {
    const loose = await k.execute("function untyped(a) { return a }\nuntyped(3)");
    assert.equal(resultText(loose), "3", "strict: false allows implicit any");
    const unused = await k.execute("function ignores(p: number) { return 1 }");
    assert.equal(unused.reply.content.ename, "TypeCheckError");
    assert.match(unused.reply.content.evalue as string, /'p' is declared but its value is never read.*TS6133/);
  });
});

describe("session semantics (in-memory transport, real engine)", () => {
  const k = new MemoryKernel();
  before(() => k.start());
  after(() => k.close());

  for (const [name, steps] of Object.entries(SEQUENCES)) {
    test(name, async () => {
      for (const [code, expect] of steps) {
        const ex = await k.execute(code);
        const status = ex.reply.content.status;
        if (expect !== null && typeof expect === "object") {
          assert.equal(status, "error", `${code} should fail`);
          assert.equal(ex.reply.content.ename, expect.error, code);
          if (expect.evalue) assert.match(ex.reply.content.evalue as string, expect.evalue, code);
        } else {
          assert.equal(status, "ok", `${code}: ${ex.reply.content.evalue ?? ""}`);
          assert.equal(resultText(ex) ?? null, expect, code);
        }
      }
    });
  }

  test("Out, _n, In and _i hold the history", async () => {
    const ex = await k.execute("'remember me'");
    const n = ex.reply.content.execution_count as number;
    assert.equal(resultText(await k.execute(`Out[${n}]`)), "'remember me'");
    assert.equal(resultText(await k.execute(`_${n}`)), "'remember me'");
    assert.equal(resultText(await k.execute(`In[${n}]`)), `"'remember me'"`);
    assert.equal(resultText(await k.execute(`_i${n}`)), `"'remember me'"`);
    await k.execute("1");
    assert.equal(resultText(await k.execute("_i")), `'1'`, "_i is the previous cell's source");
  });

  test("Out[n] and _n have the static type of cell n's value", async () => {
    const n = (await k.execute("'typed'")).reply.content.execution_count as number;
    assert.equal(resultText(await k.execute(`Out[${n}].toUpperCase()`)), "'TYPED'");
    for (const code of [`Out[${n}].toFixed()`, `_${n}.toFixed()`]) {
      const ex = await k.execute(code);
      assert.equal(ex.reply.content.ename, "TypeCheckError", code);
      assert.match(ex.reply.content.evalue as string, /Property 'toFixed' does not exist on type 'string'/, code);
    }
  });

  test("Out keeps at most 1000 results, dropping the oldest 20% when full", async () => {
    await k.execute("%reset -f out");
    const first = (await k.execute("'oldest'")).reply.content.execution_count as number;
    for (let i = 1; i < 1000; i++) await k.execute("7");
    // Counted on stdout, so that counting stores no result of its own.
    assert.equal(streamText(await k.execute("console.log(Object.keys(Out).length)")), "1000\n", "full, not yet culled");
    const last = (await k.execute("'newest'")).reply.content.execution_count as number;
    assert.equal(streamText(await k.execute("console.log(Object.keys(Out).length)")), "801\n", "200 culled, the newest stored");
    assert.equal(resultText(await k.execute(`Out[${first}] === undefined`)), "true");
    assert.equal((await k.execute(`_${first}`)).reply.content.ename, "TypeCheckError", `_${first} is gone with it`);
    assert.equal(resultText(await k.execute(`_${last}`)), "'newest'");
    await k.execute("%reset -f out");
  });

  test("user_expressions are evaluated after the cell", async () => {
    const ex = await k.execute("const ue = 20", { user_expressions: { twice: "ue * 2", bad: "nope()" } });
    const ue = ex.reply.content.user_expressions as Record<string, Record<string, unknown>>;
    assert.equal(ue.twice.status, "ok");
    assert.deepEqual(ue.twice.data, { "text/plain": "40" });
    assert.equal(ue.bad.status, "error");
    assert.equal(ue.bad.ename, "TypeCheckError");
  });

  test("name? shows the inspection as a page payload", async () => {
    await k.execute("function documented(a: number) { return a }");
    const ex = await k.execute("documented?");
    const payload = ex.reply.content.payload as { source: string; data: Record<string, string> }[];
    assert.equal(payload[0].source, "page");
    assert.match(payload[0].data["text/plain"], /Signature: function documented\(a\)/);
    const source = ((await k.execute("documented??")).reply.content.payload as typeof payload)[0];
    assert.match(source.data["text/plain"], /return a/);
  });

  test("%typecheck warn puts the type errors on stderr", async () => {
    await k.execute("%typecheck warn");
    const ex = await k.execute("const w2: string = 1; w2");
    await k.execute("%typecheck on");
    assert.equal(resultText(ex), "1");
    assert.match(streamText(ex, "stderr"), /Cell In\[\d+\], line 1, column 7: Type 'number' is not assignable to type 'string'. \(TS2322\)/);
  });

  test("process.stdout.write and console.error stream, in order, without ANSI colour codes", async () => {
    const ex = await k.execute("process.stdout.write('a'); console.error('b'); console.log({ n: 1 }); 'r'");
    const streams = ex.iopub.filter((m) => m.header.msg_type === "stream").map((m) => [m.content.name, m.content.text]);
    assert.deepEqual(streams, [["stdout", "a"], ["stderr", "b\n"], ["stdout", "{ n: 1 }\n"]]);
    assert.doesNotMatch(JSON.stringify(ex.iopub.map((m) => m.content)), /\\u001b\[/);
  });

  test("a hot top-level loop keeps its variables local and syncs them back", async () => {
    const ex = await k.execute("let acc = 0; for (let i = 0; i < 1e6; i++) acc += i; acc");
    assert.equal(resultText(ex), "499999500000");
    assert.equal(resultText(await k.execute("acc")), "499999500000");
  });

  test("process.exit in a cell restarts the session and says so; the kernel answers on", async () => {
    await k.execute("const lost = 1");
    const ex = await k.execute("process.exit(3)");
    assert.equal(ex.reply.content.status, "error");
    assert.equal(ex.reply.content.ename, "SessionRestarted");
    assert.match(ex.reply.content.evalue as string, /process\.exit\(3\)/);
    assert.equal((await k.execute("typeof lost")).reply.content.ename, "TypeCheckError", "the new session does not know `lost`");
    assert.equal(resultText(await k.execute("1 + 1")), "2");
  });
});
