// The cache of compiled modules (src/engine/worker/modules/compile-cache.ts) and where it lives: what
// one kernel puts another finds, a key that changes with any file the compile read, damaged entries
// ignored, least recently used entries pruned, and a cache that cannot be written only reported.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "../../src/language/typescript.js";
import { CompileCache, type CachedModule } from "../../src/engine/worker/modules/compile-cache.js";
import { moduleCacheDir } from "../../src/cli/jupyter-paths.js";

const OPTIONS: ts.CompilerOptions = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, noLib: true, types: [] };

const compiled = (script: string): CachedModule => ({
  script,
  firstLineShift: 42,
  isAsync: false,
  isEsm: true,
  hoisted: ["f"],
  imports: [{ specifier: "./dep", mode: "import" }],
  loads: [{ specifier: "./dep", mode: "import" }],
});

/** A program of main.ts importing dep.ts, as the module compiler makes one. */
function programOf(dir: string, dep: string): ts.Program {
  writeFileSync(join(dir, "main.ts"), "import { d } from './dep';\nexport const m = d + 1;\n");
  writeFileSync(join(dir, "dep.ts"), dep);
  return ts.createProgram({ rootNames: [join(dir, "main.ts")], options: OPTIONS });
}

const quiet = () => {
  throw new Error("nothing should be reported");
};

test("the cache directory: TSKERNEL_CACHE_DIR, empty for none, else the platform's user cache", () => {
  const home = join(tmpdir(), "ada");
  const linux = { env: {}, platform: "linux" as const, home };
  assert.equal(moduleCacheDir(linux), join(home, ".cache", "tskernel", "modules"));
  assert.equal(moduleCacheDir({ ...linux, env: { XDG_CACHE_HOME: "/xdg" } }), "/xdg/tskernel/modules");
  assert.equal(moduleCacheDir({ ...linux, env: { TSKERNEL_CACHE_DIR: "/c", XDG_CACHE_HOME: "/xdg" } }), "/c/modules");
  assert.equal(moduleCacheDir({ ...linux, env: { TSKERNEL_CACHE_DIR: "" } }), undefined);
  assert.equal(moduleCacheDir({ env: {}, platform: "darwin", home }), join(home, "Library", "Caches", "tskernel", "modules"));
  assert.equal(moduleCacheDir({ env: { LOCALAPPDATA: "C:\\Users\\ada\\AppData\\Local" }, platform: "win32", home: "C:\\Users\\ada" }), "C:\\Users\\ada\\AppData\\Local\\tskernel\\cache\\modules");
});

test("what one kernel puts, another finds under the same key; a different module text or dependency gives another key", () => {
  const src = mkdtempSync(join(tmpdir(), "tsk-cache-src-"));
  const dir = join(mkdtempSync(join(tmpdir(), "tsk-cache-")), "modules");
  const first = new CompileCache(dir, quiet);
  const main = join(src, "main.ts");
  const key = first.keyOf(programOf(src, "export const d = 1;\n"), main, OPTIONS);
  assert.equal(first.get(key), undefined, "an empty cache has nothing");
  first.put(key, compiled("one"));

  assert.equal(statSync(dir).mode & 0o777, 0o700, "the kernel runs what is in it: the directory is its user's alone");
  assert.equal(statSync(join(dir, `${key}.json`)).mode & 0o777, 0o600);

  const second = new CompileCache(dir, quiet);
  assert.equal(second.keyOf(programOf(src, "export const d = 1;\n"), main, OPTIONS), key, "the same files make the same key in another session");
  assert.deepEqual(second.get(key), compiled("one"));
  assert.notEqual(second.keyOf(programOf(src, "export const d = 2;\n"), main, OPTIONS), key, "a dependency's text is part of the key");
  assert.notEqual(second.keyOf(programOf(src, "export const d = 1;\n"), main, { ...OPTIONS, strict: true }), key, "the options are part of the key");
});

test("a damaged entry is not used, and the next put replaces it", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsk-cache-"));
  const cache = new CompileCache(dir, quiet);
  cache.put("k", compiled("whole"));
  writeFileSync(join(dir, "k.json"), '{"script": "cut sho');
  assert.equal(cache.get("k"), undefined);
  writeFileSync(join(dir, "k.json"), JSON.stringify({ ...compiled("x"), hoisted: "f" }));
  assert.equal(cache.get("k"), undefined, "an entry of the wrong shape is not used");
  cache.put("k", compiled("again"));
  assert.equal(cache.get("k")?.script, "again");
});

test("over its limit, the cache drops the least recently used entries first", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsk-cache-"));
  const big = "x".repeat(1000);
  const filler = new CompileCache(dir, quiet);
  for (const key of ["old", "read", "unread"]) filler.put(key, compiled(big));
  const longAgo = new Date(Date.now() - 3_600_000);
  for (const key of ["old", "read", "unread"]) utimesSync(join(dir, `${key}.json`), longAgo, longAgo);
  utimesSync(join(dir, "old.json"), new Date(0), new Date(0));

  // Room for about three entries: a fourth makes it prune, down to 80% of the limit.
  const limited = new CompileCache(dir, quiet, 3 * 1100);
  assert.ok(limited.get("read"), "reading an entry marks it used");
  limited.put("new", compiled(big));
  assert.deepEqual(readdirSync(dir).sort(), ["new.json", "read.json"]);
});

test("a cache directory that cannot be written is reported once; compiling goes on without it", () => {
  const root = mkdtempSync(join(tmpdir(), "tsk-cache-"));
  const notADirectory = join(root, "file");
  writeFileSync(notADirectory, "");
  const reports: string[] = [];
  const cache = new CompileCache(join(notADirectory, "modules"), (r) => reports.push(r));
  assert.equal(cache.enabled, true);
  cache.put("a", compiled("a"));
  cache.put("b", compiled("b"));
  assert.equal(reports.length, 1);
  assert.match(reports[0], /^module cache: cannot write .*file\/modules \(.*\); modules are compiled anew in each session\. .*TSKERNEL_CACHE_DIR/);
  assert.equal(cache.enabled, false);
  assert.equal(cache.get("a"), undefined);
  assert.equal(existsSync(join(notADirectory, "modules")), false);
});

test("no directory, no cache: nothing is read or written", () => {
  const cache = new CompileCache(undefined, quiet);
  assert.equal(cache.enabled, false);
  cache.put("a", compiled("a"));
  assert.equal(cache.get("a"), undefined);
});
