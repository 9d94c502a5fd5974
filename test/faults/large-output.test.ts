// Very large results and lines: delivered whole or elided with a notice, never a crash, and the
// kernel answers the next request.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { alive, launchWatched, resultText, streamText, type WatchedKernel } from "./support.js";

describe("very large output", () => {
  let kernel: WatchedKernel;
  before(async () => {
    kernel = await launchWatched();
  });
  after(() => kernel.shutdown());

  const answersNext = async () => {
    assert.equal(resultText((await kernel.client.execute("1 + 1", { timeoutMs: 30_000 })).iopub), "2");
    assert.ok(alive(kernel.child.pid!));
  };

  test("a 50 MB string result is shown elided, saying how much was left out", async () => {
    const r = await kernel.client.execute('"x".repeat(50_000_000)', { timeoutMs: 120_000 });
    assert.equal(r.reply.content.status, "ok");
    const text = resultText(r.iopub)!;
    assert.ok(text.length < 1_000_000, `the result is ${text.length} characters`);
    const left = /\.\.\. (\d+) more characters/.exec(text);
    assert.ok(left, "the result says it was elided");
    assert.equal(Number(left[1]) + (text.match(/x/g)?.length ?? 0), 50_000_000, "shown and left-out characters add up");
    await answersNext();
  });

  test("a 50 MB string held in an object is elided too", async () => {
    const r = await kernel.client.execute('({ big: "q".repeat(50_000_000), small: 1 })', { timeoutMs: 120_000 });
    const text = resultText(r.iopub)!;
    assert.ok(text.length < 1_000_000);
    assert.match(text, /more characters/);
    assert.match(text, /small: 1/);
    await answersNext();
  });

  test("one 10 MB printed line arrives complete", async () => {
    const r = await kernel.client.execute('console.log("y".repeat(10_000_000))', { timeoutMs: 120_000 });
    assert.equal(r.reply.content.status, "ok");
    const text = streamText(r.iopub, "stdout");
    assert.equal(text.length, 10_000_001);
    assert.ok(/^y+\n$/.test(text), "every character arrived, in order");
    await answersNext();
  });
});
