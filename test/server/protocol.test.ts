// The protocol server over the in-memory transport, with the real engine worker behind it.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { childMessage, newSession } from "../../src/protocol/messages.js";
import { WireCodec } from "../../src/protocol/wire.js";
import { MemoryKernel, resultText, streamText } from "../support/memory-kernel.js";

describe("protocol server (in-memory transport)", () => {
  const k = new MemoryKernel();
  before(() => k.start());
  after(() => k.close());

  test("announces itself as starting", () => {
    assert.ok(k.sent.some((s) => s.channel === "iopub" && s.msg.content.execution_state === "starting"));
  });

  test("an iopub subscriber is welcomed", () => {
    k.transport.subscribe("");
    const welcome = k.sent.find((s) => s.msg.header.msg_type === "iopub_welcome");
    assert.deepEqual(welcome?.msg.content, { subscription: "" });
  });

  for (const channel of ["shell", "control"] as const) {
    test(`kernel_info on ${channel}`, async () => {
      const { reply } = await k.call(channel, "kernel_info_request", {});
      const info = reply.content.language_info as Record<string, string>;
      assert.equal(reply.header.msg_type, "kernel_info_reply");
      assert.equal(info.name, "typescript");
      assert.equal(info.file_extension, ".ts");
      assert.equal(info.pygments_lexer, "typescript");
      assert.equal(info.codemirror_mode, "typescript");
      assert.match(info.version, /^6\.0\./);
      assert.ok(Array.isArray(reply.content.help_links) && (reply.content.help_links as unknown[]).length > 0);
      assert.equal(reply.content.protocol_version, "5.4");
    });
  }

  test("busy, execute_input, outputs, reply, idle: in that order, all with the request as parent", async () => {
    const req = k.request("shell", "execute_request", { code: 'console.log("out"); 40 + 2' });
    await k.settle(req);
    const seq = k.outputsOf(req).map((s) => (s.channel === "iopub" ? s.msg.header.msg_type + (s.msg.content.execution_state ? `:${s.msg.content.execution_state}` : "") : "reply"));
    assert.deepEqual(seq, ["status:busy", "execute_input", "stream", "execute_result", "reply", "status:idle"]);
  });

  test("the execution counter counts stored, non-empty, non-silent cells only", async () => {
    const a = await k.execute("1");
    const n = a.reply.content.execution_count as number;
    const silent = await k.execute("2", { silent: true });
    assert.equal(silent.reply.content.execution_count, n);
    assert.deepEqual(silent.iopub.map((m) => m.header.msg_type), ["status", "status"], "silent publishes nothing but status");
    const unstored = await k.execute("3", { store_history: false });
    assert.equal(unstored.reply.content.execution_count, n);
    const empty = await k.execute("   \n");
    assert.equal(empty.reply.content.execution_count, n);
    assert.equal(empty.reply.content.status, "ok");
    const b = await k.execute("4");
    assert.equal(b.reply.content.execution_count, n + 1);
    const input = b.iopub.find((m) => m.header.msg_type === "execute_input");
    assert.deepEqual(input?.content, { code: "4", execution_count: n + 1 });
    assert.equal(b.iopub.find((m) => m.header.msg_type === "execute_result")?.content.execution_count, n + 1);
  });

  test("an error publishes `error` before an error reply, with cell positions and no kernel frames", async () => {
    const ex = await k.execute('function boom(n: number) {\n  throw new RangeError("bad " + n);\n}\nboom(7)');
    assert.equal(ex.reply.content.status, "error");
    assert.equal(ex.reply.content.ename, "RangeError");
    assert.equal(ex.reply.content.evalue, "bad 7");
    const count = ex.reply.content.execution_count;
    const tb = (ex.reply.content.traceback as string[]).join("\n");
    assert.match(tb, new RegExp(`at boom \\(Cell In\\[${count}\\], line 2, column 9\\)`));
    assert.match(tb, new RegExp(`Cell In\\[${count}\\], line 4`));
    assert.doesNotMatch(tb, /node:internal|dist\/src|node:vm|tskernel:cell/);
    const errorMsg = ex.iopub.find((m) => m.header.msg_type === "error");
    assert.deepEqual(errorMsg?.content.traceback, ex.reply.content.traceback);
  });

  test("a syntax error names its line and column", async () => {
    const ex = await k.execute("const ok = 1;\nlet = ;");
    assert.equal(ex.reply.content.ename, "SyntaxError");
    assert.match(ex.reply.content.evalue as string, /line 2, column 7/);
  });

  test("stop_on_error answers queued executions without running them", async () => {
    const failing = k.request("shell", "execute_request", { code: 'throw new Error("first")', stop_on_error: true });
    const queued = k.request("shell", "execute_request", { code: "let notRun = 1; notRun" });
    const queued2 = k.request("shell", "execute_request", { code: "2" });
    const [f, q, q2] = await Promise.all([k.settle(failing), k.settle(queued), k.settle(queued2)]);
    assert.equal(f.reply.content.status, "error");
    for (const ex of [q, q2]) {
      assert.equal(ex.reply.content.status, "error");
      assert.equal(ex.reply.content.ename, "CellNotRun");
      assert.ok(!ex.iopub.some((m) => m.header.msg_type === "execute_input"));
    }
    const after = await k.execute("typeof notRun");
    assert.match(after.reply.content.evalue as string, /Cannot find name 'notRun'/, "the aborted cell declared nothing");
  });

  test("stop_on_error false lets queued cells run", async () => {
    const failing = k.request("shell", "execute_request", { code: 'throw new Error("x")', stop_on_error: false });
    const next = k.request("shell", "execute_request", { code: "5 * 5" });
    await k.settle(failing);
    assert.equal(resultText(await k.settle(next)), "25");
  });

  test("unknown message types are logged and get no reply", async () => {
    const req = k.request("shell", "frobnicate_request", {});
    await k.waitFor(() => k.outputsOf(req).some((s) => s.msg.content.execution_state === "idle"));
    assert.ok(!k.outputsOf(req).some((s) => s.channel === "shell"));
    assert.ok(k.logs.some((l) => l.includes("frobnicate_request")));
  });

  test("a request with wrongly typed content gets exactly one error reply", async () => {
    const ex = await k.call("shell", "execute_request", { code: 42 });
    assert.equal(ex.reply.content.status, "error");
    assert.equal(ex.reply.content.ename, "BadRequest");
    assert.match(ex.reply.content.evalue as string, /content\.code must be a string/);
    assert.equal(resultText(await k.execute("1 + 1")), "2");
  });

  test("unsigned, badly signed and replayed messages are dropped without a reply", async () => {
    const before = k.sent.length;
    const logsBefore = k.logs.length;
    const who = newSession("intruder");
    const unsigned = new WireCodec("").encode(childMessage(undefined, "kernel_info_request", {}, who));
    k.transport.deliver("shell", unsigned);
    const forged = new WireCodec("wrong-key").encode(childMessage(undefined, "kernel_info_request", {}, who));
    k.transport.deliver("shell", forged);
    const goodMsg = childMessage(undefined, "kernel_info_request", {}, who);
    const good = k.clientCodec.encode(goodMsg);
    k.transport.deliver("shell", good);
    await k.settle(goodMsg);
    const answered = k.sent.length;
    k.transport.deliver("shell", good);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(k.sent.length, answered, "the replay got no output at all");
    assert.equal(k.sent.slice(before).filter((s) => s.channel === "shell").length, 1);
    const newLogs = k.logs.slice(logsBefore).join("\n");
    assert.match(newLogs, /unsigned/);
    assert.match(newLogs, /bad signature/);
    assert.match(newLogs, /replayed/);
  });

  test("is_complete comes from the TypeScript parser", async () => {
    const ask = async (code: string) => (await k.call("shell", "is_complete_request", { code })).reply.content;
    assert.deepEqual(await ask("let a = 1"), { status: "complete" });
    assert.equal((await ask("function f() {")).status, "incomplete");
    assert.equal((await ask("const s = `line one")).status, "incomplete");
    assert.equal((await ask("let = ;")).status, "invalid");
  });

  test("history answers tail, range and search from this session", async () => {
    await k.execute("const historyMarker = 'h1'");
    await k.execute("historyMarker + '2'");
    const tail = (await k.call("shell", "history_request", { hist_access_type: "tail", n: 2, output: false, raw: true })).reply.content.history as [number, number, string][];
    assert.deepEqual(tail.map((r) => r[2]), ["const historyMarker = 'h1'", "historyMarker + '2'"]);
    const [, line] = tail[1];
    const range = (await k.call("shell", "history_request", { hist_access_type: "range", session: 0, start: line, stop: line + 1, raw: true, output: false })).reply.content.history as unknown[];
    assert.deepEqual(range, [tail[1]]);
    const search = (await k.call("shell", "history_request", { hist_access_type: "search", pattern: "historyMarker*", raw: true, output: false })).reply.content.history as [number, number, string][];
    assert.deepEqual(search.map((r) => r[2]), ["historyMarker + '2'"]);
  });

  test("complete and inspect use code-point positions", async () => {
    await k.execute("const emoji = '😀'; const record = { alpha: 1, beta: 2 };");
    const code = "'😀😀'; record.al";
    const c = (await k.call("shell", "complete_request", { code, cursor_pos: [...code].length })).reply.content;
    assert.deepEqual(c.matches, ["alpha"]);
    assert.equal(c.cursor_end, [...code].length);
    assert.equal(c.cursor_start, [...code].length - 2);
    const i = (await k.call("shell", "inspect_request", { code: "record", cursor_pos: 3, detail_level: 0 })).reply.content;
    assert.equal(i.found, true);
    assert.match((i.data as Record<string, string>)["text/plain"], /alpha: 1/);
  });

  test("a comm to an unknown target is closed", async () => {
    const req = k.request("shell", "comm_open", { comm_id: "c1", target_name: "nobody", data: {} });
    await k.waitFor(() => k.outputsOf(req).some((s) => s.msg.header.msg_type === "comm_close"));
    const close = k.outputsOf(req).find((s) => s.msg.header.msg_type === "comm_close");
    assert.equal(close?.msg.content.comm_id, "c1");
  });

  test("100,000 console.log lines arrive complete, in order, in few messages, before the reply", async () => {
    const req = k.request("shell", "execute_request", { code: "for (let i = 0; i < 100000; i++) console.log(i)" });
    await k.settle(req);
    const out = k.outputsOf(req);
    const streams = out.filter((s) => s.msg.header.msg_type === "stream");
    const text = streams.map((s) => s.msg.content.text).join("");
    const lines = text.split("\n");
    assert.equal(lines.length, 100_001);
    assert.ok(lines.slice(0, 100_000).every((l, i) => l === String(i)), "lines complete and in order");
    assert.ok(streams.length <= 300, `${streams.length} stream messages`);
    const replyAt = out.findIndex((s) => s.channel === "shell");
    assert.ok(out.findLastIndex((s) => s.msg.header.msg_type === "stream") < replyAt);
  });

  test("output printed later by a timer lands on the cell that started it", async () => {
    const first = await k.execute('setTimeout(() => console.log("late from first"), 100); "started"');
    const second = k.request("shell", "execute_request", { code: "await new Promise(r => setTimeout(r, 300)); 'second'" });
    await k.settle(second);
    const firstReq = { header: first.reply.parent_header } as never;
    assert.equal(streamText({ reply: first.reply, iopub: k.outputsOf(firstReq).map((s) => s.msg) }), "late from first\n");
    assert.ok(!k.outputsOf(second).some((s) => s.msg.content.text === "late from first\n"));
  });

  test("interrupt_request stops a busy loop and a pending await; the session survives", async () => {
    await k.execute("const survivor = 'still here'");
    for (const code of ['console.log("looping"); while (true) {}', "await new Promise(() => {})"]) {
      const req = k.request("shell", "execute_request", { code });
      await new Promise((r) => setTimeout(r, 200));
      const t0 = Date.now();
      await k.call("control", "interrupt_request", {});
      const ex = await k.settle(req);
      assert.ok(Date.now() - t0 < 1000, "stopped promptly");
      assert.equal(ex.reply.content.status, "error");
      assert.equal(ex.reply.content.ename, "KeyboardInterrupt");
      assert.equal(resultText(await k.execute("survivor")), "'still here'");
    }
  });

  test("declarations made before an interrupted loop stay known to later checked cells", async () => {
    const req = k.request("shell", "execute_request", { code: "const before = 'declared';\nconsole.log('looping');\nwhile (true) {}" });
    // Interrupt once the loop runs, not while the cell is still being compiled.
    await k.waitFor(() => k.outputsOf(req).some((s) => s.msg.header.msg_type === "stream"));
    await k.call("control", "interrupt_request", {});
    assert.equal((await k.settle(req)).reply.content.ename, "KeyboardInterrupt");
    assert.equal(resultText(await k.execute("before.toUpperCase()")), "'DECLARED'");
  });

  test("kernel_info on control answers while a cell is busy", async () => {
    const busy = k.request("shell", "execute_request", { code: "while (true) {}" });
    await new Promise((r) => setTimeout(r, 100));
    const info = await k.call("control", "kernel_info_request", {});
    assert.equal(info.reply.content.status, "ok");
    await k.call("control", "interrupt_request", {});
    await k.settle(busy);
  });

  test("shutdown_request replies and then shuts down", async () => {
    const ex = await k.call("control", "shutdown_request", { restart: false });
    assert.deepEqual(ex.reply.content, { status: "ok", restart: false });
    assert.equal(k.shutdowns, 1);
  });
});
