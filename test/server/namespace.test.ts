// The magic registry and the namespace magics, as a notebook user runs them (in-memory transport, real engine).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { MemoryKernel, resultText, streamText, type Exchange } from "../support/memory-kernel.js";

function ok(ex: Exchange, code: string): Exchange {
  assert.equal(ex.reply.content.status, "ok", `${code}: ${ex.reply.content.evalue ?? ""}`);
  return ex;
}

describe("magics (in-memory transport, real engine)", () => {
  const k = new MemoryKernel();
  const run = async (code: string) => ok(await k.execute(code), code);
  const stdout = async (code: string) => streamText(await run(code));
  const usageError = async (code: string, evalue: RegExp) => {
    const ex = await k.execute(code);
    assert.equal(ex.reply.content.status, "error", `${code} should fail`);
    assert.equal(ex.reply.content.ename, "UsageError", code);
    assert.match(ex.reply.content.evalue as string, evalue, code);
  };
  before(() => k.start());
  after(() => k.close());

  test("%lsmagic lists every magic, and each answers -h with its usage", async () => {
    const list = await stdout("%lsmagic");
    const names = [...list.matchAll(/^ {2}(%\w+)/gm)].map((m) => m[1]);
    for (const expected of ["%who", "%who_ls", "%whos", "%reset", "%reset_selective", "%xdel", "%scope", "%closure", "%typecheck", "%lsmagic"]) {
      assert.ok(names.includes(expected), `%lsmagic lists ${expected}`);
    }
    for (const name of names) assert.match(await stdout(`${name} -h`), new RegExp(`^${name}: .*\\nUsage: ${name}\\b`), `${name} -h`);
  });

  test("an unknown magic or option is a usage error that says what to do", async () => {
    await usageError("%whoo", /unknown magic %whoo; did you mean %who\?/);
    await usageError("%reset -x", /%reset: Unknown option '-x'[\s\S]*Usage: %reset \[-f\]/);
    await usageError("%who frobnicate", /"frobnicate" is not a kind of declaration; use one or more of let, const/);
    await usageError("%xdel", /%xdel takes one name/);
    await usageError("%reset_selective -f '('", /reset_selective: Invalid regular expression/);
    await usageError("%scope 'a", /unterminated ' quote/);
  });

  test("several line magics in one cell run in order", async () => {
    assert.equal(await stdout("%typecheck warn\n%typecheck on"), "Type checking: warn\nType checking: on\n");
  });

  test("%who, %who_ls and %whos list declarations of every kind, with kinds, types and values", async () => {
    await run("%reset -f");
    await run(
      "let count = 3; const label = 'x'.repeat(200); var legacy = true;\n" +
        "function area(r: number) { return Math.PI * r * r }\nclass Shape {}\nenum Dir { Up, Down }\n" +
        "namespace Geo { export const unit = 1 }\ninterface Point { x: number; y: number }\ntype Pair = [number, number];\n" +
        "import { basename } from 'node:path';",
    );
    assert.equal(await stdout("%who"), "Dir\tGeo\tPair\tPoint\tShape\tarea\tbasename\tcount\tlabel\tlegacy\n");
    assert.equal(await stdout("%who function class"), "Shape\tarea\n");
    assert.equal(resultText(await run("%who_ls let const")), "[ 'count', 'label' ]");
    assert.equal(resultText(await run("_.length")), "2", "%who_ls's value is the cell's result");
    const typed = await k.execute("const notAList: number = __");
    assert.match(typed.reply.content.evalue as string, /Type 'string\[\]' is not assignable to type 'number'/, "typed as string[]");
    const table = await stdout("%whos");
    assert.match(table, /^Name\s+Kind\s+Type\s+Value\n-+/);
    assert.match(table, /\ncount\s+let\s+number\s+3\n/);
    assert.match(table, /\narea\s+function\s+\(r: number\) => number\s+\[Function: area\]\n/);
    assert.match(table, /\nPoint\s+interface\s+interface Point \{ x: number; y: number; \}\s*\n/);
    assert.match(table, /\nbasename\s+import\s+\(path: string, suffix\?: string\) => string\s+\[Function: basename\]\n/);
    const labelRow = table.split("\n").find((l) => l.startsWith("label"))!;
    assert.match(labelRow, /'x{15,}…x{15,}'$/, "a long value is elided in the middle");
    assert.ok(labelRow.length < 120, "a row stays short");
    await run("const counts = Array.from({ length: 1000 }, (_, i) => i); const story = 'a'.repeat(300) + ' THE END';");
    const rows = (await stdout("%whos")).split("\n");
    assert.match(rows.find((l) => l.startsWith("counts"))!, /\[ 0, 1, 2, .*more items \]$/, "a long array's row is one line");
    assert.ok(rows.every((l) => l === "" || /^[\w-]+\s/.test(l)), "no value spills onto a line of its own");
    assert.match(rows.find((l) => l.startsWith("story"))!, /'a+…a* THE END'$/, "a long string keeps its end");
  });

  test("%whos lists every name when a value cannot be shown: its row says why", async () => {
    await run("const plain = 1;\nconst unshowable = { [Symbol.for('nodejs.util.inspect.custom')]() { throw new Error('no text for you') } };");
    const table = await stdout("%whos");
    assert.match(table, /\nplain\s+const\s+1\s+1\n/);
    assert.match(table, /\nunshowable\s+const\s+.*\[could not be shown: no text for you\]\n/);
  });

  test("a name declared twice to merge (class and interface, function and namespace) is listed as its value", async () => {
    await run("class Labelled { x = 1 }\ninterface Labelled { label?: string }\nfunction counter() { return counter.step }\nnamespace counter { export const step = 2; export type Step = number }\ninterface Twice { a: number }\ninterface Twice { b: string }");
    const rows = (await stdout("%whos")).split("\n");
    assert.match(rows.find((l) => l.startsWith("Labelled "))!, /^Labelled\s+class\s+typeof Labelled\s+\[class Labelled\]$/);
    assert.match(rows.find((l) => l.startsWith("counter "))!, /^counter\s+function\s+.*\[Function: counter\]/);
    assert.match(rows.find((l) => l.startsWith("Twice "))!, /interface Twice \{ a: number; \}.*interface Twice \{ b: string; \}|interface Twice \{ a: n.*….*b: string; \}/);
    assert.match(await stdout("%scope Labelled"), /class declared in cell \d+/);
    assert.equal(resultText(await run("const tagged: Labelled = new Labelled(); tagged.label = 'l'; const step: counter.Step = counter(); [tagged.label, step]")), "[ 'l', 2 ]");
  });

  test("a line magic after code sees what the code declared; a magic's value ends the cell as its result", async () => {
    await run("%reset -f");
    assert.equal(resultText(await run("let onlyThis = 1;\n%who_ls")), "[ 'onlyThis' ]");
    assert.equal(await stdout("%who\nlet andThat = 2;\n%who"), "onlyThis\nandThat\tonlyThis\n");
  });

  test("a type error after a magic that leaves the session alone stops the whole cell before any of it runs", async () => {
    const failed = await k.execute("let beforeMagic = 1;\n%who\nconst afterMagic: string = beforeMagic;");
    assert.equal(failed.reply.content.ename, "TypeCheckError");
    assert.match(failed.reply.content.evalue as string, /line 3, column 7, TS2322/);
    assert.equal(streamText(failed), "", "%who did not run");
    const after = await k.execute("typeof beforeMagic");
    assert.match(after.reply.content.evalue as string, /Cannot find name 'beforeMagic'/, "the code before the magic did not run");
    assert.equal(resultText(await run("let again = 1;\n%who_ls\nlet again = 'declared again'; again")), "'declared again'");
  });

  test("%xdel deletes a name for values and types, and brings back the builtin it shadowed", async () => {
    await run("const JSON = 'mine'");
    assert.equal(resultText(await run("JSON")), "'mine'");
    assert.match(await stdout("%xdel JSON"), /builtin JSON is visible again/);
    assert.equal(resultText(await run("JSON.stringify({ a: 1 })")), `'{"a":1}'`);
    await run("let gone = [1, 2]; function readGone() { return typeof gone }");
    await run("gone");
    await run("%xdel gone");
    assert.equal((await k.execute("gone")).reply.content.ename, "TypeCheckError", "the checker forgot it");
    assert.equal(resultText(await run("readGone()")), "'undefined'", "old closures see it gone");
    await usageError("%xdel gone", /gone is not a session name; %who lists them/);
  });

  test("after %xdel, a function that writes the name fails as one that reads it does; a shadowed global is written instead", async () => {
    await run("let tally = 0; function addTally(): number { return ++tally; }\naddTally()");
    await run("%xdel tally");
    const written = await k.execute("addTally()");
    assert.equal(written.reply.content.ename, "ReferenceError");
    assert.equal(written.reply.content.evalue, "tally is not defined");
    assert.equal((await k.execute("tally")).reply.content.ename, "TypeCheckError", "the write did not bring it back");
    await run("(globalThis as Record<string, unknown>).sharedFlag = 'global'");
    await run("let sharedFlag = 'mine'; function setShared(): void { sharedFlag = 'set'; }");
    await run("%xdel sharedFlag");
    await run("setShared()");
    assert.equal(resultText(await run("(globalThis as Record<string, unknown>).sharedFlag")), "'set'");
  });

  test("%reset asks for -f; %reset -f deletes every user name; out and in empty the histories", async () => {
    await run("let keep1 = 1; const keep2 = 2");
    assert.match(await stdout("%reset"), /This deletes \d+ session names and empties Out\. .* run: %reset -f/);
    assert.equal(resultText(await run("keep1 + keep2")), "3", "without -f nothing is deleted");
    assert.match(await stdout("%reset -f"), /Deleted \d+ session names/);
    assert.equal(await stdout("%who"), "Interactive namespace is empty.\n");
    assert.equal((await k.execute("keep1")).reply.content.ename, "TypeCheckError");
    const n = (await run("'a result'")).reply.content.execution_count as number;
    assert.match(await stdout("%reset -f out"), /Flushing output cache \(1 entries\)/);
    assert.equal(resultText(await run("Object.keys(Out).length")), "0");
    assert.equal((await k.execute(`_${n}`)).reply.content.ename, "TypeCheckError", `_${n} is gone`);
    await run("%reset -f in");
    assert.equal(resultText(await run("In.filter(Boolean).length")), "1", "only the running cell's source is in In");
  });

  test("%reset_selective deletes the names a regular expression matches", async () => {
    await run("let tmpA = 1; let tmpB = 2; let kept = 3");
    assert.match(await stdout("%reset_selective ^tmp"), /This deletes tmpA, tmpB\./);
    assert.equal(await stdout("%reset_selective -f ^tmp"), "Deleted tmpA, tmpB.\n");
    assert.equal(resultText(await run("%who_ls")), "[ 'kept' ]");
    assert.match(await stdout("%reset_selective -f ^nothing$"), /No session name matches/);
  });

  test("declare global and a namespace's own variables are not session names", async () => {
    await run("%reset -f");
    await run("declare global { var fromAugmentation: number }\nnamespace Holder { var insideOnly = 1; export const shown = insideOnly }");
    assert.equal(resultText(await run("%who_ls")), "[ 'Holder' ]");
    assert.match(await stdout("%scope global"), /^global: builtin: a property of globalThis/);
  });

  test("%scope says where a name resolves from, with its kind and type", async () => {
    const cell = (await run("let where = 1")).reply.content.execution_count;
    assert.equal(await stdout("%scope where"), `where: session global: let declared in cell ${cell}\n  type: number\n`);
    const importCell = (await run("import { sep } from 'node:path';")).reply.content.execution_count;
    assert.match(await stdout("%scope sep"), new RegExp(`^sep: imported from "node:path" in cell ${importCell}\\n  type: .*"/"`));
    assert.match(await stdout("%scope Math"), /^Math: builtin: a property of globalThis\n {2}type: Math\n$/);
    await run("const Buffer = 'not a buffer'");
    assert.match(await stdout("%scope Buffer"), /session global: const declared in cell \d+\n {2}shadows the builtin Buffer/);
    await run("%xdel Buffer");
    assert.match(await stdout("%scope Out"), /Out: history: every cell's result/);
    assert.equal(await stdout("%scope nowhere"), "nowhere: unbound (no session global, history name or builtin has this name)\n");
    await run("interface Shape2 { sides: number }");
    assert.match(await stdout("%scope Shape2"), /session global: interface declared in cell \d+\n {2}type: interface Shape2 \{ sides: number; \}/);
    await run("declare const fromElsewhere: string;");
    assert.match(await stdout("%scope fromElsewhere"), /^fromElsewhere: session global: declared \(declare, no value of its own\) in cell \d+\n {2}type: string\n$/);
  });

  test("%closure lists captured variables with their current values", async () => {
    await run("let step = 2;\nfunction makeCounter() { let count = 0; const unused = 'u'; const other = () => unused; return () => (count += step) }");
    await run("const counter = makeCounter(); counter(); counter();");
    const cell = (await run("step = 5")).reply.content.execution_count as number;
    const out = await stdout("%closure counter");
    assert.match(out, /^counter captures 2 variables:\n/);
    assert.match(out, /\n {2}count = 4 {3}\(from makeCounter\)/);
    assert.match(out, new RegExp(`\\n {2}step {2}= 5 {3}\\(session global, cell ${cell - 2}\\)`));
    assert.doesNotMatch(out, /unused|other/, "only the variables the function itself uses");
    assert.match(await stdout("%closure Math.max"), /captures no variables/);
    await usageError("%closure step", /step is 5, not a function/);
    // A large value is named in one short line, as %whos shows it.
    await run("const settings = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`key${i}`, i]));");
    await usageError("%closure settings", /^%closure: settings is \{ key0: 0, .{1,50}….{1,40} \}, not a function$/);
    await usageError("%closure missing", /missing is not defined/);
  });
});

describe("%time and %timeit (in-memory transport, real engine)", () => {
  const k = new MemoryKernel();
  before(() => k.start());
  after(() => k.close());

  test("%time and %%time run the code once, print wall and CPU time, and return its value", async () => {
    const line = await k.execute("%time let timed = [1, 2, 3].map((x) => x * 2); timed");
    assert.equal(resultText(line), "[ 2, 4, 6 ]");
    assert.match(streamText(line), /^CPU times: user [\d.]+ (s|ms|µs|ns), sys: [\d.]+ (s|ms|µs|ns), total: [\d.]+ (s|ms|µs|ns)\nWall time: [\d.]+ (s|ms|µs|ns)\n(Compiler : [\d.]+ (s|ms)\n)?$/);
    assert.equal(resultText(await k.execute("timed.length")), "3", "declarations join the session");
    const cell = await k.execute("%%time\nconsole.log('inside');\nconst fromCell = 5;\nfromCell * 2");
    assert.equal(resultText(cell), "10");
    assert.match(streamText(cell), /^inside\nCPU times: /);
    const typed = await k.execute("const notNumbers: string = _");
    assert.match(typed.reply.content.evalue as string, /Type 'number' is not assignable to type 'string'/, "the value keeps its type in the history");
  });

  test("errors in timed code point at the cell's own lines and columns", async () => {
    const line = await k.execute("%time nope()");
    assert.equal(line.reply.content.ename, "TypeCheckError");
    assert.match(line.reply.content.evalue as string, /Cannot find name 'nope'.*line 1, column 7/);
    const cell = await k.execute("%%timeit\n\nconst bad: string = 1;");
    assert.match(cell.reply.content.evalue as string, /line 3, column 7, TS2322/);
    const thrown = await k.execute("%%time\nthrow new RangeError('inside a timed cell')");
    assert.equal(thrown.reply.content.ename, "RangeError");
    assert.match((thrown.reply.content.traceback as string[]).join("\n"), /Cell In\[\d+\], line 2/);
  });

  test("%timeit reports mean ± std. dev. per loop; -n, -r, -q and -o", async () => {
    assert.match(streamText(await k.execute("%timeit Math.sqrt(2)")), /^[\d.]+ (s|ms|µs|ns) ± [\d.]+ (s|ms|µs|ns) per loop \(mean ± std\. dev\. of 7 runs, \d+ loops each\)\n$/m);
    assert.match(streamText(await k.execute("%timeit -n 20 -r 3 [3, 1, 2].sort()")), /per loop \(mean ± std\. dev\. of 3 runs, 20 loops each\)\n$/);
    const returned = await k.execute("%timeit -q -o -n 5 -r 2 await Promise.resolve(1)");
    assert.equal(streamText(returned), "", "-q prints nothing");
    assert.match(resultText(returned) ?? "", /^<TimeitResult : .* per loop \(mean ± std\. dev\. of 2 runs, 5 loops each\)>$/);
    assert.equal(resultText(await k.execute("[_.loops, _.repeat, _.allRuns.length, _.best <= _.worst]")), "[ 5, 2, 2, true ]");
    assert.match(streamText(await k.execute("%%timeit -n 10 -r 1 const base = 21;\nbase * 2")), /per loop \(mean of 1 run, 10 loops each\)/);
  });

  test("%timeit's bad arguments are usage errors; a timed busy loop can be interrupted", async () => {
    const bad = await k.execute("%timeit -n zero 1");
    assert.equal(bad.reply.content.ename, "UsageError");
    assert.match(bad.reply.content.evalue as string, /-n takes a whole number of at least 1, not "zero"/);
    assert.equal((await k.execute("%time")).reply.content.ename, "UsageError");
    const running = k.execute("%timeit while (true) {}");
    await new Promise((r) => setTimeout(r, 300));
    await k.call("control", "interrupt_request", {});
    assert.equal((await running).reply.content.ename, "KeyboardInterrupt");
    assert.equal(resultText(await k.execute("1 + 1")), "2");
  });

  test("an interrupt between %timeit runs stops it without restarting the session", async () => {
    await k.execute("const keptAcrossTimeit = 'kept'");
    const running = k.execute("%timeit -n 1 -r 1000 { const end = Date.now() + 50; while (Date.now() < end); }");
    await new Promise((r) => setTimeout(r, 400));
    await k.call("control", "interrupt_request", {});
    assert.equal((await running).reply.content.ename, "KeyboardInterrupt");
    assert.equal(resultText(await k.execute("keptAcrossTimeit")), "'kept'");
  });
});
