// tskernel behind a real Jupyter server, driven by @jupyterlab/services the way JupyterLab drives it:
// REST to start/interrupt/restart/shut down, one WebSocket per connection for the channels.
import "../support/private-state.js";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { KernelManager, KernelMessage, ServerConnection, type Kernel } from "@jupyterlab/services";
import { WebSocket } from "ws";

// This file runs as dist/test/frontends/jupyterlab.test.js.
const TSKERNEL = fileURLToPath(new URL("../../kernel/tskernel.js", import.meta.url));
const PYTHON = "/usr/bin/python3";

interface Executed {
  reply: KernelMessage.IExecuteReplyMsg;
  iopub: KernelMessage.IIOPubMessage[];
}

async function execute(kernel: Kernel.IKernelConnection, code: string): Promise<Executed> {
  const iopub: KernelMessage.IIOPubMessage[] = [];
  const future = kernel.requestExecute({ code });
  future.onIOPub = (msg) => void iopub.push(msg);
  const reply = await future.done;
  return { reply, iopub };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `predicate` holds, polling; rejects with `what` after `timeoutMs`. */
async function waitFor(what: string, predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

describe("JupyterLab (@jupyterlab/services 7) through jupyter_server", () => {
  const temp = mkdtempSync(path.join(tmpdir(), "tskernel-lab-"));
  const token = randomBytes(24).toString("hex");
  let server: ChildProcess | undefined;
  let serverLog = "";
  let baseUrl = "";
  let manager: KernelManager | undefined;
  let secondManager: KernelManager | undefined;
  let settings: ServerConnection.ISettings;
  let kernel: Kernel.IKernelConnection;

  // Each step prints what the server logged when it fails: kernel launch errors only show up there.
  function step(name: string, body: () => Promise<void>): void {
    it(name, { timeout: 60_000 }, async () => {
      try {
        await body();
      } catch (e) {
        process.stderr.write(`--- jupyter_server log ---\n${serverLog}--- end of jupyter_server log ---\n`);
        throw e;
      }
    });
  }

  async function api(route: string): Promise<unknown> {
    const response = await fetch(`${baseUrl}${route}?token=${token}`);
    assert.equal(response.status, 200, `GET ${route}`);
    return response.json();
  }

  before(async () => {
    const prefix = path.join(temp, "prefix");
    const install = spawnSync(process.execPath, [TSKERNEL, "install", "--prefix", prefix], { encoding: "utf8" });
    assert.equal(install.status, 0, `tskernel install failed: ${install.stderr}`);

    const dirs = Object.fromEntries(
      ["runtime", "config", "data", "root"].map((name) => [name, mkdtempSync(path.join(temp, `${name}-`))]),
    );
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}/`;
    server = spawn(
      PYTHON,
      [
        "-m",
        "jupyter_server",
        "--ServerApp.ip=127.0.0.1",
        `--ServerApp.port=${port}`,
        `--ServerApp.token=${token}`,
        "--ServerApp.open_browser=False",
        "--allow-root",
        `--ServerApp.root_dir=${dirs.root}`,
      ],
      {
        cwd: dirs.root,
        stdio: ["ignore", "pipe", "pipe"],
        // Private Jupyter directories: only our kernelspec and no user configuration from this machine.
        env: {
          ...process.env,
          JUPYTER_PATH: path.join(prefix, "share", "jupyter"),
          JUPYTER_RUNTIME_DIR: dirs.runtime,
          JUPYTER_CONFIG_DIR: dirs.config,
          JUPYTER_DATA_DIR: dirs.data,
        },
      },
    );
    server.stdout!.on("data", (chunk: Buffer) => (serverLog += chunk.toString()));
    server.stderr!.on("data", (chunk: Buffer) => (serverLog += chunk.toString()));
    let exited: string | undefined;
    server.once("error", (e) => (exited = `could not start ${PYTHON}: ${e.message}`));
    server.once("exit", (code, signal) => (exited = `jupyter_server exited (code ${code}, signal ${signal})`));

    const deadline = Date.now() + 60_000;
    for (;;) {
      if (exited) assert.fail(`${exited}; is python3-jupyter-server installed?\n${serverLog}`);
      if (Date.now() > deadline) assert.fail(`jupyter_server did not list tskernel within 60 s\n${serverLog}`);
      try {
        const specs = (await api("api/kernelspecs")) as { kernelspecs: Record<string, unknown> };
        if ("tskernel" in specs.kernelspecs) break;
      } catch {
        // Not listening yet.
      }
      await sleep(200);
    }

    settings = ServerConnection.makeSettings({
      baseUrl,
      wsUrl: `ws://127.0.0.1:${port}/`,
      token,
      // ws implements the browser WebSocket API that services uses, though its typings differ from the DOM's.
      WebSocket: WebSocket as unknown as ServerConnection.ISettings["WebSocket"],
      fetch,
    });
    manager = new KernelManager({ serverSettings: settings });
    await manager.ready;
  });

  after(async () => {
    manager?.dispose();
    secondManager?.dispose();
    // A server that failed to spawn has no pid and will never emit "exit".
    if (server?.pid !== undefined && server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((resolve) => server!.once("exit", resolve));
      server.kill("SIGTERM");
      const killer = setTimeout(() => server!.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(temp, { recursive: true, force: true });
  });

  step("starts tskernel and reports TypeScript in kernel_info", async () => {
    kernel = await manager!.startNew({ name: "tskernel" });
    // JupyterLab waits for the kernel_info the connection asks for on connecting before it sends anything else.
    assert.equal((await kernel.info).language_info.name, "typescript");
    const info = await kernel.requestKernelInfo();
    assert.ok(info, "a kernel_info_reply");
    assert.equal(info.content.status, "ok");
    assert.equal(info.content.language_info.name, "typescript");
  });

  step("executes a cell: printed output, then its value as execute_result [1]", async () => {
    const { reply, iopub } = await execute(kernel, "const answer = 6 * 7;\nconsole.log('printed');\nanswer");
    assert.equal(reply.content.status, "ok");
    assert.equal(reply.content.execution_count, 1);
    assert.deepEqual(
      iopub.filter(KernelMessage.isStreamMsg).map((m) => [m.content.name, m.content.text]),
      [["stdout", "printed\n"]],
    );
    const results = iopub.filter(KernelMessage.isExecuteResultMsg);
    assert.equal(results.length, 1);
    assert.equal(results[0].content.data["text/plain"], "42");
    assert.equal(results[0].content.execution_count, 1);
  });

  step("completes Math.ma with max", async () => {
    const reply = await kernel.requestComplete({ code: "Math.ma", cursor_pos: 7 });
    assert.ok(reply.content.status === "ok", `expected status ok, got ${reply.content.status}`);
    assert.ok(reply.content.matches.includes("max"), `matches: ${reply.content.matches.join(", ")}`);
  });

  step("inspects Math.max", async () => {
    const reply = await kernel.requestInspect({ code: "Math.max", cursor_pos: 8, detail_level: 0 });
    assert.ok(reply.content.status === "ok", `expected status ok, got ${reply.content.status}`);
    assert.equal(reply.content.found, true);
    assert.ok(String(reply.content.data["text/plain"] ?? "").length > 0, "a text/plain description");
  });

  step("shows a thrown error with a traceback that points into the cell", async () => {
    const { reply, iopub } = await execute(kernel, 'throw new Error("boom")');
    assert.ok(reply.content.status === "error", `expected status error, got ${reply.content.status}`);
    assert.equal(reply.content.ename, "Error");
    assert.equal(reply.content.evalue, "boom");
    assert.match(reply.content.traceback.join("\n"), /Cell In\[/);
    const errors = iopub.filter(KernelMessage.isErrorMsg);
    assert.equal(errors.length, 1);
    assert.match(errors[0].content.traceback.join("\n"), /Cell In\[/);
  });

  step("interrupts an endless loop from the toolbar and keeps the session", async () => {
    const future = kernel.requestExecute({ code: "while (true) {}" });
    let running = false;
    future.onIOPub = (msg) => void (running ||= KernelMessage.isExecuteInputMsg(msg));
    // The user presses stop once the cell shows as running.
    await waitFor("the loop to start", () => running, 10_000);
    await sleep(300);
    const interrupted = kernel.interrupt();
    const reply = await Promise.race([
      future.done,
      sleep(2000).then(() => assert.fail("no execute_reply within 2 s of the interrupt")),
    ]);
    await interrupted;
    assert.ok(reply.content.status === "error", `expected status error, got ${reply.content.status}`);
    assert.equal(reply.content.ename, "KeyboardInterrupt");

    const { reply: after, iopub } = await execute(kernel, "answer");
    assert.equal(after.content.status, "ok");
    assert.equal(iopub.filter(KernelMessage.isExecuteResultMsg)[0]?.content.data["text/plain"], "42");
  });

  step("a second connection (another JupyterLab window) sees the first one's cell on iopub", async () => {
    secondManager = new KernelManager({ serverSettings: settings });
    await secondManager.ready;
    const second = secondManager.connectTo({ model: kernel.model });
    const seen: KernelMessage.IIOPubMessage[] = [];
    second.iopubMessage.connect((_, msg) => void seen.push(msg));
    // The kernel_info reply over its own socket shows the second connection's channels are up.
    await second.info;

    const code = "console.log('from the first window')";
    const future = kernel.requestExecute({ code });
    const requestId = future.msg.header.msg_id;
    await future.done;
    const fromRequest = () => seen.filter((m) => (m.parent_header as { msg_id?: string }).msg_id === requestId);
    await waitFor(
      "the second connection to see execute_input, stream and idle",
      () => fromRequest().some((m) => KernelMessage.isStatusMsg(m) && m.content.execution_state === "idle"),
      5000,
    );
    const relayed = fromRequest();
    assert.ok(
      relayed.some((m) => KernelMessage.isExecuteInputMsg(m) && m.content.code === code),
      "execute_input with the first window's code",
    );
    assert.ok(
      relayed.some((m) => KernelMessage.isStreamMsg(m) && m.content.text === "from the first window\n"),
      "the printed line",
    );
    second.dispose();
  });

  step("comms both ways: a Lab comm to a kernel target, a kernel comm to a Lab target, comm_info", async () => {
    const registered = await execute(
      kernel,
      'comms.registerTarget("lab-echo", (comm, open) => comm.onMessage((data) => comm.send({ echoed: data.text, opened: open.data.n })));',
    );
    assert.equal(registered.reply.content.status, "ok");
    const comm = kernel.createComm("lab-echo");
    const echoes: unknown[] = [];
    comm.onMsg = (msg) => void echoes.push(msg.content.data);
    await comm.open({ n: 7 }).done;
    await comm.send({ text: "hi" }).done;
    await waitFor("the kernel's echo", () => echoes.length > 0, 5000);
    assert.deepEqual(echoes, [{ echoed: "hi", opened: 7 }]);
    const info = await kernel.requestCommInfo({ target_name: "lab-echo" });
    assert.ok(info.content.status === "ok", `expected status ok, got ${info.content.status}`);
    assert.deepEqual(info.content.comms, { [comm.commId]: { target_name: "lab-echo" } });

    const received: unknown[] = [];
    kernel.registerCommTarget("lab-view", (opened, msg) => {
      received.push(msg.content.data);
      opened.onMsg = (m) => void received.push(m.content.data);
    });
    const opened = await execute(kernel, 'const view = comms.open("lab-view", { title: "chart" });\nview.send({ step: 1 });');
    assert.equal(opened.reply.content.status, "ok");
    await waitFor("the kernel's comm_open and comm_msg", () => received.length === 2, 5000);
    assert.deepEqual(received, [{ title: "chart" }, { step: 1 }]);
  });

  step("input(): the input box's answer reaches the cell", async () => {
    const future = kernel.requestExecute({ code: 'const typed = await input("Your name: ");\n`hi ${typed}`', allow_stdin: true });
    const prompts: string[] = [];
    future.onStdin = (msg) => {
      if (!KernelMessage.isInputRequestMsg(msg)) return;
      prompts.push(msg.content.prompt);
      kernel.sendInputReply({ status: "ok", value: "Lab" }, msg.header as KernelMessage.IInputReplyMsg["parent_header"]);
    };
    const results: KernelMessage.IIOPubMessage[] = [];
    future.onIOPub = (msg) => void (KernelMessage.isExecuteResultMsg(msg) && results.push(msg));
    const reply = await future.done;
    assert.equal(reply.content.status, "ok");
    assert.deepEqual(prompts, ["Your name: "]);
    assert.equal((results[0]?.content as KernelMessage.IExecuteResultMsg["content"] | undefined)?.data["text/plain"], "'hi Lab'");
  });

  step("restart gives a fresh session", async () => {
    await kernel.restart();
    const { reply } = await execute(kernel, "answer");
    assert.equal(reply.content.execution_count, 1, "counting starts again at [1]");
    assert.ok(reply.content.status === "error", `answer should be gone after a restart, got status ${reply.content.status}`);
    // The fresh session's type checker no longer knows the name either.
    assert.equal(reply.content.ename, "TypeCheckError");
    assert.match(reply.content.evalue, /Cannot find name 'answer'/);

    const { reply: sum, iopub } = await execute(kernel, "1+1");
    assert.equal(sum.content.status, "ok");
    assert.equal(iopub.filter(KernelMessage.isExecuteResultMsg)[0]?.content.data["text/plain"], "2");
  });

  step("shutdown leaves no kernel running on the server", async () => {
    await kernel.shutdown();
    assert.deepEqual(await api("api/kernels"), []);
  });
});
