// The idle worker's compiler practice (src/engine/worker/compiler-practice.ts): every practice cell
// checks and compiles, none of them leaves a name, a value or a type in the session, and the first
// cell stops it.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryKernel, resultText, streamText } from "../support/memory-kernel.js";
import { WorkerEngine } from "../../src/engine/worker-engine.js";
import { PRACTICE_CELLS, PRACTICE_ROUNDS } from "../../src/engine/worker/compiler-practice.js";

/** A kernel whose engine's log is kept, started as the kernel's command starts it: the worker at once, before any request. */
function startedKernel(): { logs: string[]; k: MemoryKernel } {
  const logs: string[] = [];
  const engine = new WorkerEngine({ info: (t) => logs.push(t), warn: (t) => logs.push(t), limited() {} }, mkdtempSync(join(tmpdir(), "tsk-notebook-")));
  const k = new MemoryKernel(engine);
  before(async () => {
    await k.start();
    engine.start();
  });
  after(() => k.close());
  return { logs, k };
}

describe("compiler practice while idle", () => {
  const { logs, k } = startedKernel();

  test("runs once the kernel is idle, and every practice cell compiles", async () => {
    const deadline = Date.now() + 120_000;
    while (!logs.some((l) => l.startsWith("compiler practice:")) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const line = logs.find((l) => l.startsWith("compiler practice:"));
    assert.ok(line, `no practice report in the log: ${JSON.stringify(logs)}`);
    assert.match(line, new RegExp(`^compiler practice: ${PRACTICE_CELLS.length * 2 * PRACTICE_ROUNDS} cells and modules checked and compiled while idle in \\d+ ms, 0 failed$`));
  });

  test("leaves nothing in the session: no names, no history, no types", async () => {
    const who = await k.execute("%who");
    assert.equal(who.reply.content.status, "ok");
    assert.match(streamText(who), /Interactive namespace is empty/);
    // Names the practice cells declare: unknown to a checked cell and to an unchecked one.
    const checked = await k.execute("rows.length + Matrix.identity(2).rows");
    assert.equal(checked.reply.content.ename, "TypeCheckError");
    assert.match(String(checked.reply.content.evalue), /Cannot find name 'rows'/);
    await k.execute("%typecheck off");
    const unchecked = await k.execute("typeof Matrix + ' ' + typeof summaryLine");
    assert.equal(resultText(unchecked), "'undefined undefined'");
    await k.execute("%typecheck on");
    // Practice modules are compiled, never loaded: the registry is empty.
    assert.match(streamText(await k.execute("%modules")), /^No modules loaded/);
    // The output history holds only the values this test's cells showed: practice recorded none.
    const shown = await k.execute("40 + 2");
    assert.equal(resultText(shown), "42");
    const counts = [unchecked, shown].map((ex) => ex.reply.content.execution_count).join(",");
    assert.equal(resultText(await k.execute("Object.keys(Out).join(',')")), `'${counts}'`);
  });
});

describe("compiler practice once cells have come", () => {
  const { logs, k } = startedKernel();

  test("does not start: a cell sent at once stops it, and idle time later does not resume it", async () => {
    const ex = await k.execute("1 + 1");
    assert.equal(resultText(ex), "2");
    // Longer than practice takes when it runs (the test above): no practice report may come.
    await new Promise((r) => setTimeout(r, 6000));
    assert.deepEqual(
      logs.filter((l) => l.startsWith("compiler practice:")),
      [`compiler practice: stopped by the first cell after 0 of ${PRACTICE_CELLS.length * 2 * PRACTICE_ROUNDS} cells and modules (0 ms)`],
    );
  });
});
