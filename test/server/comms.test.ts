// Comms as a front-end extension sees them: targets registered in cells, comms opened from either side,
// messages both ways, busy/idle around each comm message (with no reply), handler output and errors.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Message } from "../../src/protocol/messages.js";
import { MemoryKernel, resultText } from "../support/memory-kernel.js";

const types = (messages: Message[]) => messages.map((m) => m.header.msg_type);
const stderrOf = (messages: Message[]) =>
  messages.filter((m) => m.header.msg_type === "stream" && m.content.name === "stderr").map((m) => m.content.text as string).join("");

describe("comms (in-memory server, real engine)", () => {
  const k = new MemoryKernel();
  before(() => k.start());
  after(() => k.close());

  async function ok(code: string) {
    const ex = await k.execute(code);
    assert.equal(ex.reply.content.status, "ok", JSON.stringify(ex.reply.content));
    return ex;
  }

  async function commInfo(targetName?: string): Promise<Record<string, { target_name: string }>> {
    const ex = await k.call("shell", "comm_info_request", targetName === undefined ? {} : { target_name: targetName });
    assert.equal(ex.reply.content.status, "ok");
    return ex.reply.content.comms as Record<string, { target_name: string }>;
  }

  test("a front end opens a comm to a registered target, sends to it and closes it", async () => {
    await ok(
      [
        "const seen: unknown[] = [];",
        'comms.registerTarget("echo", (comm, open) => {',
        '  console.log("opened with", open.data);',
        "  comm.onMessage((data) => { seen.push(data); comm.send({ echo: data.text }); });",
        '  comm.onClose((data) => console.log("closed by front end", data));',
        "});",
      ].join("\n"),
    );
    const opened = await k.notify("comm_open", { comm_id: "front-1", target_name: "echo", data: { hello: 1 } });
    assert.deepEqual(types(opened), ["status", "stream", "status"]);
    assert.deepEqual([opened[0].content.execution_state, opened[2].content.execution_state], ["busy", "idle"]);
    assert.equal(opened[1].content.text, "opened with { hello: 1 }\n");

    const sent = await k.notify("comm_msg", { comm_id: "front-1", data: { text: "ping" } });
    assert.deepEqual(types(sent), ["status", "comm_msg", "status"]);
    assert.deepEqual(sent[1].content, { comm_id: "front-1", data: { echo: "ping" } });
    assert.equal(resultText(await ok("seen")), "[ { text: 'ping' } ]");

    assert.deepEqual(await commInfo(), { "front-1": { target_name: "echo" } });
    const closed = await k.notify("comm_close", { comm_id: "front-1", data: { bye: true } });
    assert.equal(stderrOf(closed), "");
    assert.match(closed.map((m) => m.content.text ?? "").join(""), /closed by front end \{ bye: true \}/);
    assert.deepEqual(await commInfo(), {});
  });

  test("a cell opens a comm: comm_open on the cell, messages both ways, close from the kernel", async () => {
    const ex = await ok(
      [
        "const received: unknown[] = [];",
        'const chart = comms.open("chart-view", { points: [1, 2] }, { version: "1" });',
        "chart.onMessage((data, message) => received.push([data, message.metadata]));",
        "chart.id",
      ].join("\n"),
    );
    const open = ex.iopub.find((m) => m.header.msg_type === "comm_open");
    assert.ok(open, "the cell published comm_open");
    assert.equal((open.parent_header as { msg_id: string }).msg_id, ex.reply.parent_header.msg_id);
    assert.deepEqual(open.metadata, { version: "1" });
    const commId = open.content.comm_id as string;
    assert.deepEqual(open.content, { comm_id: commId, target_name: "chart-view", data: { points: [1, 2] } });
    assert.equal(resultText(ex), `'${commId}'`);
    assert.deepEqual(await commInfo("chart-view"), { [commId]: { target_name: "chart-view" } });
    assert.deepEqual(await commInfo("other"), {});

    await k.notify("comm_msg", { comm_id: commId, data: { clicked: 2 } }, { source: "ui" });
    assert.equal(resultText(await ok("received")), "[ [ { clicked: 2 }, { source: 'ui' } ] ]");

    const sendAndClose = await ok('chart.send({ zoom: 2 });\nchart.close({ reason: "done" });\nchart.closed');
    assert.deepEqual(
      sendAndClose.iopub.filter((m) => m.header.msg_type.startsWith("comm_")).map((m) => [m.header.msg_type, m.content]),
      [
        ["comm_msg", { comm_id: commId, data: { zoom: 2 } }],
        ["comm_close", { comm_id: commId, data: { reason: "done" } }],
      ],
    );
    assert.equal(resultText(sendAndClose), "true");
    const late = await k.execute("chart.send({ zoom: 3 })");
    assert.match(String(late.reply.content.evalue), /comm .* \(target "chart-view"\) is closed; open a new one with comms\.open\("chart-view"\)/);
  });

  test("binary buffers reach handlers and go out with the messages a comm sends", async () => {
    await ok('comms.registerTarget("bytes", (comm) => comm.onMessage((data, message) => comm.send({ count: message.buffers.length }, {}, [Buffer.from(message.buffers[0]).reverse()])));');
    await k.notify("comm_open", { comm_id: "bin-1", target_name: "bytes", data: {} });
    const out = await k.notify("comm_msg", { comm_id: "bin-1", data: {} }, {}, [Buffer.from([1, 2, 3]), Buffer.from("x")]);
    const reply = out.find((m) => m.header.msg_type === "comm_msg");
    assert.deepEqual(reply?.content, { comm_id: "bin-1", data: { count: 2 } });
    assert.deepEqual(reply?.buffers.map((b) => [...b]), [[3, 2, 1]]);
    const opened = await ok('comms.open("viewer", {}, {}, [new Uint8Array([9, 8]).buffer]);');
    assert.deepEqual(opened.iopub.find((m) => m.header.msg_type === "comm_open")?.buffers.map((b) => [...b]), [[9, 8]]);
    const bad = await k.execute('comms.open("viewer", {}, {}, ["text"] as any)');
    assert.match(String(bad.reply.content.evalue), /comms\.open expects buffers as an array of Uint8Array, Buffer or ArrayBuffer/);
  });

  test("an unknown target gets a comm_close back; a message to a comm that is not open is ignored", async () => {
    const opened = await k.notify("comm_open", { comm_id: "c-unknown", target_name: "nobody", data: {} });
    assert.deepEqual(types(opened), ["status", "comm_close", "status"]);
    assert.deepEqual(opened[1].content, { comm_id: "c-unknown", data: {} });
    assert.deepEqual(types(await k.notify("comm_msg", { comm_id: "c-unknown", data: {} })), ["status", "status"]);
  });

  test("a handler that throws or rejects writes one line on stderr of that message; the kernel goes on", async () => {
    await ok(
      [
        'comms.registerTarget("fragile", (comm) => {',
        '  comm.onMessage((data) => { if (data.sync) throw new TypeError("bad\\nsecond line"); });',
        '  comm.onMessage(async (data) => { await null; if (data.async) throw new RangeError("later"); console.log("still ran"); });',
        "});",
      ].join("\n"),
    );
    await k.notify("comm_open", { comm_id: "f-1", target_name: "fragile", data: {} });
    const failed = await k.notify("comm_msg", { comm_id: "f-1", data: { sync: true } });
    assert.equal(stderrOf(failed), 'Error in an onMessage handler of comm f-1 (target "fragile"): TypeError: bad\n');
    assert.match(failed.map((m) => m.content.text ?? "").join(""), /still ran/, "the other handler still runs");
    const rejected = await k.notify("comm_msg", { comm_id: "f-1", data: { async: true } });
    assert.equal(stderrOf(rejected), 'Error in an onMessage handler of comm f-1 (target "fragile"): RangeError: later\n');
    assert.equal(resultText(await ok("1 + 1")), "2");
  });

  test("a target handler that fails closes its comm and says so on stderr", async () => {
    await ok('comms.registerTarget("broken", () => { throw new Error("cannot set up"); });');
    const opened = await k.notify("comm_open", { comm_id: "b-1", target_name: "broken", data: {} });
    assert.equal(stderrOf(opened), 'Error in the "broken" target\'s handler for comm b-1 (the comm was closed): Error: cannot set up\n');
    assert.deepEqual(opened.filter((m) => m.header.msg_type === "comm_close").map((m) => m.content), [{ comm_id: "b-1", data: {} }]);
    assert.deepEqual(await commInfo("broken"), {});
  });

  test("an interrupt stops a handler that never settles; the comm message's status goes idle", async () => {
    await ok('comms.registerTarget("stuck", (comm) => comm.onMessage(() => new Promise(() => {})));');
    await k.notify("comm_open", { comm_id: "s-1", target_name: "stuck", data: {} });
    const stuck = k.notice("comm_msg", { comm_id: "s-1", data: {} });
    await k.waitFor(() => k.outputsOf(stuck).some((s) => s.msg.content.execution_state === "busy"));
    await k.call("control", "interrupt_request", {});
    assert.match(stderrOf(await k.settleNotice(stuck)), /KeyboardInterrupt: stopped waiting for the comm_msg handlers/);
    assert.equal(resultText(await ok('"alive"')), "'alive'");
  });

  test('comms is typed, checked, and can be imported from "tskernel"', async () => {
    assert.equal(resultText(await ok('import { comms as c2 } from "tskernel";\nc2 === comms')), "true");
    const wrong = await k.execute("comms.open(42)");
    assert.equal(wrong.reply.content.ename, "TypeCheckError");
    const bad = await k.execute('comms.open("t", 5 as any)');
    assert.match(String(bad.reply.content.evalue), /comms\.open expects data as a plain object of JSON values, such as \{ value: 1 \}; got the number 5/);
  });
});
