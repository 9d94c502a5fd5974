// is_complete must not wait for the engine worker: jupyter console gives up on the kernel's answers after
// one second, and crashes if the answer is slow while it waits (see test/frontends/console.test.ts).
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { WorkerEngine } from "../../src/engine/worker-engine.js";
import type { OutputSink } from "../../src/engine/engine.js";
import { silentLogger } from "../support/memory-kernel.js";

const ignore: OutputSink = {
  stream() {},
  displayData() {},
  clearOutput() {},
  executeResult() {},
  readInput: () => Promise.reject(new Error("no input in this test")),
  comm() {},
};

test("is_complete is answered while the engine worker is busy in an endless loop", { timeout: 60_000 }, async () => {
  const engine = new WorkerEngine(silentLogger(), mkdtempSync(join(tmpdir(), "tsk-notebook-")));
  try {
    engine.start();
    let finished = false;
    const running = engine
      .execute({ code: "while (true) {}", executionCount: 1, storeHistory: false, silent: false, allowStdin: false, userExpressions: {} }, ignore)
      .finally(() => (finished = true));
    assert.deepEqual(await engine.isComplete("function f() {"), { status: "incomplete", indent: "    " });
    assert.deepEqual(await engine.isComplete("f()"), { status: "complete" });
    assert.equal(finished, false, "the loop was still running when is_complete answered");
    engine.interrupt();
    assert.equal((await running).status, "error");
  } finally {
    await engine.close();
  }
});
