// TypeScript's per-program factories are kept from V8's optimizing compiler (src/language/factory-tiering.ts):
// V8 itself says so (--trace-opt), and code parsed afterwards cannot use natives syntax.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const MODULE = fileURLToPath(new URL("../../src/language/factory-tiering.js", import.meta.url));

test("createTypeChecker, createProgram and createPrinter are never optimized, and natives syntax is off again", () => {
  const script = `
    const { keepFactoriesUnoptimized } = await import(${JSON.stringify(MODULE)});
    console.log("failure: " + keepFactoriesUnoptimized());
    try { new Function("%GetOptimizationStatus(Math.max)"); console.log("natives: allowed"); }
    catch (e) { console.log("natives: " + e.name); }`;
  const out = execFileSync(process.execPath, ["--trace-opt", "--input-type=module", "-e", script], { encoding: "utf8" });
  assert.match(out, /^failure: undefined$/m);
  for (const name of ["createTypeChecker", "createProgram", "createPrinter"]) {
    assert.match(out, new RegExp(`disabled optimization for .*<SharedFunctionInfo ${name}>, reason: Optimization is always disabled`));
  }
  assert.match(out, /^natives: SyntaxError$/m);
});
