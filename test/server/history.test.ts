// history_request through the protocol server: what a cell leaves in history, and bad requests.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { MemoryKernel } from "../support/memory-kernel.js";

describe("history through the server", () => {
  const k = new MemoryKernel();
  before(() => k.start());
  after(() => k.close());

  const history = async (content: Record<string, unknown>) => (await k.call("shell", "history_request", content)).reply.content;

  test("a cell's input and the text of its result are recorded; silent and unstored cells are not", async () => {
    await k.execute("6*7");
    await k.execute("let quiet = 1");
    await k.execute("'hidden'", { silent: true });
    await k.execute("'unstored'", { store_history: false });
    await k.execute("throw new Error('boom')");
    const { history: rows } = await history({ hist_access_type: "tail", n: 3, output: true, raw: true });
    assert.deepEqual(
      (rows as [number, number, [string, string | null]][]).map(([, , pair]) => pair),
      [["6*7", "42"], ["let quiet = 1", null], ["throw new Error('boom')", null]],
    );
  });

  test("a request the history cannot answer gets an error reply that says what was wrong", async () => {
    const kind = await history({ hist_access_type: "everything", output: false, raw: true });
    assert.equal(kind.status, "error");
    assert.equal(kind.ename, "BadRequest");
    assert.match(kind.evalue as string, /hist_access_type must be "tail", "range" or "search", not "everything"/);
    const n = await history({ hist_access_type: "tail", n: "3", output: false, raw: true });
    assert.equal(n.ename, "BadRequest");
    assert.match(n.evalue as string, /content\.n must be a number/);
  });
});
