// What a client without the key can do (nothing), what the kernel exposes (only the connection
// file's address) and what it reveals (never the key), against the real kernel process.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { KernelClient } from "../../src/client/kernel-client.js";
import type { ConnectionInfo } from "../../src/protocol/connection.js";
import { WireCodec } from "../../src/protocol/wire.js";
import { launchWatched, waitUntil, type WatchedKernel } from "./support.js";

const TSKERNEL = fileURLToPath(new URL("../../kernel/tskernel.js", import.meta.url));

/** An execute_request whose code writes `file`: if the file appears, the message was executed. */
function writeCell(client: KernelClient, file: string) {
  return client.message("execute_request", {
    code: `require("node:fs").writeFileSync(${JSON.stringify(file)}, "executed");`,
    silent: false,
    store_history: true,
    user_expressions: {},
    allow_stdin: false,
    stop_on_error: false,
  });
}

describe("a client without the key", () => {
  let kernel: WatchedKernel;
  let stdout = "";
  const dir = mkdtempSync(join(tmpdir(), "tsk-forged-"));
  before(async () => {
    kernel = await launchWatched();
    kernel.child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  });
  after(async () => {
    await kernel.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  const dropped = () => kernel.fullStderr().split("\n").filter((l) => l.includes("dropped a message on shell")).length;

  test("cannot run code: unsigned, forged, tampered and replayed execute requests never execute", async () => {
    const client = kernel.client;
    const droppedBefore = dropped();
    const forgeries: Array<[string, Buffer[]]> = [];
    const unsigned = client.encode(writeCell(client, join(dir, "unsigned")));
    unsigned[1] = Buffer.alloc(0);
    forgeries.push(["unsigned", unsigned]);
    const wrongKey = writeCell(client, join(dir, "wrong-key"));
    forgeries.push(["signed with another key", new WireCodec("guessed-key").encode(wrongKey)]);
    const tampered = client.encode(client.message("execute_request", { code: "1 + 1" }));
    tampered[5] = Buffer.from(JSON.stringify({ code: `require("node:fs").writeFileSync(${JSON.stringify(join(dir, "tampered"))}, "x")` }));
    forgeries.push(["content changed after signing", tampered]);
    const borrowed = client.encode(writeCell(client, join(dir, "borrowed")));
    borrowed[1] = client.encode(client.message("kernel_info_request", {}))[1];
    forgeries.push(["signature of another message", borrowed]);
    for (const [, frames] of forgeries) await client.sendFrames("shell", frames);

    // A whole client with a wrong key, on its own connection.
    const stranger = KernelClient.connect({ ...kernel.info, key: "not-the-key" });
    try {
      await stranger.send("shell", writeCell(stranger, join(dir, "stranger")));
      assert.ok(await waitUntil(() => dropped() >= droppedBefore + forgeries.length + 1, 10_000), "every forged message was dropped");
    } finally {
      stranger.close();
    }

    // A valid message, run once, then replayed byte for byte after its file was removed.
    const replayFile = join(dir, "replayed");
    const valid = client.encode(writeCell(client, replayFile));
    await client.sendFrames("shell", valid);
    assert.ok(await waitUntil(() => existsSync(replayFile), 30_000), "the signed request runs");
    rmSync(replayFile);
    await client.sendFrames("shell", valid);
    // Shell requests are handled in order: once this one is answered, the replay has been handled.
    const sync = await client.execute("'in order'", { timeoutMs: 30_000 });
    assert.equal(sync.reply.content.status, "ok");

    for (const name of ["unsigned", "wrong-key", "tampered", "borrowed", "stranger", "replayed"]) {
      assert.equal(existsSync(join(dir, name)), false, `the ${name} request must not run`);
    }
    assert.match(kernel.fullStderr(), /dropped a message on shell: replayed/);
  });

  test("the key never reaches the kernel's output, whatever went wrong", async () => {
    const client = kernel.client;
    await client.execute("throw new Error('a failing cell')");
    await client.sendFrames("control", [Buffer.from("<IDS|MSG>"), Buffer.from("0".repeat(64)), Buffer.from("{"), Buffer.from("{}"), Buffer.from("{}"), Buffer.from("{}")]);
    await client.execute("process.exit(2)");
    const looping = client.execute("while (true) {}");
    await new Promise((r) => setTimeout(r, 200));
    await client.request("control", "interrupt_request", {});
    await looping;
    await client.execute("console.error(Object.keys(process.env).length)");
    assert.equal((await client.execute("1")).reply.content.status, "ok");
    assert.match(kernel.fullStderr(), /process\.exit\(2\) was called\) and a new one was started/, "the session's faults were logged");
    for (const output of [kernel.fullStderr(), stdout]) {
      assert.ok(!output.includes(kernel.info.key), "the key is not in the output");
      assert.ok(!output.includes(kernel.info.key.slice(0, 16)), "no part of the key is in the output");
    }
  });
});

/** Free ports on `host`: bound together so they differ, then released for the kernel. */
async function freePorts(host: string, count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
      const s = createServer();
      s.once("error", reject);
      s.listen(0, host, () => resolve(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** Local addresses (as hex, e.g. 0200007F) of the TCP sockets listening on `port`. */
function listeners(port: number): string[] {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  return readFileSync("/proc/net/tcp", "utf8")
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[1]?.endsWith(`:${hex}`) && f[3] === "0A")
    .map((f) => f[1].split(":")[0]);
}

function refused(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", (e: NodeJS.ErrnoException) => resolve(e.code === "ECONNREFUSED"));
  });
}

describe("the kernel's sockets", () => {
  test("are bound to the connection file's ip, here 127.0.0.2, and to no other address", async () => {
    const host = "127.0.0.2";
    const dir = mkdtempSync(join(tmpdir(), "tsk-bind-"));
    const [shell, control, stdin, iopub, hb] = await freePorts(host, 5);
    const info: ConnectionInfo = {
      transport: "tcp", ip: host, shell_port: shell, control_port: control, stdin_port: stdin, iopub_port: iopub, hb_port: hb,
      key: "bind-test-key", signature_scheme: "hmac-sha256",
    };
    const file = join(dir, "kernel.json");
    writeFileSync(file, JSON.stringify(info));
    const child = spawn(process.execPath, [TSKERNEL, "kernel", "-f", file], { stdio: "ignore" });
    const client = KernelClient.connect(info);
    try {
      await client.waitForReady({ timeoutMs: 30_000 });
      for (const port of [shell, control, stdin, iopub, hb]) {
        assert.deepEqual(listeners(port), ["0200007F"], `port ${port} listens on ${host} only`);
        assert.equal(await refused("127.0.0.1", port), true, `port ${port} is closed on 127.0.0.1`);
      }
      await client.request("control", "shutdown_request", { restart: false }, {}, { timeoutMs: 10_000 });
      if (child.exitCode === null) await once(child, "exit");
    } finally {
      client.close();
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
