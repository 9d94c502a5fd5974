// The real kernel process over zeromq, driven by our own client: what only real sockets and a real
// process can show (heartbeat under load, signals, process exit, binding).
import "../support/private-state.js";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as zmq from "zeromq";
import { launchKernel, type LaunchedKernel } from "../../src/client/launch.js";
import { endpoint } from "../../src/protocol/connection.js";
import { WireCodec } from "../../src/protocol/wire.js";
import type { Message } from "../../src/protocol/messages.js";

const TSKERNEL = fileURLToPath(new URL("../../kernel/tskernel.js", import.meta.url));

/** Running: a zombie (killed, not yet reaped by whoever inherited it) does not count. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return check();
}

function resultOf(iopub: Message[]): string | undefined {
  const r = iopub.find((m) => m.header.msg_type === "execute_result");
  return (r?.content.data as Record<string, string> | undefined)?.["text/plain"];
}

/** Runs `code` until the first stream message arrives, stops it with `stop`, and returns the outcome. */
async function interruptWhileStreaming(kernel: LaunchedKernel, code: string, stop: () => Promise<unknown> | void) {
  let streamed = "";
  let sawOutput!: () => void;
  const outputSeen = new Promise<void>((r) => (sawOutput = r));
  const running = kernel.client.execute(code, {
    onIopub: (m) => {
      if (m.header.msg_type === "stream") {
        streamed += m.content.text as string;
        sawOutput();
      }
    },
  });
  await outputSeen;
  const t0 = Date.now();
  await stop();
  const result = await running;
  return { result, streamed, elapsed: Date.now() - t0 };
}

describe("the kernel over zeromq", () => {
  let kernel: LaunchedKernel;
  before(async () => {
    kernel = await launchKernel();
  });
  after(() => kernel.shutdown());

  test("a replayed message is ignored; the next fresh one is answered", async () => {
    await kernel.client.execute("let replays = 0");
    const msg = kernel.client.message("execute_request", { code: "replays += 1", silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true });
    const frames = kernel.client.encode(msg);
    const replies: Message[] = [];
    const onReply = (_channel: string, m: Message) => {
      if ((m.parent_header as { msg_id?: string }).msg_id === msg.header.msg_id) replies.push(m);
    };
    kernel.client.on("reply", onReply);
    await kernel.client.sendFrames("shell", frames);
    await waitUntil(() => replies.length === 1, 5000);
    await kernel.client.sendFrames("shell", frames);
    const check = await kernel.client.execute("replays");
    kernel.client.off("reply", onReply);
    assert.equal(replies.length, 1);
    assert.equal(resultOf(check.iopub), "1", "the replayed cell did not run again");
    assert.match(kernel.stderr(), /replayed/);
  });

  test("the heartbeat and control answer while a cell loops; interrupt_request stops it, output streamed live", async () => {
    await kernel.client.execute("const kept = 'kept'");
    const { result, streamed, elapsed } = await interruptWhileStreaming(
      kernel,
      'console.log("before the loop"); while (true) {}',
      async () => {
        assert.equal(await kernel.client.heartbeat(1000), true, "heartbeat during the loop");
        const info = await kernel.client.request("control", "kernel_info_request", {}, {}, { timeoutMs: 1000 });
        assert.equal(info.content.status, "ok");
        await kernel.client.request("control", "interrupt_request", {});
      },
    );
    assert.equal(streamed, "before the loop\n", "printed before the interrupt, while the loop ran");
    assert.equal(result.reply.content.ename, "KeyboardInterrupt");
    assert.ok(result.iopub.some((m) => m.header.msg_type === "error" && m.content.ename === "KeyboardInterrupt"));
    assert.ok(elapsed < 2000, `stopped after ${elapsed} ms`);
    assert.equal(resultOf((await kernel.client.execute("kept")).iopub), "'kept'");
  });

  test("an interrupted top-level loop keeps the values its variables reached", async () => {
    const { result } = await interruptWhileStreaming(
      kernel,
      "let acc = 0, last = 0;\nconsole.log('looping');\nfor (let i = 1; i < 1e12; i++) { acc += 2; last = i; }",
      async () => {
        await new Promise((r) => setTimeout(r, 50));
        await kernel.client.request("control", "interrupt_request", {});
      },
    );
    assert.equal(result.reply.content.ename, "KeyboardInterrupt");
    assert.equal(resultOf((await kernel.client.execute("last > 0 && acc === 2 * last")).iopub), "true");
  });

  test("SIGINT stops a busy loop and a pending await; the session survives", async () => {
    for (const code of ['console.log("spin"); while (true) {}', 'console.log("wait"); await new Promise(() => {})']) {
      const { result } = await interruptWhileStreaming(kernel, code, () => {
        process.kill(kernel.child.pid!, "SIGINT");
      });
      assert.equal(result.reply.content.ename, "KeyboardInterrupt", code);
      assert.equal(resultOf((await kernel.client.execute("kept")).iopub), "'kept'");
    }
  });

  test("100,000 printed lines arrive complete and in order before the reply", async () => {
    const r = await kernel.client.execute("for (let i = 0; i < 100000; i++) console.log('line ' + i)");
    const text = r.iopub.filter((m) => m.header.msg_type === "stream").map((m) => m.content.text as string).join("");
    const lines = text.split("\n");
    assert.equal(lines.length, 100_001);
    assert.ok(lines.slice(0, -1).every((l, i) => l === `line ${i}`));
    assert.ok(r.iopub.filter((m) => m.header.msg_type === "stream").length <= 300);
  });

  test("a new iopub subscriber is sent iopub_welcome", async () => {
    const sub = new zmq.Subscriber();
    try {
      sub.subscribe("");
      sub.connect(endpoint(kernel.info, "iopub"));
      const codec = new WireCodec(kernel.info.key);
      const deadline = Date.now() + 5000;
      let welcome: Message | undefined;
      sub.receiveTimeout = 5000;
      while (!welcome && Date.now() < deadline) {
        const d = codec.decode(await sub.receive());
        if (d.ok && d.message.header.msg_type === "iopub_welcome") welcome = d.message;
      }
      assert.deepEqual(welcome?.content, { subscription: "" });
    } finally {
      sub.close();
    }
  });

  test("the sockets are bound to the connection file's ip only", () => {
    const table = readFileSync("/proc/net/tcp", "utf8");
    const ports = [kernel.info.shell_port, kernel.info.control_port, kernel.info.stdin_port, kernel.info.iopub_port, kernel.info.hb_port];
    for (const port of ports) {
      const hex = port.toString(16).toUpperCase().padStart(4, "0");
      const listening = table.split("\n").filter((l) => l.includes(`:${hex} 00000000:0000 0A`));
      assert.ok(listening.length > 0, `port ${port} listens`);
      for (const l of listening) assert.match(l.trim().split(/\s+/)[1], /^0100007F:/, `port ${port} bound to 127.0.0.1 only`);
    }
  });
});

describe("kernel lifetime", () => {
  for (const restart of [false, true]) {
    test(`shutdown_request (restart: ${restart}) exits within a second, leaving no child process`, async () => {
      const kernel = await launchKernel();
      try {
        const r = await kernel.client.execute(
          "const { spawn } = require('node:child_process'); const child = spawn('sleep', ['300']); " +
            "setInterval(() => {}, 1000); new Promise(() => {}); child.pid",
        );
        const childPid = Number(resultOf(r.iopub));
        assert.ok(alive(childPid), "the cell's child process runs");
        const t0 = Date.now();
        const reply = await kernel.client.request("control", "shutdown_request", { restart });
        assert.deepEqual(reply.content, { status: "ok", restart });
        assert.ok(await waitUntil(() => kernel.child.exitCode !== null || kernel.child.signalCode !== null, 1000), "the kernel exited");
        assert.ok(Date.now() - t0 < 1000);
        assert.equal(kernel.child.exitCode, 0);
        assert.ok(await waitUntil(() => !alive(childPid), 1000), "the child process is gone");
      } finally {
        await kernel.shutdown();
      }
    });
  }
});

describe("bad start-up input stops the kernel with a clear message", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsk-badconn-"));
  const run = (file: string) => spawnSync(process.execPath, [TSKERNEL, "kernel", "-f", file], { encoding: "utf8", timeout: 10_000 });

  test("an unreadable connection file", () => {
    const r = run(join(dir, "missing.json"));
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /cannot read connection file .*missing\.json/);
  });

  test("an unsupported signature scheme", () => {
    const file = join(dir, "md5.json");
    writeFileSync(file, JSON.stringify({ ip: "127.0.0.1", transport: "tcp", shell_port: 1, control_port: 2, stdin_port: 3, iopub_port: 4, hb_port: 5, key: "k", signature_scheme: "hmac-md5" }));
    const r = run(file);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /unsupported signature_scheme "hmac-md5"/);
  });

  test("a missing -f", () => {
    const r = spawnSync(process.execPath, [TSKERNEL, "kernel"], { encoding: "utf8" });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /missing -f CONNECTION_FILE/);
  });
});
