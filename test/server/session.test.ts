// Table-driven cell sequences: what a notebook user sees, cell after cell, in one session.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryKernel, resultText, silentLogger, streamText } from "../support/memory-kernel.js";
import { WorkerEngine } from "../../src/engine/worker-engine.js";
import { SEQUENCES, checkStep } from "../support/session-sequences.js";

describe("the notebook's directory (in-memory transport, real engine)", () => {
  const notebookDir = mkdtempSync(join(tmpdir(), "tsk-notebook-"));
  // `paths` come from the configuration it extends: relative to that file, as tsc reads them.
  mkdirSync(join(notebookDir, "config"));
  writeFileSync(join(notebookDir, "config", "base.json"), JSON.stringify({ compilerOptions: { paths: { "@lib/*": ["../lib/*"] } } }));
  writeFileSync(join(notebookDir, "tsconfig.json"), JSON.stringify({ extends: "./config/base.json", compilerOptions: { strict: false, noUnusedParameters: true, jsx: "preserve", experimentalDecorators: true } }));
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

  test('its "paths" (from the file it extends) resolve imports at run time as for the checker, in cells and modules', async () => {
    mkdirSync(join(notebookDir, "lib"), { recursive: true });
    writeFileSync(join(notebookDir, "lib", "aliased.ts"), "export const viaAlias: string = 'found through paths';\n");
    writeFileSync(join(notebookDir, "uses-alias.ts"), "import { viaAlias } from '@lib/aliased';\nexport const again = viaAlias.length;\n");
    const ex = await k.execute("import { viaAlias } from '@lib/aliased'; import { again } from './uses-alias'; [viaAlias, again]");
    assert.equal(ex.reply.content.status, "ok", String(ex.reply.content.evalue));
    assert.equal(resultText(ex), "[ 'found through paths', 19 ]");
    const missing = await k.execute("import { nothing } from '@lib/absent';");
    assert.equal(missing.reply.content.ename, "TypeCheckError");
    assert.match(missing.reply.content.evalue as string, new RegExp(`Looked in:\n  ${notebookDir}/lib/absent\\.ts\n`));
    const search = await k.execute("%modules --path");
    assert.match(streamText(search), new RegExp(`go through the tsconfig.json "paths" aliases.*\n  @lib/\\* -> ${notebookDir}/lib/\\*\n`));
  });

  test("its experimentalDecorators: a cell that declares a decorated class shows no result", async () => {
    const declared = await k.execute("function logged(_target: object, _key: string, d: PropertyDescriptor) { return d }\nfunction sealed(c: Function) { Object.seal(c) }");
    assert.equal(declared.reply.content.status, "ok", String(declared.reply.content.evalue));
    for (const code of ["class Greeter { @logged hello() { return 'hi' } }", "@sealed class Sealed {}"]) {
      const ex = await k.execute(code);
      assert.equal(ex.reply.content.status, "ok", String(ex.reply.content.evalue));
      assert.equal(resultText(ex), undefined, code);
    }
    assert.equal(resultText(await k.execute("[new Greeter().hello(), Object.isSealed(Sealed)]")), "[ 'hi', true ]");
  });

  test('its "jsx": "preserve" still runs a .tsx module: the kernel compiles JSX for the jsx-runtime', async () => {
    const runtime = join(notebookDir, "node_modules", "react");
    mkdirSync(runtime, { recursive: true });
    writeFileSync(join(runtime, "package.json"), '{ "name": "react", "version": "0.0.0" }');
    writeFileSync(join(runtime, "jsx-runtime.js"), "exports.jsx = (type, props) => ({ type, props });\n");
    writeFileSync(join(runtime, "jsx-runtime.d.ts"), "export namespace JSX { interface IntrinsicElements { [tag: string]: object } }\nexport declare function jsx(type: unknown, props: object): JSX.Element;\n");
    writeFileSync(join(notebookDir, "tag.tsx"), "export const tag = <em>kept</em>;\n");
    const ex = await k.execute("import { tag } from './tag'; tag");
    assert.equal(ex.reply.content.status, "ok", String(ex.reply.content.evalue));
    assert.equal(resultText(ex), "{ type: 'em', props: { children: 'kept' } }");
  });
});

describe("session semantics (in-memory transport, real engine)", () => {
  const k = new MemoryKernel();
  before(() => k.start());
  after(() => k.close());

  for (const [name, steps] of Object.entries(SEQUENCES)) {
    test(name, async () => {
      for (const step of steps) checkStep(step, await k.execute(step[0]));
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

  test("a _N the user declared becomes cell N's result, value and type, as in IPython", async () => {
    const n = ((await k.execute("0")).reply.content.execution_count as number) + 2;
    await k.execute(`let _${n} = 'mine'`);
    assert.equal(resultText(await k.execute("42")), "42");
    const typed = await k.execute(`const mine: string = _${n}`);
    assert.match(typed.reply.content.evalue as string, /Type 'number' is not assignable to type 'string'/);
    assert.equal(resultText(await k.execute(`_${n} + 1`)), "43");
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
    const ex = await k.execute("const ue = 20", { user_expressions: { twice: "ue * 2", bad: "nope()", literal: "{ ue }" } });
    const ue = ex.reply.content.user_expressions as Record<string, Record<string, unknown>>;
    assert.equal(ue.twice.status, "ok");
    assert.deepEqual(ue.twice.data, { "text/plain": "40" });
    assert.equal(ue.bad.status, "error");
    assert.equal(ue.bad.ename, "TypeCheckError");
    assert.deepEqual(ue.literal.data, { "text/plain": "{ ue: 20 }" });
  });

  test("user_expressions that are statements are refused and change nothing", async () => {
    const ex = await k.execute("1", { user_expressions: { declares: "let fromQuery = 1", two: "fromQuery = 2; 3" } });
    const ue = ex.reply.content.user_expressions as Record<string, Record<string, unknown>>;
    for (const key of ["declares", "two"]) {
      assert.equal(ue[key].status, "error", key);
      assert.equal(ue[key].ename, "SyntaxError", key);
      assert.match(ue[key].evalue as string, /must be one expression.*so it was not run/, key);
    }
    const after = await k.execute("typeof fromQuery");
    assert.match(after.reply.content.evalue as string, /Cannot find name 'fromQuery'/);
  });

  test("name? shows the inspection as a page payload", async () => {
    await k.execute("function documented(a: number) { return a }");
    const ex = await k.execute("documented?");
    const payload = ex.reply.content.payload as { source: string; data: Record<string, string> }[];
    assert.equal(payload[0].source, "page");
    assert.match(payload[0].data["text/plain"], /Signature: +function documented\(a: number\): number/);
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

  test("a logged promise shows its state, not the async hooks' bookkeeping", async () => {
    const ex = await k.execute("console.log(Promise.resolve(1)); console.warn([new Promise(() => {})]);");
    const streams = ex.iopub.filter((m) => m.header.msg_type === "stream").map((m) => m.content.text);
    assert.deepEqual(streams, ["Promise { 1 }\n", "[ Promise { <pending> } ]\n"]);
  });

  test("an error logged, or inside a shown value, names the cell's lines, not the kernel's files", async () => {
    const logged = await k.execute("function failing() {\n  return new Error('made here');\n}\nconsole.error(failing());");
    const label = `Cell In[${logged.reply.content.execution_count as number}]`;
    const frames = streamText(logged, "stderr").split("\n");
    assert.deepEqual(frames.slice(0, 2), ["Error: made here", `    at failing (${label}, line 2, column 10)`]);
    assert.match(frames[2], new RegExp(`^    at ${label.replace(/[[\]]/g, "\\$&")}, line 4, column \\d+$`));
    const shown = await k.execute("Promise.reject(new RangeError('later'))");
    assert.match(resultText(shown) ?? "", /^Promise \{\n  <rejected> RangeError: later\n      at Cell In\[\d+\], line 1, column 16\n\}$/);
    const many = await k.execute("console.log(new AggregateError([new TypeError('first')], 'both'))");
    assert.match(streamText(many), /^AggregateError: both\n.*\n\{\n  errors: \[\n    TypeError: first\n/);
    assert.doesNotMatch(JSON.stringify([logged, shown, many].map((ex) => ex.iopub.map((m) => m.content))), /tskernel:cell|runner\.js/);
    const cyclic = await k.execute("const selfish: any = new Error('loops'); selfish.self = selfish; console.log(selfish)");
    assert.match(streamText(cyclic), /\n\{ self: \[Circular Error: loops\] \}\n$/, "an error that holds itself is shown once");
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
