// User code that exits, overflows the stack, throws later, rejects unhandled or exhausts memory: the
// cell (or, for a callback, the cell that started it) says what happened, and the kernel answers next.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Message } from "../../src/protocol/messages.js";
import { alive, launchWatched, parentId, resultText, streamText, waitUntil, type WatchedKernel } from "./support.js";

// A small heap makes running out of memory quick to reach; the kernel passes the flag on to the session.
const HEAP_MB = 384;

describe("user code that takes its session down, or tries to", () => {
  let kernel: WatchedKernel;
  /** Every iopub message, also those that come after their cell's idle status. */
  const iopub: Message[] = [];
  before(async () => {
    kernel = await launchWatched({ env: { ...process.env, NODE_OPTIONS: `--max-old-space-size=${HEAP_MB}` } });
    kernel.client.on("iopub", (m) => iopub.push(m));
  });
  after(() => kernel.shutdown());

  const run = async (code: string) => {
    const r = await kernel.client.execute(code, { timeoutMs: 120_000 });
    return { ...r, id: parentId(r.reply)! };
  };
  /** Stderr of a cell, including what arrives after the cell finished. */
  const laterStderr = (id: string) => streamText(iopub.filter((m) => parentId(m) === id), "stderr");
  const answersNext = async () => {
    assert.equal(resultText((await run("1 + 1")).iopub), "2", "the next cell runs");
    assert.ok(alive(kernel.child.pid!), "the kernel process runs");
  };

  test("infinite recursion: a RangeError that names the cell line; the session keeps its variables", async () => {
    await run("let keptThroughRecursion = 'kept'");
    const r = await run("function down(n: number): number {\n  return down(n + 1) + 1;\n}\ndown(0)");
    assert.equal(r.reply.content.status, "error");
    assert.equal(r.reply.content.ename, "RangeError");
    assert.equal(r.reply.content.evalue, "Maximum call stack size exceeded");
    const traceback = (r.reply.content.traceback as string[]).join("\n");
    assert.match(traceback, /at down \(Cell In\[\d+\], line 2, column \d+\)\n    \[the frame above repeated \d+ more times\]/, "the recursion's frames are collapsed");
    assert.doesNotMatch(traceback, /runner\.js|entry\.js|node:internal/, "no kernel frames");
    assert.equal(resultText((await run("keptThroughRecursion")).iopub), "'kept'");
  });

  test("code nested too deeply for the compiler: a SyntaxError that says so, without TypeScript's frames", async () => {
    const nested = `${"(".repeat(20_000)}1${")".repeat(20_000)}`;
    const r = await run(nested);
    assert.equal(r.reply.content.ename, "SyntaxError");
    assert.match(r.reply.content.evalue as string, /^The code of Cell In\[\d+\] \(or of a local module it imports\) is nested too deeply for the TypeScript compiler .*split the deepest expression/);
    assert.doesNotMatch((r.reply.content.traceback as string[]).join("\n"), /typescript\.js/);
    await answersNext();
  });

  test("an exception thrown in a timer is reported in the cell that started the timer", async () => {
    await run("let keptThroughTimer = 'kept'");
    const r = await run('setTimeout(() => { throw new Error("thrown later") }, 20); "started"');
    assert.equal(r.reply.content.status, "ok");
    assert.ok(await waitUntil(() => laterStderr(r.id).includes("Error: thrown later"), 10_000), "the error reaches the cell");
    assert.match(laterStderr(r.id), /Uncaught exception in a callback: Error: thrown later\n\s+at .*\(Cell In\[\d+\], line 1/);
    assert.equal(resultText((await run("keptThroughTimer")).iopub), "'kept'");
  });

  test("a rejected promise that nobody handles is reported in its cell", async () => {
    const r = await run('Promise.reject(new TypeError("never handled")); setTimeout(() => Promise.reject(new RangeError("rejected later")), 20); 1');
    assert.equal(resultText(r.iopub), "1");
    // Wait for the error itself: the first report quotes the cell's source, which mentions it too.
    assert.ok(await waitUntil(() => laterStderr(r.id).includes("RangeError: rejected later"), 10_000), "the later rejection reaches the cell");
    assert.match(laterStderr(r.id), /Unhandled promise rejection: TypeError: never handled/);
    assert.match(laterStderr(r.id), /Unhandled promise rejection: RangeError: rejected later/);
    await answersNext();
  });

  test("process.exit() in a cell: the cell says the session restarted, and the next cell runs in a new one", async () => {
    await run("let lostOnExit = 1");
    const r = await run("process.exit(3)");
    assert.equal(r.reply.content.status, "error");
    assert.equal(r.reply.content.ename, "SessionRestarted");
    assert.match(r.reply.content.evalue as string, /process\.exit\(3\).*variables are lost/);
    assert.ok(r.iopub.some((m) => m.header.msg_type === "error" && m.content.ename === "SessionRestarted"), "an error on iopub");
    const gone = await run("lostOnExit");
    assert.match(gone.reply.content.evalue as string, /Cannot find name 'lostOnExit'/, "the new session starts empty");
    await answersNext();
  });

  test("process.exit() in a timer: the cell that ran last says the session restarted", async () => {
    const r = await run("setTimeout(() => process.exit(4), 20); 'exiting soon'");
    assert.equal(r.reply.content.status, "ok");
    assert.ok(await waitUntil(() => laterStderr(r.id).includes("SessionRestarted:"), 10_000), "the restart is reported in the cell");
    assert.match(laterStderr(r.id), /SessionRestarted: the session ended \(process\.exit\(4\) was called\)/);
    await answersNext();
  });

  test("allocating until out of memory restarts the session with a message; the kernel answers", async (t) => {
    await run("let lostToMemory = 1");
    const t0 = Date.now();
    const r = await run("const hoard: string[] = [];\nwhile (true) hoard.push('x'.repeat(1e6) + hoard.length);");
    t.diagnostic(`out of memory reported after ${((Date.now() - t0) / 1000).toFixed(1)} s with a ${HEAP_MB} MB heap`);
    assert.equal(r.reply.content.ename, "SessionRestarted");
    assert.match(r.reply.content.evalue as string, new RegExp(`ran out of memory \\(its heap limit is ${HEAP_MB} MB\\).*variables are lost`));
    assert.equal(await kernel.client.heartbeat(2000), true);
    await answersNext();
    assert.match(kernel.fullStderr(), /ran out of memory/);
  });
});
