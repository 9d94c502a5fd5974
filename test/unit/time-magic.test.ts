// %time reports the run of the code apart from checking and compiling it, as IPython reports its compiler.
import { test } from "node:test";
import assert from "node:assert/strict";
import { timingMagics, type CodeExecution } from "../../src/magics/timing.js";

const time = timingMagics.find((m) => m.name === "time" && m.kind === "line")!;

/** An execution whose run took `wallMs`, after `compileMs` of checking and compiling. */
function execution(wallMs: number, compileMs: number): CodeExecution {
  return {
    run: async () => ({ value: 7, type: { text: "number", names: [] }, wallMs, cpu: { user: 2000, system: 1000 }, compileMs }),
    repeatable: () => {
      throw new Error("not used by %time");
    },
  };
}

async function timed(wallMs: number, compileMs: number): Promise<string> {
  const call = { args: [], options: {}, line: "f()", body: "", lineCode: "      f()", bodyCode: "" };
  const result = await time.run(call, { execution: execution(wallMs, compileMs) });
  assert.equal(result?.value, 7, "the code's value is the cell's result");
  assert.deepEqual(result?.type, { text: "number", names: [] }, "with its type, for _n");
  return result?.output ?? "";
}

test("%time: a slow check is reported as Compiler time, apart from the run's wall time", async () => {
  assert.equal(await timed(1.5, 750), "CPU times: user 2 ms, sys: 1 ms, total: 3 ms\nWall time: 1.5 ms\nCompiler : 750 ms\n");
});

test("%time: a quick check is not mentioned", async () => {
  assert.equal(await timed(12, 40), "CPU times: user 2 ms, sys: 1 ms, total: 3 ms\nWall time: 12 ms\n");
});
