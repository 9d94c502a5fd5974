// History across a kernel restart: a new kernel process finds the cells of the one before it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchKernel, type LaunchedKernel } from "../../src/client/launch.js";

test("after a restart, history_request returns the earlier session's inputs and outputs", { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "tsk-history-zmq-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const env = { ...process.env, TSKERNEL_HISTORY_FILE: join(dir, "history.jsonl") };
  const history = async (kernel: LaunchedKernel, content: Record<string, unknown>) => {
    const reply = await kernel.client.request("shell", "history_request", { output: false, raw: true, ...content }, {}, { timeoutMs: 10_000 });
    assert.equal(reply.content.status, "ok");
    return reply.content.history as unknown[];
  };

  const first = await launchKernel({ env });
  try {
    for (const code of ["const before = 20", "before + 22"]) {
      assert.equal((await first.client.execute(code, { timeoutMs: 60_000 })).reply.content.status, "ok");
    }
  } finally {
    await first.shutdown(true);
  }

  const second = await launchKernel({ env });
  t.after(() => second.shutdown());
  assert.equal((await second.client.execute("'after'", { timeoutMs: 60_000 })).reply.content.status, "ok");
  assert.deepEqual(await history(second, { hist_access_type: "range", session: -1, start: 1, stop: null, output: true }), [
    [1, 1, ["const before = 20", null]],
    [1, 2, ["before + 22", "42"]],
  ]);
  assert.deepEqual(await history(second, { hist_access_type: "tail", n: 3 }), [
    [1, 1, "const before = 20"],
    [1, 2, "before + 22"],
    [2, 1, "'after'"],
  ]);
  assert.deepEqual(await history(second, { hist_access_type: "range", session: 0 }), [[2, 1, "'after'"]]);
  assert.deepEqual(await history(second, { hist_access_type: "search", pattern: "before*" }), [[1, 2, "before + 22"]]);
  assert.doesNotMatch(second.stderr(), /history/);
});
