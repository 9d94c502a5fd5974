// Module practice (ModuleCompiler.practise): code compiled as a local module really is checked, errors
// only say false, and practice leaves nothing behind: no entry in the module cache.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CellChecker } from "../../src/language/cell-checker.js";
import { ModuleCompiler } from "../../src/engine/worker/modules/compile.js";
import { CompileCache } from "../../src/engine/worker/modules/compile-cache.js";
import { asModule, PRACTICE_CELLS } from "../../src/engine/worker/compiler-practice.js";

test("practice modules are checked, a type error says false, and only real modules reach the cache", () => {
  const notebook = mkdtempSync(join(tmpdir(), "tsk-practice-"));
  const cacheDir = join(mkdtempSync(join(tmpdir(), "tsk-practice-cache-")), "modules");
  const checker = new CellChecker(notebook, "");
  const compiler = new ModuleCompiler(checker.files, checker.options, join(notebook, ".tskernel"), new CompileCache(cacheDir, (problem) => assert.fail(problem)));

  for (const cell of PRACTICE_CELLS) assert.equal(compiler.practise(asModule(cell)), true, cell.split("\n")[0]);
  assert.equal(compiler.practise("export const n: number = 'text';\n"), false);
  assert.equal(existsSync(cacheDir), false, "practice writes nothing to the cache");

  const real = join(notebook, "real.ts");
  writeFileSync(real, "export const twice = (n: number): number => 2 * n;\n");
  assert.match(compiler.compile(real).script, /twice/);
  assert.equal(readdirSync(cacheDir).length, 1, "a real module is cached");
});
