// input() against the real kernel process: our own client answers the input_request on its stdin socket,
// which shares the shell socket's identity so the kernel can route the request to it.
import "../support/private-state.js";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { launchKernel, type LaunchedKernel } from "../../src/client/launch.js";
import type { Message } from "../../src/protocol/messages.js";

describe("input over zeromq", () => {
  let kernel: LaunchedKernel;
  before(async () => {
    kernel = await launchKernel();
  });
  after(async () => {
    await kernel?.shutdown();
  });

  it("routes input_request to the client that ran the cell and resolves with its input_reply", async () => {
    const asked: Message[] = [];
    const { reply, iopub } = await kernel.client.execute('const who = await input("Name: ");\nconst pin = await input.password("PIN: ");\n`${who}:${pin.length}`', {
      timeoutMs: 60_000,
      onInput: (request) => {
        asked.push(request);
        return request.content.password ? "1234" : "Grace";
      },
    });
    assert.equal(reply.content.status, "ok", JSON.stringify(reply.content));
    assert.deepEqual(asked.map((r) => r.content), [{ prompt: "Name: ", password: false }, { prompt: "PIN: ", password: true }]);
    for (const r of asked) assert.equal((r.parent_header as { msg_id: string }).msg_id, (reply.parent_header as { msg_id: string }).msg_id);
    const result = iopub.find((m) => m.header.msg_type === "execute_result");
    assert.equal((result?.content.data as Record<string, string>)["text/plain"], "'Grace:4'");
  });

  it("refuses input when the request did not allow stdin", async () => {
    const { reply } = await kernel.client.execute('await input("x")', { timeoutMs: 60_000, allow_stdin: false });
    assert.equal(reply.content.ename, "StdinNotImplementedError");
  });
});
