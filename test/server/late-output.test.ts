// Output that a cell's callbacks produce after the cell finished is published on that cell (its
// request is the parent), even while another cell runs; errors in such callbacks too, and the kernel
// goes on.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Message } from "../../src/protocol/messages.js";
import { MemoryKernel, resultText } from "../support/memory-kernel.js";

describe("late output lands on the cell that started it", () => {
  const k = new MemoryKernel();
  before(() => k.start());
  after(() => k.close());

  /** All stream text and display HTML published with `req` as parent. */
  const published = (req: Message) =>
    k
      .outputsOf(req)
      .map(({ msg }) => (msg.header.msg_type === "stream" ? msg.content.text : (msg.content.data as Record<string, string> | undefined)?.["text/html"]))
      .filter((t): t is string => typeof t === "string")
      .join("");

  /** Runs `first`, then `second` while `first`'s callbacks fire; returns both requests once `first` shows all of `expected`. */
  async function overlapping(first: string, second: string, expected: string[]): Promise<{ first: Message; second: Message }> {
    const a = k.request("shell", "execute_request", { code: first, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true });
    const ranA = await k.settle(a);
    assert.equal(ranA.reply.content.status, "ok", JSON.stringify(ranA.reply.content));
    const b = k.request("shell", "execute_request", { code: second, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true });
    const ranB = await k.settle(b);
    assert.equal(ranB.reply.content.status, "ok", JSON.stringify(ranB.reply.content));
    await k.waitFor(() => expected.every((e) => published(a).includes(e)), 5000).catch(() => undefined);
    for (const e of expected) assert.ok(published(a).includes(e), `"${e}" should be on the first cell; it has:\n${published(a)}\nthe second has:\n${published(b)}`);
    return { first: a, second: b };
  }

  test("timers, intervals, promise continuations, emitters and display() print into their cell", async () => {
    const first = [
      'import { EventEmitter } from "node:events";',
      "const bus = new EventEmitter();",
      'bus.on("tick", (n: number) => console.log(`event ${n}`));',
      'setTimeout(() => console.log("timeout"), 40);',
      "let ticks = 0;",
      "const every = setInterval(() => { process.stdout.write(`interval ${++ticks}\\n`); if (ticks === 2) clearInterval(every); }, 30);",
      'Promise.resolve().then(() => new Promise((r) => setTimeout(r, 50))).then(() => console.error("promise"));',
      'setTimeout(() => bus.emit("tick", 1), 60);',
      'const progress = display.html("<i>0%</i>");',
      'setTimeout(() => { display.html("<i>late display</i>"); progress.update("<i>100%</i>"); }, 70);',
    ].join("\n");
    const { first: a, second: b } = await overlapping(first, "await new Promise((r) => setTimeout(r, 400))", [
      "timeout",
      "interval 1\n",
      "interval 2\n",
      "promise\n",
      "event 1\n",
      "<i>late display</i>",
      "<i>100%</i>",
    ]);
    assert.equal(published(b), "", "nothing of the first cell reaches the second");
    const update = k.outputsOf(a).find((s) => s.msg.header.msg_type === "update_display_data");
    assert.ok(update, "the handle's update is published on the first cell");
  });

  test("a socket's data handler prints into the cell that started the server, not the cell that connects", async () => {
    const server = [
      'import { createServer } from "node:net";',
      "const server = createServer((socket) => socket.on(\"data\", (d) => { console.log(`received ${d}`); socket.end(); server.close(); }));",
      'await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));',
      "const port = (server.address() as { port: number }).port;",
    ].join("\n");
    const client = [
      'import { connect } from "node:net";',
      'const client = connect(port, "127.0.0.1", () => client.write("hello"));',
      'await new Promise((r) => client.on("close", r));',
    ].join("\n");
    const { second } = await overlapping(server, client, ["received hello\n"]);
    assert.equal(published(second), "");
  });

  test("errors thrown by callbacks and unhandled rejections are reported on their cell, and the kernel goes on", async () => {
    const first = [
      'setTimeout(() => { throw new RangeError("from a timer"); }, 30);',
      'setTimeout(() => { Promise.reject(new TypeError("rejected later")); }, 60);',
      'setTimeout(() => queueMicrotask(() => { throw new Error("from a microtask"); }), 90);',
    ].join("\n");
    const { second } = await overlapping(first, "await new Promise((r) => setTimeout(r, 400))", [
      "Uncaught exception in a callback: RangeError: from a timer",
      "Unhandled promise rejection: TypeError: rejected later",
      "Uncaught exception in a callback: Error: from a microtask",
    ]);
    assert.equal(published(second), "");
    assert.equal(resultText(await k.execute("1 + 1")), "2");
  });
});
