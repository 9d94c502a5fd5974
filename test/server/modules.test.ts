// The import system through the real engine: local modules compiled and type-checked by the kernel,
// packages, the registry (%modules), %reload, %autoreload, %%writefile, %run and circular imports.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryKernel, resultText, silentLogger, streamText, type Exchange } from "../support/memory-kernel.js";
import { WorkerEngine } from "../../src/engine/worker-engine.js";

const dir = mkdtempSync(join(tmpdir(), "tsk-modules-"));
const write = (path: string, text: string) => {
  mkdirSync(join(dir, path, ".."), { recursive: true });
  writeFileSync(join(dir, path), text);
};

function ok(ex: Exchange): Exchange {
  assert.equal(ex.reply.content.status, "ok", `${String(ex.reply.content.ename)}: ${String(ex.reply.content.evalue)}`);
  return ex;
}

describe("the import system (in-memory transport, real engine)", () => {
  write("shapes/index.ts", "export * from './circle';\nexport { square as sq } from './square.ts';\n");
  write("shapes/circle.ts", "import { PI } from '../constants';\nexport const circle = (r: number): number => PI * r * r;\n");
  write("shapes/square.ts", "export function square(s: number): number { return s * s; }\n");
  write("constants.ts", "export const PI = 3;\nconsole.log('constants ran');\n");
  write("config.json", '{ "name": "demo" }\n');
  write("legacy.cjs", "module.exports = { isMain: require.main === module, twice: (n) => n * 2 };\n");
  write("esm.mjs", "export const meta = import.meta.main;\n");
  write("bad.ts", "export const n: number = 'text';\n");
  write("node_modules/cjs-pkg/package.json", '{ "name": "cjs-pkg", "main": "index.js" }');
  write("node_modules/cjs-pkg/index.js", "module.exports = function hello(n) { return 'hello ' + n; };\n");
  write("node_modules/esm-only/package.json", '{ "name": "esm-only", "type": "module", "exports": { "import": "./index.js" } }');
  write("node_modules/esm-only/index.js", "export const answer = 42;\nexport default 'esm default';\n");
  write("node_modules/tla-pkg/package.json", '{ "name": "tla-pkg", "type": "module", "exports": "./index.js" }');
  write("node_modules/tla-pkg/index.js", "export const ready = await Promise.resolve('awaited');\n");
  write("uses-packages.ts", "// @ts-nocheck\nimport hello from 'cjs-pkg';\nimport only, { answer } from 'esm-only';\nexport const all = [hello('x'), only, answer];\n");
  const k = new MemoryKernel(new WorkerEngine(silentLogger(), dir));
  before(() => k.start());
  after(() => k.close());
  const run = async (code: string) => ok(await k.execute(code));
  /** Runs a cell; one still running after `ms` is interrupted, so that a hang fails its own test and not the ones after it. */
  const runOrInterrupt = async (code: string, ms = 10_000): Promise<Exchange> => {
    const settled = k.settle(k.request("shell", "execute_request", { code }));
    let timer: NodeJS.Timeout | undefined;
    const hung = await Promise.race([settled.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(r, ms, true)))]);
    clearTimeout(timer);
    if (hung) await k.call("control", "interrupt_request", {});
    return settled;
  };

  test("local TypeScript modules: directories, re-exports, relative imports, types, run once", async () => {
    const first = await run("import { circle, sq } from './shapes'; import * as c from './constants';\n[circle(2), sq(3), c.PI]");
    assert.equal(resultText(first), "[ 12, 9, 3 ]");
    assert.equal(streamText(first), "constants ran\n");
    const again = await run("import { PI } from './constants.ts'; PI");
    assert.equal(streamText(again), "", "a module's top-level code runs once per session");
    const typed = await k.execute("const s: string = circle(1)");
    assert.equal(typed.reply.content.ename, "TypeCheckError");
    assert.match(typed.reply.content.evalue as string, /Type 'number' is not assignable to type 'string'/);
  });

  test("a cell's value typed by a module's interface keeps that type in _ and Out", async () => {
    write("squares.ts", "export interface Square { side: number }\nexport function square(side: number): Square { return { side }; }\n");
    await run("import { square } from './squares';");
    const made = await run("square(2)");
    assert.equal(resultText(made), "{ side: 2 }");
    const count = made.reply.content.execution_count as number;
    for (const name of ["_", `Out[${count}]`]) {
      const misuse = await k.execute(`const side: string = ${name}`);
      assert.match(misuse.reply.content.evalue as string, /Type 'Square' is not assignable to type 'string'/, name);
    }
  });

  test("a local directory with a package.json runs the file its \"main\" names, as the checker types it", async () => {
    write("local-lib/package.json", '{ "name": "local-lib", "main": "build/entry.js" }');
    write("local-lib/build/entry.ts", "export const entry: string = 'the main file';\n");
    write("local-lib/index.ts", "export const entry: number = 0;\n");
    assert.equal(resultText(await run("import { entry } from './local-lib'; entry.toUpperCase()")), "'THE MAIN FILE'");
  });

  test("a type error inside a module names its file, line and column", async () => {
    const ex = await k.execute("import { n } from './bad'");
    assert.equal(ex.reply.content.ename, "TypeCheckError");
    assert.match(ex.reply.content.evalue as string, /bad\.ts, line 1, column 14, TS2322/);
  });

  test("JSON, CommonJS, .mjs, packages (CommonJS, ESM-only, top-level await), require and import()", async () => {
    assert.equal(resultText(await run("import config from './config.json'; config.name")), "'demo'");
    write("with-attributes.ts", "import config from './config.json' with { type: 'json' };\nexport const named: string = config.name;\n");
    assert.equal(resultText(await run("import { named } from './with-attributes'; named")), "'demo'", "import attributes in a module");
    write("unicode-sets.ts", "export const accented = /[\\p{L}--[a-z]]/v;\n");
    assert.equal(resultText(await run("import { accented } from './unicode-sets'; accented.test('é')")), "true", "the RegExp v flag in a module");
    assert.equal(resultText(await run("import legacy = require('./legacy.cjs'); [legacy.isMain, legacy.twice(4)]")), "[ false, 8 ]");
    assert.equal(resultText(await run("const { meta } = await import('./esm.mjs'); meta")), "false");
    assert.equal(resultText(await run("const { all } = await import('./uses-packages'); all")), "[ 'hello x', 'esm default', 42 ]");
    assert.equal(resultText(await run("// @ts-ignore\nconst tla = await import('tla-pkg'); tla.ready")), "'awaited'");
    assert.equal(resultText(await run("require('./shapes').sq(5)")), "25");
  });

  test("require.resolve in a cell finds what require loads: a local TypeScript file, a package, a builtin", async () => {
    write("resolved/helper.ts", "export const h = 1;\n");
    assert.equal(resultText(await run("require('./resolved/helper').h")), "1");
    assert.equal(resultText(await run("require.resolve('./resolved/helper')")), `'${join(dir, "resolved/helper.ts")}'`);
    assert.equal(resultText(await run("require.resolve('cjs-pkg')")), `'${join(dir, "node_modules/cjs-pkg/index.js")}'`);
    assert.equal(resultText(await run("require.resolve('fs')")), "'fs'");
    assert.equal(resultText(await run("require.resolve.paths('./resolved/helper')")), `[ '${dir}' ]`);
  });

  test("a runtime error inside a local module names its TypeScript file, line and column", async () => {
    write("thrower.ts", "export interface Options { strict: boolean }\n\nexport function check(n: number, options: Options): number {\n  if (options.strict && n < 0) throw new RangeError(`negative: ${n}`);\n  return n;\n}\n");
    const ex = await k.execute("import { check } from './thrower';\ncheck(-1, { strict: true })");
    assert.equal(ex.reply.content.ename, "RangeError");
    const traceback = (ex.reply.content.traceback as string[]).join("\n");
    assert.match(traceback, /at check \(.*thrower\.ts, line 4, column 38\)/);
    assert.match(traceback, /at Cell In\[\d+\], line 2, column \d+/);
    assert.match(traceback, /thrower\.ts, line 4:\n(.*\n)*---->\s+4 \|\s+if \(options\.strict/);
    await run("const oldCheck = check;");
    write("thrower.ts", "// moved down\n// two lines\n" + "export interface Options { strict: boolean }\n\nexport function check(n: number, options: Options): number {\n  if (options.strict && n < 0) throw new RangeError(`negative: ${n}`);\n  return n;\n}\n");
    await run("%reload ./thrower");
    const rebound = (await k.execute("check(-1, { strict: true })")).reply.content.traceback as string[];
    assert.match(rebound.join("\n"), /at check \(.*thrower\.ts, line 6, column 38\)/);
    const old = (await k.execute("oldCheck(-1, { strict: true })")).reply.content.traceback as string[];
    assert.match(old.join("\n"), /at check \(.*thrower\.ts, line 4, column 38\)/, "the old version's frames keep their own positions");
    write("fails-on-load.ts", "const ready = true;\nexport const value: number = JSON.parse('{');\n");
    const onLoad = await k.execute("import { value } from './fails-on-load'");
    assert.equal(onLoad.reply.content.ename, "SyntaxError");
    assert.match((onLoad.reply.content.traceback as string[]).join("\n"), /fails-on-load\.ts, line 2, column 35/);
    write("outer.ts", "import { inner } from './inner';\nexport const outer = inner;\n");
    write("inner.ts", "import { value } from './fails-on-load';\nexport const inner = value;\n");
    const chain = (await k.execute("import { outer } from './outer'")).reply.content.traceback as string[];
    assert.match(chain.join("\n"), /fails-on-load\.ts, line 2, column 35\)?\n    imported by .*inner\.ts\n    imported by .*outer\.ts\n/, "the imports that led to the failing module");
  });

  test("a const enum a module exports has its values in a cell, and the new ones after a reload", async () => {
    write("levels.ts", "export const enum Level { Low = 1, High = 2 }\nexport const high = (): Level => Level.High;\n");
    assert.equal(resultText(await run("import { Level, high } from './levels';\n[Level.High, high()]")), "[ 2, 2 ]");
    write("levels.ts", "export const enum Level { Low = 1, High = 20 }\nexport const high = (): Level => Level.High;\n");
    await run("%reload ./levels");
    assert.equal(resultText(await run("[Level.High, high()]")), "[ 20, 20 ]");
  });

  test("a module version's first error after a reload is placed in the text that version ran", async () => {
    const body = "export function risky(n: number): number {\n  if (n > 9) throw new RangeError(`too big: ${n}`);\n  return n;\n}\n";
    write("risky.ts", body);
    await run("import { risky } from './risky';\nconst riskyBefore = risky;");
    write("risky.ts", "// three lines\n// added\n// above\n" + body);
    await run("%reload ./risky");
    const old = (await k.execute("riskyBefore(10)")).reply.content.traceback as string[];
    assert.match(old.join("\n"), /at risky \(.*risky\.ts, line 2, column 20\)/);
    const now = (await k.execute("risky(10)")).reply.content.traceback as string[];
    assert.match(now.join("\n"), /at risky \(.*risky\.ts, line 5, column 20\)/);
  });

  test("a frame in a module whose emit has changed since it ran is never placed on a wrong line", async () => {
    write("kinds.ts", "export const Kind = 1;\n");
    write("passes-on.ts", "import { Kind } from './kinds';\nexport { Kind };\nexport function fail(): never {\n  throw new Error('failed');\n}\n");
    await run("import { fail } from './passes-on';");
    // Kind becomes a type: the module's emit now leaves out its re-export, so the code that ran is not that emit's.
    write("kinds.ts", "export type Kind = number;\n");
    const traceback = ((await k.execute("fail()")).reply.content.traceback as string[]).join("\n");
    assert.match(traceback, /at fail \(.*passes-on\.ts(, line 4, column 9|:\d+:\d+)\)/);
    assert.doesNotMatch(traceback, /passes-on\.ts, line (?!4,)\d+/);
    // As it was, so that no later test's autoreload finds it changed.
    write("kinds.ts", "export const Kind = 1;\n");
  });

  test("a module nested too deeply for the compiler is named in a SyntaxError", async () => {
    write("too-deep.ts", `export const deep = ${"(".repeat(20_000)}1${")".repeat(20_000)};\n`);
    const r = await k.execute("const deepModule = require('./too-deep');");
    assert.equal(r.reply.content.ename, "SyntaxError");
    assert.match(r.reply.content.evalue as string, /too-deep\.ts is nested too deeply for the TypeScript compiler/);
  });

  test("an untyped package is declared by a cell with declare module; its error says so", async () => {
    write("node_modules/untyped-pkg/package.json", '{ "name": "untyped-pkg", "main": "index.js" }');
    write("node_modules/untyped-pkg/index.js", "exports.greet = (n) => 'hi ' + n;\n");
    const refused = await k.execute("import { greet } from 'untyped-pkg'; greet('a')");
    assert.equal(refused.reply.content.ename, "TypeCheckError");
    assert.match(refused.reply.content.evalue as string, /TS7016/);
    assert.match(refused.reply.content.evalue as string, /run `declare module "untyped-pkg";` and later cells import it typed `any`/);
    await run('declare module "untyped-pkg";');
    assert.equal(resultText(await run("import { greet } from 'untyped-pkg'; greet('b')")), "'hi b'");
    assert.equal(resultText(await run("import * as untyped from 'untyped-pkg'; untyped.greet('c')")), "'hi c'");
  });

  test("a cell's augmentation of a local module's types holds in every later cell", async () => {
    write("options.ts", "export interface Options { size: number }\nexport const describeOptions = (o: Options) => JSON.stringify(o);\n");
    await run("import { type Options, describeOptions } from './options';");
    const same = await run("declare module './options' { interface Options { label?: string } }\ndescribeOptions({ size: 1, label: 'a' })");
    assert.equal(resultText(same), `'{"size":1,"label":"a"}'`);
    assert.equal(resultText(await run("const later: Options = { size: 2, label: 'b' }; later.label")), "'b'");
    const unknown = await k.execute("const wrong: Options = { size: 3, colour: 'red' }");
    assert.match(unknown.reply.content.evalue as string, /'colour' does not exist in type 'Options'/);
    await run("interface Unit { name: string }");
    await run("import { readFileSync } from 'node:fs';\ndeclare module './options' { interface Options { unit?: Unit; read?: typeof readFileSync } }");
    assert.equal(resultText(await run("const withUnit: Options = { size: 4, unit: { name: 'cm' } }; withUnit.unit?.name")), "'cm'");
  });

  test("a missing module lists where the kernel looked; %modules lists the registry and the resolution path", async () => {
    const missing = await k.execute("require('./nowhere')");
    assert.equal(missing.reply.content.ename, "ModuleNotFoundError");
    assert.match(missing.reply.content.evalue as string, /Looked in:\n.*nowhere\.ts/);
    const listing = streamText(await run("%modules"));
    assert.match(listing, /^specifier +kind +path +loaded +load ms +compiled +changed$/m);
    assert.match(listing, /^\.\.\/constants, \.\/constants, \.\/constants\.ts +local ts +\.\/constants\.ts +\d\d:\d\d:\d\d +[\d.]+ +now +no$/m);
    assert.match(listing, /^\.\/config\.json +local json .* - +no$/m);
    assert.match(listing, /^cjs-pkg +package +\.\/node_modules\/cjs-pkg\/index\.js/m);
    assert.match(streamText(await run("%modules --path")), new RegExp(`${dir}/node_modules\n`));
  });

  test("a checked cell's \"Cannot find module\" lists where the kernel looked, as the unchecked cell's error does", async () => {
    write("data.json", '{ "found": "only by its full name" }\n');
    write("imports-missing.ts", "import { gone } from './gone';\nexport const value = gone;\n");
    // The list and the advice after it, without the cell position a checked cell's error adds.
    const lookedIn = (evalue: string) => /Looked in:\n[\s\S]*?\n(Check|Install).*?\.(?= \(Cell In|$)/.exec(evalue)?.[0];
    const checked = new Map<string, string>();
    for (const specifier of ["./nowhere", "./data", "no-such-package", "@no-such/package/sub"]) {
      const ex = await k.execute(`import missing from '${specifier}'`);
      assert.equal(ex.reply.content.ename, "TypeCheckError", specifier);
      assert.match(ex.reply.content.evalue as string, new RegExp(`^Cannot find module '${specifier}' or its corresponding type declarations\\.\nLooked in:\n`));
      assert.match(ex.reply.content.evalue as string, /\(Cell In\[\d+\], line 1, column 21, TS2307\)$/);
      checked.set(specifier, lookedIn(ex.reply.content.evalue as string)!);
    }
    assert.match(checked.get("./nowhere")!, new RegExp(`^Looked in:\n  ${dir}/nowhere\\.ts\n`));
    assert.match(checked.get("no-such-package")!, new RegExp(`^Looked in:\n  ${dir}/node_modules/no-such-package\n[\\s\\S]*\nInstall no-such-package with npm in ${dir} or a directory above it\\.$`));
    assert.match(checked.get("@no-such/package/sub")!, /\nInstall @no-such\/package with npm in /);
    const inModule = await k.execute("import { value } from './imports-missing'");
    assert.match(inModule.reply.content.evalue as string, new RegExp(`imports-missing\\.ts, line 1, column 22[\\s\\S]*Looked in:\n  ${dir}/gone\\.ts\n`));
    await run("%typecheck off");
    for (const [specifier, list] of checked) {
      const ex = await k.execute(`import missing from '${specifier}'`);
      assert.equal(ex.reply.content.ename, "ModuleNotFoundError", `${specifier} is not found when it runs either`);
      assert.equal(lookedIn(ex.reply.content.evalue as string), list, `the same places for ${specifier}`);
    }
    await run("%typecheck on");
  });

  test("packages resolve from the importing file's directory upward, as %modules --path and \"Cannot find module\" say", async () => {
    const listed = streamText(await run("%modules --path")).split("\n");
    const searched = listed.slice(listed.findIndex((l) => l.startsWith("Packages")) + 1).filter((l) => l.startsWith("  ")).map((l) => l.trim());
    const upward: string[] = [];
    for (let d = dir; ; d = join(d, "..")) {
      upward.push(join(d, "node_modules"));
      if (d === "/") break;
    }
    assert.deepEqual(searched.slice(0, upward.length), upward, "node_modules from the notebook's directory up to the root, in order");
    await run("%typecheck off");
    const missing = await k.execute("require('no-such-package')");
    const looked = (missing.reply.content.evalue as string).split("\n").filter((l) => l.startsWith("  ")).map((l) => l.trim());
    assert.deepEqual(looked, searched.map((d) => `${d}/no-such-package`), "a missing package names each directory %modules --path lists");
    write("nested/node_modules/cjs-pkg/package.json", '{ "name": "cjs-pkg", "main": "index.js" }');
    write("nested/node_modules/cjs-pkg/index.js", "module.exports = () => 'the nested copy';\n");
    write("nested/uses-pkg.ts", "// @ts-nocheck\nimport hello from 'cjs-pkg';\nexport const which = hello('x');\n");
    assert.equal(resultText(await run("import { which } from './nested/uses-pkg'; [which, require('cjs-pkg')('x')]")), "[ 'the nested copy', 'hello x' ]");
    write("node_modules/exports-pkg/package.json", '{ "name": "exports-pkg", "exports": { ".": "./index.js" } }');
    write("node_modules/exports-pkg/index.js", "module.exports = 1;\n");
    const hidden = await k.execute("require('exports-pkg/internal')");
    assert.equal(hidden.reply.content.ename, "ModuleNotFoundError");
    assert.match(hidden.reply.content.evalue as string, new RegExp(`Looked in:\n  ${dir}/node_modules/exports-pkg/package\\.json\nPackage subpath './internal' is not defined by "exports".*: import a path its "exports" lists\\.$`));
    await run("%typecheck on");
  });

  test("%%writefile makes the folders a path needs; one it cannot make is an error, and the session goes on", async () => {
    assert.equal(streamText(await run("%%writefile made/deeper/part.ts\nexport const part = 'in a new folder';")), "Writing made/deeper/part.ts\n");
    assert.equal(resultText(await run("import { part } from './made/deeper/part'; part")), "'in a new folder'");
    // procfs refuses a new folder with ENOENT under one that exists: Node.js 20's recursive mkdirSync never returns there.
    const settled = await Promise.race([k.execute("%%writefile /proc/tskernel-none/x.ts\nexport {};"), new Promise<undefined>((r) => setTimeout(r, 20_000, undefined))]);
    assert.ok(settled, "the cell ended");
    assert.equal(settled.reply.content.status, "error");
    assert.match(settled.reply.content.evalue as string, /ENOENT: no such file or directory, mkdir '\/proc\/tskernel-none'/);
    assert.equal(resultText(await run("1 + 1")), "2");
    execFileSync("mkfifo", [join(dir, "a-pipe")]);
    assert.match((await k.execute("%%writefile a-pipe\nexport {};")).reply.content.evalue as string, /^%%writefile: a-pipe is not a file \(a device or a pipe\); give a file path$/);
  });

  test("%reload of a module that another re-exports with export *: names it gained reach that module's importers", async () => {
    write("star-inner.ts", "export const kept = 1;\n");
    write("star-outer.ts", "export * from './star-inner';\nexport const own = 'outer';\n");
    write("star-top.ts", "export * from './star-outer';\n");
    await run("import * as starOuter from './star-outer'; import * as starTop from './star-top';");
    write("star-inner.ts", "export const kept = 2;\nexport const gained = 'new';\nexport const own = 'inner';\n");
    await run("%reload ./star-inner");
    assert.equal(resultText(await run("[starOuter.kept, starOuter.gained, starTop.gained, starOuter.own]")), "[ 2, 'new', 'new', 'outer' ]");
    assert.equal(resultText(await run("import { gained } from './star-outer'; gained.toUpperCase()")), "'NEW'");
  });

  test("%%writefile, then %reload: namespaces and imported names see the new version; dependents too", async () => {
    assert.equal(streamText(await run("%%writefile counter.ts\nexport const step = 1;\nexport const next = (n: number) => n + step;")), "Writing counter.ts\n");
    assert.equal(streamText(await run("%%writefile -a counter.ts\nexport const version = 1;")), "Appending to counter.ts\n");
    assert.equal(streamText(await run("%%writefile -a appended-first.ts\nexport const first = 1;")), "Writing appended-first.ts\n", "a new file is written, as IPython says");
    write("uses-counter.ts", "import { next } from './counter';\nexport const twice = (n: number) => next(next(n));\n");
    await run("import { next, version } from './counter'; import * as counter from './counter'; import { twice } from './uses-counter';");
    assert.equal(resultText(await run("[next(0), version, twice(0)]")), "[ 1, 1, 2 ]");
    assert.equal(streamText(await run("%%writefile counter.ts\nexport const step = 10;\nexport const next = (n: number) => n + step;\nexport const version = 2;")), "Overwriting counter.ts\n");
    assert.match(streamText(await run("%reload ./counter")), /^Reloaded \.\/counter\.ts \(rebound: next, version\)\n$/);
    assert.equal(resultText(await run("[next(0), version, counter.version, twice(0)]")), "[ 10, 2, 2, 20 ]");
    write("counter.ts", "export const step: number = 'broken';\n");
    const failed = await k.execute("%reload ./counter");
    assert.equal(failed.reply.content.ename, "TypeCheckError");
    assert.match(failed.reply.content.evalue as string, /counter\.ts, line 1, column 14/);
    write("counter.ts", "throw new Error('fails at run time');\n");
    assert.match((await k.execute("%reload ./counter")).reply.content.evalue as string, /fails at run time/);
    assert.equal(resultText(await run("[next(0), counter.version]")), "[ 10, 2 ]", "a failed reload leaves the old module in effect");
  });

  test("importing a module whose file changed since it loaded says the cell gets the loaded version, once", async () => {
    write("edited.ts", "export const first = 1;\n");
    await run("import { first } from './edited';");
    write("edited.ts", "export const first = 1;\nexport const second = 2;\n");
    const stale = await run("import { second } from './edited'; second");
    assert.equal(resultText(stale), undefined, "the loaded version has no `second`");
    assert.match(streamText(stale, "stderr"), /^\[import\] \.\/edited\.ts changed since it was loaded: this cell uses the loaded version .*%reload \.\/edited runs the new one/);
    assert.equal(streamText(await run("import { first as again } from './edited';"), "stderr"), "", "said once per change");
    write("edited.ts", "export const first = 1;\nexport const second = 2;\nexport const third = 3;\n");
    assert.match(streamText(await run("require('./edited').third"), "stderr"), /^\[import\] \.\/edited\.ts changed since it was loaded/, "require() says so too");
    write("edited.ts", "export const first = 1;\nexport const second = 2;\nexport const third = 3;\nexport const fourth = 4;\n");
    assert.match(streamText(await run("(await import('./edited')).first"), "stderr"), /^\[import\] \.\/edited\.ts changed since it was loaded/, "import() says so too");
    await run("%reload ./edited");
    const fresh = await run("import { second as now } from './edited'; now");
    assert.equal(resultText(fresh), "2");
    assert.equal(streamText(fresh, "stderr"), "");
  });

  test("named and default imports are live bindings, as in ES modules: a module's export let changes show", async () => {
    write("tally.ts", "export let count = 0;\nexport function add(n: number): number { count += n; return count; }\nexport default function label(): string { return `count ${count}`; }\n");
    const run = async (code: string) => ok(await k.execute(code));
    assert.equal(resultText(await run("import label, { add, count, count as total } from './tally';\nadd(2); add(3); [count, total, label()]")), "[ 5, 5, 'count 5' ]");
    assert.equal(resultText(await run("add(1); [total, add(1), total]")), "[ 6, 7, 7 ]", "a later cell reads it each time, not once at its start");
    assert.equal(resultText(await run("total")), "7", "and leaves it live");
    assert.equal(resultText(await run("function seen() { return count }\nadd(-1); seen()")), "6", "a function reads the module's current value");
    assert.match(streamText(await run("%whos")), /^count\s+import\s+number\s+6$/m);
    write("tally.ts", "export let count = 100;\nexport function add(n: number): number { count += 10 * n; return count; }\nexport default function label(): string { return `total ${count}`; }\n");
    assert.match(streamText(await run("%reload ./tally")), /^Reloaded \.\/tally\.ts \(rebound: label, add, count, total\)\n$/);
    assert.equal(resultText(await run("add(1); [count, seen(), label()]")), "[ 110, 110, 'total 110' ]");
    assert.equal(resultText(await run("const count = 'a cell of its own'; add(1); count")), "'a cell of its own'", "a later declaration replaces the import");
  });

  test("a local module can show output: display from \"tskernel\", the global display, and require(\"tskernel\")", async () => {
    write("shows.ts", "import { display } from 'tskernel';\nexport const bold = (x: string) => { display.html(`<b>${x}</b>`); };\nexport const plain = (x: string) => { display.markdown(`*${x}*`); };\n");
    write("shows-too.cts", "const kernel: typeof import('tskernel') = require('tskernel');\nexport const viaRequire = (x: string) => { kernel.display.html(`<i>${x}</i>`); };\n");
    const ex = await run("import { bold, plain } from './shows'; import { viaRequire } from './shows-too.cts';\nbold('a'); plain('b'); viaRequire('c'); require('tskernel').display.html('<u>d</u>');");
    const shown = ex.iopub.filter((m) => m.header.msg_type === "display_data").map((m) => Object.keys(m.content.data as object).filter((mime) => mime !== "text/plain").map((mime) => (m.content.data as Record<string, string>)[mime]).join());
    assert.deepEqual(shown, ["<b>a</b>", "*b*", "<i>c</i>", "<u>d</u>"]);
  });

  test("a module reached through a symlinked directory is one module, run once, as in Node", async () => {
    write("real-dir/state.ts", "console.log('state runs');\nexport const registry: string[] = [];\n");
    symlinkSync("real-dir", join(dir, "linked-dir"), "dir");
    const ex = await run("import { registry as viaReal } from './real-dir/state'; import { registry as viaLink } from './linked-dir/state'; viaReal === viaLink");
    assert.equal(resultText(ex), "true");
    assert.equal(streamText(ex), "state runs\n");
    const listing = streamText(await run("%modules"));
    assert.equal(listing.match(/state\.ts/g)?.length, 1, listing);
    assert.match(listing, /\.\/real-dir\/state\.ts/);
  });

  test("a reload that takes an export away says so, and the name imported from it is no longer defined", async () => {
    write("shrinks.ts", "export const kept = 1;\nexport function dropped(): string { return 'old'; }\nexport const alsoDropped = 'x';\n");
    await run("import { kept, dropped } from './shrinks';\nfunction callsDropped() { return dropped() }");
    write("shrinks.ts", "export const kept = 2;\nexport const alsoDropped = 'y';\n");
    assert.equal(streamText(await run("%reload ./shrinks")), "Reloaded ./shrinks.ts (rebound: kept; no longer exported, so no longer defined: dropped)\n");
    const used = await k.execute("dropped()");
    assert.match(used.reply.content.evalue as string, /Cannot find name 'dropped'.*TS2304/, "a type error, not undefined typed any");
    const called = await k.execute("callsDropped()");
    assert.match(called.reply.content.evalue as string, /dropped is not defined/, "a function that used it fails clearly");
    await run("import { alsoDropped } from './shrinks';\n%autoreload all");
    write("shrinks.ts", "export const kept = 3;\n");
    assert.equal(streamText(await run("kept")), "[autoreload] reloaded ./shrinks.ts (no longer exported, so no longer defined: alsoDropped)\n");
    await run("%autoreload off");
  });

  test("%autoreload all reloads changed modules and their dependents; comment-only changes reload nothing", async () => {
    write("auto.ts", "export const value = 1;\n");
    write("auto-user.ts", "import { value } from './auto';\nexport const doubled = value * 2;\n");
    await run("import { doubled } from './auto-user'; import { value } from './auto';");
    await run("%autoreload all");
    write("auto.ts", "// only a comment\nexport const value   =   1;\n");
    assert.equal(streamText(await run("value")), "");
    write("auto.ts", "export const value = 5;\n");
    const ex = await run("[value, doubled]");
    assert.equal(streamText(ex), "[autoreload] reloaded ./auto.ts, ./auto-user.ts\n");
    assert.equal(resultText(ex), "[ 5, 10 ]");
    await run("%autoreload explicit");
    await run("%aimport ./auto-user");
    write("auto.ts", "export const value = 6;\n");
    assert.equal(streamText(await run("value")), "", "explicit mode watches only %aimport-ed modules");
    await run("%autoreload off");
  });

  test("%autoreload all reloads a module whose edit is inside a template literal after `${…}//`", async () => {
    write("api.ts", "const protocol = 'https:', host = 'example.com';\nexport const endpoint = `${protocol}//${host}/api/v1`;\n");
    await run("import { endpoint } from './api';");
    await run("%autoreload all");
    // Modules earlier tests changed are reloaded now, not in the cell below.
    await run("1");
    write("api.ts", "const protocol = 'https:', host = 'example.com';\nexport const endpoint = `${protocol}//${host}/api/v2`;\n");
    const ex = await run("endpoint");
    assert.equal(streamText(ex), "[autoreload] reloaded ./api.ts\n");
    assert.equal(resultText(ex), "'https://example.com/api/v2'");
    await run("%autoreload off");
  });

  test("%aimport -MODULE: no autoreload mode reloads it, until %aimport MODULE; %aimport lists both", async () => {
    write("once.ts", "export const made = Math.random();\n");
    write("once-user.ts", "import { made } from './once';\nexport const alsoMade = made;\n");
    assert.equal(streamText(await run("%aimport -./once")), "", "marked before it is imported");
    await run("import { made } from './once'; import { alsoMade } from './once-user'; const firstMade = made;");
    await run("%aimport ./once-user");
    assert.match(streamText(await run("%aimport")), /^Modules to reload: (\S+ )*\.\/once-user\.ts\nModules to skip: \.\/once\.ts\n$/);
    await run("%autoreload all");
    // Modules earlier tests changed are reloaded now, not in the cells below.
    await run("1");
    write("once.ts", "export const made = -1;\n");
    const kept = await run("[made === firstMade, alsoMade === firstMade]");
    assert.equal(streamText(kept), "", "nothing was reloaded");
    assert.equal(resultText(kept), "[ true, true ]");
    await run("%aimport ./once");
    const reloaded = await run("[made, alsoMade]");
    assert.match(streamText(reloaded), /^\[autoreload\] reloaded \.\/once\.ts, \.\/once-user\.ts\n$/);
    assert.equal(resultText(reloaded), "[ -1, -1 ]");
    await run("%autoreload off");
    assert.match((await k.execute("%aimport -fs")).reply.content.evalue as string, /fs is a Node builtin/);
    assert.match((await k.execute("%aimport -")).reply.content.evalue as string, /write the module right after the -/);
  });

  test("a failed autoreload is reported once, not before every cell, and its dependents do not run again", async () => {
    write("base.ts", "export const base = 1;\n");
    write("on-base.ts", "import { base } from './base';\nconsole.log('on-base ran');\nexport const onBase = base + 1;\n");
    await run("import { onBase } from './on-base';");
    await run("%autoreload all");
    write("base.ts", "export const base: number = 'broken';\n");
    const first = await run("onBase");
    assert.equal(resultText(first), "2");
    assert.doesNotMatch(streamText(first), /on-base/, "the dependent does not run again against the old version");
    assert.match(streamText(first, "stderr"), /^\[autoreload\] failed to reload \.\/base\.ts \(TypeCheckError: .*base\.ts, line 1, column 14, TS2322\); the old version stays\)\n$/);
    const next = await run("onBase");
    assert.equal(streamText(next, "stderr"), "", "the same broken file is not tried again");
    write("base.ts", "export const base = 10;\n");
    const fixed = await run("onBase");
    assert.match(streamText(fixed), /^on-base ran\n\[autoreload\] reloaded \.\/base\.ts, \.\/on-base\.ts\n$/);
    assert.equal(resultText(fixed), "11");
    await run("%autoreload off");
    const missing = await k.execute("%reload ./never-loaded");
    assert.equal(missing.reply.content.ename, "ModuleNotFoundError");
    assert.doesNotMatch((missing.reply.content.traceback as string[]).join("\n"), /\.js:\d+:\d+/, "no frames of the kernel's own code (its magics)");
  });

  test("a failed autoreload names the file, line and column when TypeScript explains the error over several lines", async () => {
    write("point.ts", "export interface Point { x: number; y: number }\nexport const norm = (p: Point): number => Math.hypot(p.x, p.y);\n");
    write("uses-point.ts", "import { norm } from './point';\nexport const dist = norm({ x: 3, y: 4 });\n");
    await run("import { dist } from './uses-point';");
    await run("%autoreload all");
    write("point.ts", "export interface Point { x: number; y: number; z: number }\nexport const norm = (p: Point): number => Math.hypot(p.x, p.y, p.z);\n");
    const ex = await run("dist");
    assert.equal(resultText(ex), "5");
    assert.match(streamText(ex, "stderr"), /^\[autoreload\] failed to reload \.\/uses-point\.ts \(TypeCheckError: Argument of type .* is not assignable to parameter of type 'Point'\. \(.*uses-point\.ts, line 2, column 26, TS2345\); the old version stays\)\n$/);
    await run("%autoreload off");
  });

  test("%reload checks what an edit reaches: an error it causes in code it did not change is found, and the old version stays", async () => {
    write("limits.ts", "export const limit = 1;\nexport function capped(): 1 { return limit; }\nexport const other = 'o';\n");
    await run("import { capped } from './limits'; import * as limits from './limits';");
    write("limits.ts", "export const limit = 2;\nexport function capped(): 1 { return limit; }\nexport const other = 'o';\n");
    const failed = await k.execute("%reload ./limits");
    assert.equal(failed.reply.content.ename, "TypeCheckError");
    assert.match(failed.reply.content.evalue as string, /limits\.ts, line 2, column \d+, TS2322\)/);
    assert.equal(resultText(await run("[capped(), limits.limit]")), "[ 1, 1 ]");
    const capped = "export function capped(): 1 {\n  if (limit > 5) throw new RangeError('over');\n  return 1;\n}\n";
    write("limits.ts", `export const limit = 2;\n${capped}export const other = 'o';\n`);
    await run("%reload ./limits");
    assert.equal(resultText(await run("[capped(), limits.limit]")), "[ 1, 2 ]");
    write("limits.ts", `export const limit = 9;\n${capped}export const other = 'o';\n`);
    await run("%reload ./limits");
    const traceback = ((await k.execute("capped()")).reply.content.traceback as string[]).join("\n");
    assert.match(traceback, /at capped \(.*limits\.ts, line 3, column 24\)/, "the reloaded code's positions are its file's");
  });

  test("%reload says why a builtin or a package cannot be reloaded; autoreload says a deleted module is gone", async () => {
    const builtin = await k.execute("%reload node:fs");
    assert.equal(builtin.reply.content.ename, "UsageError");
    assert.match(builtin.reply.content.evalue as string, /^node:fs is a Node builtin: only your own local modules can be reloaded$/);
    await run("require('cjs-pkg');");
    const pkg = await k.execute("%reload cjs-pkg");
    assert.match(pkg.reply.content.evalue as string, /^cjs-pkg is a package \(.*node_modules\/cjs-pkg\/index\.js\): only your own local modules can be reloaded; restart the kernel/);
    write("doomed.ts", "export const doomed = 'here';\n");
    await run("import { doomed } from './doomed';");
    await run("%autoreload all");
    rmSync(join(dir, "doomed.ts"));
    const gone = await run("doomed");
    assert.equal(resultText(gone), "'here'");
    assert.match(streamText(gone, "stderr"), /failed to reload \.\/doomed\.ts \(Error: .*doomed\.ts no longer exists: it was deleted or moved; the old version stays\)/);
    await run("%autoreload off");
  });

  test("an unchanged dependent is checked again against the new version of what it imports", async () => {
    write("unit.ts", "export const size = 2;\n");
    write("area.ts", "import { size } from './unit';\nexport const area = size * size;\n");
    await run("import { area } from './area';");
    await run("%autoreload all");
    write("unit.ts", "export const size = 'two';\n");
    const ex = await run("area");
    assert.equal(resultText(ex), "4", "the old versions stay in effect");
    assert.match(streamText(ex), /^\[autoreload\] reloaded .*\.\/unit\.ts/);
    assert.match(streamText(ex, "stderr"), /^\[autoreload\] failed to reload .*\.\/area\.ts \(TypeCheckError: .*area\.ts, line 2, column 21, TS2362\); the old version stays\)\n$/);
    await run("%autoreload off");
  });

  test("%run: import.meta.main, argv, its declarations join the session; -i runs in the session", async () => {
    write(
      "script.ts",
      "import { meta } from './esm.mjs';\ninterface Reading { at: number }\nconst hidden: Reading = { at: 7 };\nexport let total = 3;\nif (import.meta.main) console.log('main', process.argv.slice(2), meta);\n",
    );
    assert.equal(streamText(await run("%run script.ts --flag x")), "main [ '--flag', 'x' ] false\n");
    assert.equal(resultText(await run("[hidden.at, total + 1]")), "[ 7, 4 ]");
    const typed = await k.execute("const t: string = total");
    assert.equal(typed.reply.content.ename, "TypeCheckError", "exported names keep their types");
    const unexported = await k.execute("const u: string = hidden.at");
    assert.match(unexported.reply.content.evalue as string, /Type 'number' is not assignable to type 'string'/, "names it does not export are typed too");
    assert.equal(resultText(await run("const r: Reading = { at: 1 }; r.at")), "1", "its interfaces and type aliases join the session");
    write("cjs-main.cjs", "console.log(require.main === module);\n");
    assert.equal(streamText(await run("%run cjs-main.cjs")), "true\n");
    write("inside.ts", "const fromInside = total * 10;\n");
    await run("%run -i inside.ts");
    assert.equal(resultText(await run("fromInside")), "30");
    write("scripts/helper.ts", "export const helped = 'from beside the script';\n");
    write("scripts/interactive.ts", "import { helped } from './helper';\nconst viaImport = (await import('./helper.ts')).helped;\nconst beside = [helped, viaImport, total];\n");
    await run("%run -i scripts/interactive.ts");
    assert.equal(resultText(await run("beside")), "[ 'from beside the script', 'from beside the script', 3 ]");
  });

  test("%run of a file that fails part-way shows the error, and the names it reached join the session", async () => {
    write(
      "stops.ts",
      "export const reachedExport = 'e';\nconst reachedLocal: number = 2;\nfunction hoisted() { return 'h'; }\nthrow new RangeError('stopped here');\nexport const afterExport = 1;\nconst afterLocal = 3;\nclass AfterClass {}\n",
    );
    const failed = await k.execute("%run stops.ts");
    assert.equal(failed.reply.content.ename, "RangeError");
    assert.match((failed.reply.content.traceback as string[]).join("\n"), /stops\.ts, line 4/);
    assert.equal(resultText(await run("[reachedExport, reachedLocal, hoisted()]")), "[ 'e', 2, 'h' ]");
    const typed = await k.execute("const wrong: string = reachedLocal");
    assert.equal(typed.reply.content.ename, "TypeCheckError", "the names it reached keep their types");
    for (const name of ["afterExport", "afterLocal", "AfterClass"]) {
      const after = await k.execute(name);
      assert.match(after.reply.content.evalue as string, new RegExp(`Cannot find name '${name}'`), `${name} comes after the failure`);
    }
  });

  test("%run of something not a program (JSON, a declaration file, a directory, another kind) says which files it runs", async () => {
    write("run-kinds/data.json", '{ "a": 1 }\n');
    write("run-kinds/types.d.ts", "export declare const x: number;\n");
    write("run-kinds/notes.txt", "some notes\n");
    write("run-kinds/tool", "console.log('ran without an extension');\n");
    const runs = "%run runs .ts .tsx .mts .cts .js .mjs .cjs files, and files without an extension as JavaScript";
    const refusals: [string, string][] = [
      ["run-kinds/data.json", `run-kinds/data.json is not a program: ${runs}`],
      ["run-kinds/types.d.ts", `run-kinds/types.d.ts is a declaration file: it holds types only, no code to run. ${runs}`],
      ["run-kinds/notes.txt", `run-kinds/notes.txt is not a program: ${runs}`],
      ["run-kinds", "run-kinds is a directory: name the file in it to run"],
    ];
    for (const [file, message] of refusals) {
      const refused = await k.execute(`%run ${file}`);
      assert.equal(refused.reply.content.ename, "UsageError", file);
      assert.equal(refused.reply.content.evalue, `%run: ${message}`);
      assert.deepEqual(refused.reply.content.traceback, [`UsageError: %run: ${message}`], "no frames of the kernel");
    }
    assert.equal(streamText(await run("%run run-kinds/tool")), "ran without an extension\n");
  });

  test("circular imports end with a result or a clear error, never a hang", async () => {
    write("ping.ts", "import { pong } from './pong';\nexport function ping(n: number): string { return n <= 0 ? 'done' : pong(n - 1); }\n");
    write("pong.ts", "import { ping } from './ping';\nexport function pong(n: number): string { return ping(n); }\n");
    assert.equal(resultText(await run("import { ping } from './ping'; ping(3)")), "'done'");
    // b's top-level code calls a's function while a is still loading: ES modules hoist it, so it works.
    write("hoist-a.ts", "import { table } from './hoist-b';\nexport function double(n: number): number { return n * 2; }\nexport const fromB = table;\n");
    write("hoist-b.ts", "import { double } from './hoist-a';\nexport const table = [1, 2, 3].map(double);\n");
    assert.equal(resultText(await run("import { fromB } from './hoist-a'; fromB")), "[ 2, 4, 6 ]");
    write("early-a.ts", "import { b } from './early-b';\nexport const a = 'a';\nexport const both = a + b;\n");
    write("early-b.ts", "import { a } from './early-a';\nexport const b = a + 'b';\n");
    const ex = await k.execute("import { both } from './early-a'");
    assert.equal(ex.reply.content.ename, "ReferenceError");
    assert.match(ex.reply.content.evalue as string, /Cannot access 'a' of .*early-a\.ts before that module finished loading/);
  });

  test("two imports at once of modules in a cycle, one waiting for top-level await, both finish, as in Node", async () => {
    write("cycle-slow.ts", "await new Promise((r) => setTimeout(r, 200));\nexport const s = 1;\n");
    write("cycle-x.ts", "import { s } from './cycle-slow';\nimport { yv } from './cycle-y';\nexport const xv = 'x' + s;\nexport const getY = () => yv;\n");
    write("cycle-y.ts", "import { xv } from './cycle-x';\nexport const yv = 'y';\nexport const getX = () => xv;\n");
    const both = await runOrInterrupt("const [X, Y] = await Promise.all([import('./cycle-x'), import('./cycle-y')]); [X.getY(), Y.getX()]");
    assert.equal(resultText(ok(both)), "[ 'y', 'x1' ]");
    assert.equal(resultText(ok(await runOrInterrupt("import { getY } from './cycle-x'; getY()"))), "'y'", "and they stay loaded");
  });

  test("an import interrupted at a top-level await leaves nothing loaded: %reload says so, the next import runs the fixed file", async () => {
    write("conn.ts", "console.log('connecting...');\nawait new Promise(() => {});\nexport const db = 'v1';\n");
    const req = k.request("shell", "execute_request", { code: "import { db } from './conn'; db" });
    await k.waitFor(() => k.outputsOf(req).some((s) => s.msg.header.msg_type === "stream"));
    await k.call("control", "interrupt_request", {});
    assert.equal((await k.settle(req)).reply.content.ename, "KeyboardInterrupt");
    write("conn.ts", "export const db = 'fixed';\n");
    const reload = await runOrInterrupt("%reload ./conn");
    assert.equal(reload.reply.content.ename, "UsageError");
    assert.match(reload.reply.content.evalue as string, /^\.\/conn \(\.\/conn\.ts\) is not a loaded local module \(never imported, or its import failed or was interrupted\): import it to run its current file/);
    assert.equal(resultText(ok(await runOrInterrupt("import { db } from './conn'; db"))), "'fixed'");
    assert.match(streamText(await run("%modules")), /^\.\/conn +local ts +\.\/conn\.ts /m);
  });

  test("a module's imports of types only (a .d.ts file, an @types package, `type` names) are not loaded when it runs", async () => {
    write("shape-types.d.ts", "export interface Shape { w: number }\n");
    write("node_modules/@types/types-only/index.d.ts", "export interface Point { x: number }\n");
    write("shape-area.ts", "import { Shape } from './shape-types';\nimport { Point } from 'types-only';\nexport const area = (s: Shape, p: Point) => s.w * 2 + p.x;\n");
    write("shape-typed.ts", "import { type Shape } from './shape-types';\nexport const width = (s: Shape) => s.w;\n");
    assert.equal(resultText(await run("import { area } from './shape-area'; import { width } from './shape-typed';\n[area({ w: 5 }, { x: 1 }), width({ w: 3 })]")), "[ 11, 3 ]");
    write("imports-gone-at-run-time.ts", "// @ts-nocheck\nimport { gone } from './gone-at-run-time';\nexport const value = gone;\n");
    const missing = await k.execute("import { value as goneValue } from './imports-gone-at-run-time'");
    assert.equal(missing.reply.content.ename, "ModuleNotFoundError");
    assert.match(missing.reply.content.evalue as string, /^Cannot find module "\.\/gone-at-run-time" imported by \S*\/imports-gone-at-run-time\.ts\. Looked in:\n/);
  });

  test("%autoreload all runs again a module in an import cycle with the changed one, after it", async () => {
    write("cycle-a.ts", "import { b } from './cycle-b';\nexport function fa() { return 'A1'; }\nexport const seeB = () => b;\n");
    write("cycle-b.ts", "import { fa } from './cycle-a';\nexport const b = 'b sees ' + fa();\n");
    await run("import { b } from './cycle-b'; import { seeB } from './cycle-a';");
    await run("%autoreload all");
    // Modules earlier tests changed are reloaded now, not in the cells below.
    await run("1");
    write("cycle-a.ts", "import { b } from './cycle-b';\nexport function fa() { return 'A2'; }\nexport const seeB = () => b;\n");
    const ex = await run("[b, seeB()]");
    assert.equal(streamText(ex), "[autoreload] reloaded ./cycle-a.ts, ./cycle-b.ts\n");
    assert.equal(resultText(ex), "[ 'b sees A2', 'b sees A2' ]");
    await run("%autoreload off");
  });
});
