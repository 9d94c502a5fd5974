// 10,000 malformed multipart messages on shell and control against the real kernel over zeromq: it
// must not crash, must not answer what it drops or ignores, must answer every request exactly once,
// and must log each dropped message without flooding stderr.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Message } from "../../src/protocol/messages.js";
import { MalformedMessages, type Malformed } from "./malformed.js";
import { alive, launchWatched, parentId, resultText, waitUntil, type WatchedKernel } from "./support.js";

const SEED = 20240607;
const COUNT = 10_000;
const PROBE_EVERY = 250;

/** Sums a rate-limited kind in the log: lines shown, plus the counts of the summary lines. */
function logged(stderr: string, line: RegExp, kind: string): number {
  const shown = stderr.split("\n").filter((l) => line.test(l)).length;
  const summary = new RegExp(`(\\d+) more ${kind} not logged`, "g");
  let suppressed = 0;
  for (const m of stderr.matchAll(summary)) suppressed += Number(m[1]);
  return shown + suppressed;
}

describe("malformed messages on the wire", () => {
  let kernel: WatchedKernel;
  before(async () => {
    kernel = await launchWatched();
  });
  after(() => kernel.shutdown());

  test(`${COUNT} malformed messages (seed ${SEED}): no crash, no reply to dropped ones, every request answered once`, async (t) => {
    const replies = new Map<string, Message[]>();
    const onReply = (_channel: string, msg: Message) => {
      const id = parentId(msg);
      if (id !== undefined) replies.set(id, [...(replies.get(id) ?? []), msg]);
    };
    kernel.client.on("reply", onReply);
    const stderrBefore = kernel.fullStderr().length;
    const generator = new MalformedMessages(SEED, kernel.info.key);
    const sent: Malformed[] = [];
    const t0 = Date.now();
    for (let i = 0; i < COUNT; i++) {
      if (i % PROBE_EVERY === 0) sent.push(generator.probe(i % (2 * PROBE_EVERY) === 0 ? "shell" : "control"));
      sent.push(generator.next());
    }
    for (const m of sent) await kernel.client.sendFrames(m.channel, m.frames);
    const answered = sent.filter((m) => m.expected === "reply" || m.expected === "error");
    const allAnswered = await waitUntil(() => answered.every((m) => replies.has(m.msgId!)), 120_000);
    // A final request on each channel: anything the kernel would still answer has been answered by now.
    const last = await kernel.client.execute("1 + 1", { timeoutMs: 60_000 });
    await kernel.client.request("control", "kernel_info_request", {}, {}, { timeoutMs: 10_000 });
    const elapsedS = (Date.now() - t0) / 1000;
    kernel.client.off("reply", onReply);

    assert.ok(alive(kernel.child.pid!), "the kernel process runs");
    assert.equal(await kernel.client.heartbeat(2000), true, "the heartbeat answers");
    assert.equal(resultText(last.iopub), "2", "the next valid request is answered");
    const lost = answered.filter((m) => !replies.has(m.msgId!));
    assert.ok(allAnswered, `no reply to ${lost.length} requests, first: #${lost[0]?.index} ${lost[0]?.kind} ${lost[0]?.detail ?? ""}`);

    for (const m of sent) {
      const got = m.msgId === undefined ? [] : (replies.get(m.msgId) ?? []);
      const what = `#${m.index} ${m.kind} (${m.detail ?? ""}) on ${m.channel}`;
      if (m.expected === "none" || m.expected === "ignored" || m.expected === "unanswered") {
        // A replay carries the msg_id of the original, whose one reply is checked with the original.
        if (m.kind !== "replayed") assert.equal(got.length, 0, `${what} must get no reply`);
      } else {
        assert.equal(got.length, 1, `${what} must get exactly one reply`);
        if (m.expected === "error") {
          assert.equal(got[0].content.status, "error", what);
          assert.equal(got[0].content.ename, "BadRequest", what);
          assert.match(got[0].content.evalue as string, /content\.\w+/, `${what}: the error names the field`);
        }
      }
    }

    const dropped = sent.filter((m) => m.expected === "none").length;
    const ignored = sent.filter((m) => m.expected === "ignored").length;
    const stderr = () => kernel.fullStderr().slice(stderrBefore);
    const counts = () => [
      logged(stderr(), /dropped a message on (shell|control): /, "dropped messages"),
      logged(stderr(), /ignored unknown message type/, "unknown messages"),
    ];
    // The last second's summary lines come when that second is over.
    await waitUntil(() => counts()[0] === dropped && counts()[1] === ignored, 5000);
    assert.deepEqual(counts(), [dropped, ignored], "every dropped and every ignored message is counted in the log");
    const lines = stderr().split("\n").length - 1;
    // Rate-limited: a few lines a second for each kind, however many messages came.
    assert.ok(lines <= 25 * (elapsedS + 2), `${lines} log lines in ${elapsedS.toFixed(1)} s for ${dropped + ignored} bad messages`);
    assert.ok(!stderr().includes(kernel.info.key), "the key is never logged");
    const kinds = new Map<string, number>();
    for (const m of sent) kinds.set(m.kind, (kinds.get(m.kind) ?? 0) + 1);
    t.diagnostic(`${sent.length} messages in ${elapsedS.toFixed(1)} s, ${lines} log lines: ${[...kinds].map(([k, n]) => `${k} ${n}`).join(", ")}`);
  });
});
