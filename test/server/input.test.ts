// input() and input.password() as a front end sees them: an input_request on stdin to the client that
// ran the cell, answered by input_reply; refused without allow_stdin; cancelled by an interrupt.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Message } from "../../src/protocol/messages.js";
import { MemoryKernel, resultText, streamText, type Exchange } from "../support/memory-kernel.js";

describe("input from the front end (in-memory server, real engine)", () => {
  const k = new MemoryKernel();
  before(() => k.start());
  after(() => k.close());

  let asked = 0;
  const stdinSent = () => k.sent.filter((s) => s.channel === "stdin").length;

  /** Runs a cell with allow_stdin, answering its input requests in order with `answers`. */
  async function withAnswers(code: string, answers: string[]): Promise<{ ex: Exchange; requests: Message[] }> {
    const req = k.request("shell", "execute_request", { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: true, stop_on_error: true });
    const requests: Message[] = [];
    for (const answer of answers) {
      const request = await k.nextInputRequest(asked++);
      requests.push(request);
      k.replyInput(request, answer);
    }
    return { ex: await k.settle(req), requests };
  }

  test("input(prompt) sends input_request to the client that ran the cell and resolves with the reply", async () => {
    const { ex, requests } = await withAnswers('const name = await input("Your name: ");\n`hello ${name}`', ["Ada"]);
    assert.equal(ex.reply.content.status, "ok", JSON.stringify(ex.reply.content));
    assert.equal(resultText(ex), "'hello Ada'");
    const [request] = requests;
    assert.deepEqual(request.content, { prompt: "Your name: ", password: false });
    assert.equal((request.parent_header as { msg_id: string }).msg_id, ex.reply.parent_header.msg_id);
    assert.deepEqual(request.identities.map(String), ["client-1"]);
  });

  test("input.password asks with password: true", async () => {
    const { ex, requests } = await withAnswers('(await input.password("Token: ")).length', ["s3cret"]);
    assert.equal(resultText(ex), "6");
    assert.deepEqual(requests[0].content, { prompt: "Token: ", password: true });
  });

  test("two inputs in a row, output printed before each request comes first", async () => {
    const { ex } = await withAnswers('console.log("first?");\nconst a = await input("a: ");\nconsole.log("second?");\nconst b = await input("b: ");\na + b', ["1", "2"]);
    assert.equal(resultText(ex), "'12'");
    assert.equal(streamText(ex), "first?\nsecond?\n");
  });

  test("input() called from a function declared in an earlier cell asks for the running cell", async () => {
    await k.execute('async function ask(question: string): Promise<number> { return Number(await input(question)); }');
    const { ex, requests } = await withAnswers('(await ask("x? ")) * 2', ["21"]);
    assert.equal(resultText(ex), "42");
    assert.equal((requests[0].parent_header as { msg_id: string }).msg_id, ex.reply.parent_header.msg_id);
  });

  test("a reply without a parent header (jupyter_client's input()) answers the waiting request", async () => {
    const req = k.request("shell", "execute_request", { code: 'await input("?")', silent: false, store_history: true, user_expressions: {}, allow_stdin: true, stop_on_error: true });
    k.replyInput(await k.nextInputRequest(asked++), "no parent", false);
    assert.equal(resultText(await k.settle(req)), "'no parent'");
  });

  test("without allow_stdin, input() throws an error that says why and what to do, and sends nothing on stdin", async () => {
    const before = stdinSent();
    const ex = await k.execute('await input("name? ")');
    assert.equal(ex.reply.content.status, "error");
    assert.equal(ex.reply.content.ename, "StdinNotImplementedError");
    assert.match(String(ex.reply.content.evalue), /allow_stdin: false.*Run the cell from JupyterLab, Notebook or jupyter console/);
    assert.equal(stdinSent(), before);
  });

  test("a prompt that is not a string is a clear TypeError", async () => {
    const ex = await k.execute("await input(42 as any)");
    assert.equal(ex.reply.content.ename, "TypeError");
    assert.match(String(ex.reply.content.evalue), /input expects its prompt as a string; got the number 42/);
  });

  test("an interrupt cancels the wait: KeyboardInterrupt, the kernel answers on, a late reply is ignored", async () => {
    const req = k.request("shell", "execute_request", { code: 'let waited = "unset";\nwaited = await input("never answered: ")', silent: false, store_history: true, user_expressions: {}, allow_stdin: true, stop_on_error: true });
    const pending = await k.nextInputRequest(asked++);
    await k.call("control", "interrupt_request", {});
    const ex = await k.settle(req);
    assert.equal(ex.reply.content.status, "error");
    assert.equal(ex.reply.content.ename, "KeyboardInterrupt");
    k.replyInput(pending, "too late");
    await k.waitFor(() => k.logs.some((l) => /ignored an input_reply/.test(l)));
    const after = await k.execute("waited");
    assert.equal(resultText(after), "'unset'");
    const { ex: next } = await withAnswers('await input("again: ")', ["fine"]);
    assert.equal(resultText(next), "'fine'");
  });

  test('input is typed and can be imported from "tskernel"', async () => {
    const ex = await k.execute('import { input as ask2 } from "tskernel";\nask2 === input');
    assert.equal(resultText(ex), "true");
    const typed = await k.execute("const n: number = await input()");
    assert.equal(typed.reply.content.ename, "TypeCheckError");
  });
});
