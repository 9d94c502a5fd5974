// Interrupting a busy loop again and again must never cost the session its variables or lose a reply.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { alive, launchWatched, resultText, type WatchedKernel } from "./support.js";

const ROUNDS = 100;

describe("interrupts in a row", () => {
  let kernel: WatchedKernel;
  before(async () => {
    kernel = await launchWatched();
  });
  after(() => kernel.shutdown());

  test(`${ROUNDS} interrupted busy loops: every reply arrives and the session keeps its variables`, async () => {
    const first = await kernel.client.execute("let survivor = 'still here';");
    const outcomes: string[] = [];
    const counts: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      // Interrupt once the cell is running, as a user does: its execute_input has been published.
      let started!: () => void;
      const running = new Promise<void>((resolve) => (started = resolve));
      const cell = kernel.client.execute("while (true) {}", {
        timeoutMs: 30_000,
        onIopub: (m) => m.header.msg_type === "execute_input" && started(),
      });
      await running;
      const interrupt = await kernel.client.request("control", "interrupt_request", {}, {}, { timeoutMs: 10_000 });
      assert.equal(interrupt.content.status, "ok", `interrupt_reply ${i}`);
      const { reply } = await cell;
      outcomes.push(String(reply.content.ename));
      counts.push(reply.content.execution_count as number);
    }
    assert.deepEqual(new Set(outcomes), new Set(["KeyboardInterrupt"]), "every cell was interrupted, none restarted the session");
    assert.equal(resultText((await kernel.client.execute("survivor")).iopub), "'still here'");
    const start = first.reply.content.execution_count as number;
    assert.deepEqual(counts, Array.from({ length: ROUNDS }, (_, i) => start + 1 + i), "each cell ran once, in order");
    assert.ok(alive(kernel.child.pid!));
    assert.doesNotMatch(kernel.fullStderr(), /restarted/);
  });
});
