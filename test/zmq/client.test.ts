// The client against the real kernel process over ZeroMQ, and `tskernel run` end to end.
import "../support/private-state.js";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { launchKernel, type LaunchedKernel } from "../../src/client/launch.js";
import type { Message } from "../../src/protocol/messages.js";

const TSKERNEL_JS = fileURLToPath(new URL("../../kernel/tskernel.js", import.meta.url));

const parentId = (msg: Message): string | undefined => (msg.parent_header as { msg_id?: string }).msg_id;

describe("KernelClient with a launched kernel (tcp)", () => {
  let kernel: LaunchedKernel;
  before(async () => {
    kernel = await launchKernel();
  });
  after(async () => {
    await kernel?.shutdown();
  });

  it("gets kernel_info over shell and over control", async () => {
    for (const channel of ["shell", "control"] as const) {
      const reply = await kernel.client.request(channel, "kernel_info_request", {}, {}, { timeoutMs: 10_000 });
      assert.equal(reply.header.msg_type, "kernel_info_reply");
      assert.equal(reply.content.status, "ok");
      assert.equal((reply.content.language_info as { name: string }).name, "typescript");
    }
  });

  it("evaluates 1+1 to an execute_result of 2 with execution_count 1", async () => {
    const everything: Message[] = [];
    const listener = (msg: Message): void => void everything.push(msg);
    kernel.client.on("iopub", listener);
    const { reply, iopub } = await kernel.client.execute("1+1", { timeoutMs: 60_000 });
    kernel.client.off("iopub", listener);

    assert.equal(reply.header.msg_type, "execute_reply");
    assert.equal(reply.content.status, "ok");
    assert.equal(reply.content.execution_count, 1);
    const requestId = parentId(reply);
    assert.ok(requestId);

    const types = iopub.map((m) => m.header.msg_type);
    assert.equal(types[0], "status");
    assert.equal(iopub[0].content.execution_state, "busy");
    assert.equal(types.at(-1), "status");
    assert.equal(iopub.at(-1)!.content.execution_state, "idle");
    assert.ok(types.indexOf("execute_input") < types.indexOf("execute_result"), types.join(", "));
    for (const msg of iopub) assert.equal(parentId(msg), requestId, `${msg.header.msg_type} has the request as parent`);
    // Nothing else on iopub claimed this request as parent.
    assert.deepEqual(
      everything.filter((m) => parentId(m) === requestId).map((m) => m.header.msg_id),
      iopub.map((m) => m.header.msg_id),
    );

    const result = iopub.find((m) => m.header.msg_type === "execute_result")!;
    assert.equal(result.content.execution_count, 1);
    assert.equal((result.content.data as Record<string, unknown>)["text/plain"], "2");
    // The kernel sends the reply before it reports idle.
    const idle = iopub.at(-1)!;
    assert.ok(reply.header.date <= idle.header.date, `reply ${reply.header.date} vs idle ${idle.header.date}`);
  });

  it("reports an error in the reply and on iopub", async () => {
    const { reply, iopub } = await kernel.client.execute('throw new Error("boom")', { timeoutMs: 60_000 });
    assert.equal(reply.content.status, "error");
    assert.match(String(reply.content.evalue), /boom/);
    const error = iopub.find((m) => m.header.msg_type === "error");
    assert.ok(error, "an error message on iopub");
    assert.ok(Array.isArray(error.content.traceback));
  });

  it("answers the heartbeat", async () => {
    assert.equal(await kernel.client.heartbeat(5000), true);
  });

  it("ignores a request with a bad signature and keeps serving", async () => {
    const forged = kernel.client.message("kernel_info_request", {});
    const frames = kernel.client.encode(forged);
    frames[1] = Buffer.from("0".repeat(64));
    const replies: Message[] = [];
    const onReply = (_channel: string, msg: Message): void => void replies.push(msg);
    kernel.client.on("reply", onReply);
    await kernel.client.sendFrames("shell", frames);
    const reply = await kernel.client.request("shell", "kernel_info_request", {}, {}, { timeoutMs: 10_000 });
    kernel.client.off("reply", onReply);
    assert.equal(reply.content.status, "ok");
    assert.ok(!replies.some((m) => parentId(m) === forged.header.msg_id), "no reply to the forged request");
  });
});

describe("KernelClient with a launched kernel (ipc)", () => {
  it("starts, answers kernel_info and shuts down, removing its files", async () => {
    const kernel = await launchKernel({ transport: "ipc" });
    try {
      assert.equal((kernel.kernelInfo.content.language_info as { name: string }).name, "typescript");
      const reply = await kernel.client.request("control", "kernel_info_request", {}, {}, { timeoutMs: 10_000 });
      assert.equal(reply.content.status, "ok");
    } finally {
      await kernel.shutdown();
    }
    assert.ok(kernel.child.exitCode !== null || kernel.child.signalCode !== null, "the kernel exited");
    await assert.rejects(readFile(kernel.connectionFile), { code: "ENOENT" });
  });
});

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TSKERNEL_JS, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

function notebookWith(sources: string[]): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { authors: ["test"] },
    cells: [
      { cell_type: "markdown", id: "intro", metadata: {}, source: "# A test" },
      ...sources.map((source, i) => ({
        cell_type: "code",
        id: `cell-${i}`,
        metadata: {},
        source,
        outputs: [],
        execution_count: null,
      })),
    ],
  });
}

interface WrittenCell {
  cell_type: string;
  execution_count?: number | null;
  outputs?: Array<Record<string, unknown>>;
  source: string[];
}

describe("tskernel run", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "tskernel-run-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("runs every code cell and writes the outputs to -o", async () => {
    const input = join(dir, "ok.ipynb");
    const output = join(dir, "ok.out.ipynb");
    await writeFile(input, notebookWith(["const a = 20;", 'console.log("hello")', "a + 22"]));
    const run = await runCli(["run", input, "-o", output, "--timeout", "120"]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /\[3\/3\] cell 4 .*ok/);

    const text = await readFile(output, "utf8");
    assert.ok(text.endsWith("\n"));
    const nb = JSON.parse(text) as { nbformat: number; metadata: Record<string, any>; cells: WrittenCell[] };
    assert.equal(nb.nbformat, 4);
    assert.deepEqual(nb.metadata.authors, ["test"]);
    assert.equal(nb.metadata.kernelspec.name, "tskernel");
    assert.equal(nb.metadata.language_info.name, "typescript");
    assert.equal(nb.cells[0].cell_type, "markdown");
    assert.deepEqual(nb.cells[0].source, ["# A test"]);

    const [, first, second, third] = nb.cells;
    assert.deepEqual(
      [first, second, third].map((c) => c.execution_count),
      [1, 2, 3],
    );
    assert.deepEqual(first.outputs, []);
    assert.deepEqual(second.outputs, [{ output_type: "stream", name: "stdout", text: ["hello\n"] }]);
    assert.equal(third.outputs?.length, 1);
    const result = third.outputs![0];
    assert.equal(result.output_type, "execute_result");
    assert.equal(result.execution_count, 3);
    assert.deepEqual((result.data as Record<string, unknown>)["text/plain"], ["42"]);
    // The input notebook is left alone when -o is given.
    assert.equal(await readFile(input, "utf8"), notebookWith(["const a = 20;", 'console.log("hello")', "a + 22"]));
  });

  it("stops at a failing cell, exits 1 naming it, and writes in place", async () => {
    const path = join(dir, "fails.ipynb");
    await writeFile(path, notebookWith(["const b = 1;", 'throw new Error("kaputt")', "b + 1"]));
    const run = await runCli(["run", path]);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stderr, /cell 3 failed \(throw new Error\("kaputt"\)\)/);
    assert.match(run.stdout, /FAILED/);

    const nb = JSON.parse(await readFile(path, "utf8")) as { cells: WrittenCell[] };
    const failing = nb.cells[2];
    assert.equal(failing.execution_count, 2);
    const error = failing.outputs?.find((o) => o.output_type === "error");
    assert.ok(error, "the error is in the notebook");
    assert.match(String(error.evalue), /kaputt/);
    assert.equal(nb.cells[3].execution_count, null, "cells after the failure do not run");
  });

  it("exits 2 for a missing notebook", async () => {
    const run = await runCli(["run", join(dir, "nope.ipynb")]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /nope\.ipynb: no such file/);
  });
});
