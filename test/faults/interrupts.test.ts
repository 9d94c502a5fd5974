// Interrupting a busy loop again and again must never cost the session its variables or lose a reply.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { alive, launchWatched, resultText, waitUntil, type WatchedKernel } from "./support.js";
import type { ExecuteResult } from "../../src/client/kernel-client.js";

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

describe("an interrupt while the compiler checks", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsk-interrupt-check-"));
  // 12,000 lines of typed functions: seconds of checking, with a point between any two where it can stop.
  const functions = (prefix: string, count: number) =>
    Array.from({ length: count }, (_, i) => `export function ${prefix}${i}(a: number, b: string): string[] {\n  return b.split(",").map((s) => s.repeat(a));\n}`).join("\n");
  writeFileSync(join(dir, "huge.ts"), `${functions("f", 4000)}\n`);
  let kernel: WatchedKernel;
  before(async () => {
    kernel = await launchWatched({ cwd: dir });
  });
  after(() => kernel.shutdown());

  /** Runs `code`, interrupting it as soon as it has started. */
  async function interrupted(code: string): Promise<ExecuteResult> {
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const cell = kernel.client.execute(code, { timeoutMs: 60_000, onIopub: (m) => m.header.msg_type === "execute_input" && started() });
    await running;
    await kernel.client.request("control", "interrupt_request", {}, {}, { timeoutMs: 10_000 });
    return cell;
  }

  test("stops a cell being checked, or the import of a module being checked, and the session goes on", async () => {
    await kernel.client.execute("let survivor = 'still here';");
    // Types only: once checked, the cell would be done at once, before an interrupt could stop its code.
    const types = Array.from({ length: 3000 }, (_, i) => `interface Shape${i}<T> { id: T; area(scale: number): number; parts: Shape${i}<T>[] }`).join("\n");
    const checking = await interrupted(`${types}\n"checked and ran"`);
    assert.equal(checking.reply.content.ename, "KeyboardInterrupt", String(checking.reply.content.evalue));
    assert.equal(resultText(checking.iopub), undefined);
    const importing = await interrupted("import { f1 } from './huge';");
    assert.equal(importing.reply.content.ename, "KeyboardInterrupt", String(importing.reply.content.evalue));
    assert.equal(resultText((await kernel.client.execute("survivor")).iopub), "'still here'");
    assert.equal(resultText((await kernel.client.execute("import { f2 } from './huge';\nf2(2, 'ab,c')", { timeoutMs: 60_000 })).iopub), "[ 'abab', 'cc' ]");
    assert.doesNotMatch(kernel.fullStderr(), /restarted/);
  });
});

describe("a cell stuck in a native call, which no interrupt reaches", () => {
  // Opening a pipe that nobody writes to waits in the operating system, where no interrupt reaches.
  const pipe = join(mkdtempSync(join(tmpdir(), "tsk-stuck-")), "never-written");
  execFileSync("mkfifo", [pipe]);
  const STUCK = `console.log('stuck from here');\nrequire('node:fs').readFileSync(${JSON.stringify(pipe)})`;

  /** Runs the stuck cell; resolves once it is in the native call, with the cell's own result. */
  async function runStuck(kernel: WatchedKernel): Promise<{ outcome: Promise<ExecuteResult> }> {
    const printed = new Promise<void>((resolve) => {
      kernel.client.on("iopub", (m) => {
        if (m.header.msg_type === "stream" && String(m.content.text).includes("stuck from here")) resolve();
      });
    });
    const outcome = kernel.client.execute(STUCK, { timeoutMs: 60_000 });
    outcome.catch(() => undefined);
    await printed;
    await new Promise((r) => setTimeout(r, 200));
    return { outcome };
  }

  test("the interrupt restarts the session, and shutdown_request still ends the kernel", async () => {
    const kernel = await launchWatched();
    try {
      const stuck = await runStuck(kernel);
      await kernel.client.request("control", "interrupt_request", {});
      assert.equal((await stuck.outcome).reply.content.ename, "SessionRestarted");
      assert.equal(resultText((await kernel.client.execute("1 + 1")).iopub), "2", "the new session runs cells");
      // The replaced session thread never stops: the kernel must not wait for it to exit.
      kernel.client.request("control", "shutdown_request", { restart: false }).catch(() => undefined);
      assert.ok(await waitUntil(() => !alive(kernel.child.pid!), 2500), "the kernel exited on its own");
    } finally {
      await kernel.shutdown();
    }
  });

  test("SIGTERM ends the kernel while the cell is still stuck", async () => {
    const kernel = await launchWatched();
    try {
      await runStuck(kernel);
      kernel.child.kill("SIGTERM");
      assert.ok(await waitUntil(() => !alive(kernel.child.pid!), 2500), "the kernel exited on its own");
    } finally {
      await kernel.shutdown();
    }
  });
});
