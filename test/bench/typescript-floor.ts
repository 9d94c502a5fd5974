// What a workload costs TypeScript alone: parsing, checking and emitting it in a fresh process with the
// libraries already loaded, as they are in a running kernel. `npm run bench` runs this in a process of
// its own per workload, so that each starts as cold as a new kernel, and prints the kernel's figure
// beside it. Usage: typescript-floor.js cells | module DIR; prints the times (ms) as JSON.
import ts from "typescript";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CachingHost } from "../../src/language/compiler-host.js";
import { bigModule, typedFunctions } from "./workloads.js";

const options: ts.CompilerOptions = { target: ts.ScriptTarget.ES2022, strict: true, skipLibCheck: true, types: ["node"] };

/** Checks and emits each text as a new version of one file, each program built from the last (as the kernel does); the times of each. */
function compileEach(dir: string, texts: string[], extra: ts.CompilerOptions): number[] {
  const files = new CachingHost({ ...options, ...extra });
  let previous: ts.Program | undefined;
  const compile = (path: string, text: string) => {
    writeFileSync(path, text);
    const t0 = performance.now();
    const program = ts.createProgram({ rootNames: [path], options: { ...options, ...extra }, host: files.host, oldProgram: previous });
    previous = program;
    const sf = program.getSourceFile(path)!;
    if (program.getSemanticDiagnostics(sf).length > 0) throw new Error(`${path} has type errors`);
    program.emit(sf, () => undefined);
    return performance.now() - t0;
  };
  compile(join(dir, "warm.ts"), "export const warm: number = 1;\n");
  return texts.map((text, i) => compile(join(dir, extra.declaration ? "cell.ts" : `module${i}.ts`), text));
}

const dir = mkdtempSync(join(tmpdir(), "tsk-floor-"));
// With source maps for cells, as the kernel emits them; a module's map is made only for a traceback.
try {
  const times = process.argv[2] === "cells"
    ? compileEach(dir, Array.from({ length: 9 }, (_, run) => `${typedFunctions(run)}\nexport {};\n`), { module: ts.ModuleKind.Preserve, declaration: true, sourceMap: true })
    : compileEach(dir, Array.from({ length: 5 }, (_, i) => bigModule(200 + i)), { module: ts.ModuleKind.CommonJS });
  process.stdout.write(JSON.stringify(times));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
