// The real server and engine over the in-memory transport: a kernel with no sockets, for tests.
import "./private-state.js";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { childMessage, makeHeader, newSession, type Message } from "../../src/protocol/messages.js";
import { WireCodec } from "../../src/protocol/wire.js";
import { MemoryTransport } from "../../src/transport/memory.js";
import { KernelServer } from "../../src/server/kernel-server.js";
import { kernelInfoContent } from "../../src/server/kernel-info.js";
import type { Logger } from "../../src/server/log.js";
import type { Engine } from "../../src/engine/engine.js";
import { WorkerEngine } from "../../src/engine/worker-engine.js";
import { SessionHistory, type History } from "../../src/server/history.js";

export interface Exchange {
  reply: Message;
  iopub: Message[];
}

export class MemoryKernel {
  readonly transport = new MemoryTransport();
  readonly clientCodec: WireCodec;
  readonly sent: { channel: string; msg: Message }[] = [];
  readonly logs: string[] = [];
  readonly server: KernelServer;
  shutdowns = 0;
  private readonly who = newSession("test");
  private readonly waiters = new Set<() => void>();

  constructor(
    // A fresh notebook directory: the repository's own tsconfig.json must not apply to test cells.
    readonly engine: Engine = new WorkerEngine(silentLogger(), mkdtempSync(join(tmpdir(), "tsk-notebook-"))),
    key = "secret-key",
    // In memory unless a test asks for more: server tests must not write to the user's history file.
    history: History = new SessionHistory(),
  ) {
    this.clientCodec = new WireCodec(key);
    const log: Logger = {
      info: (t) => this.logs.push(t),
      warn: (t) => this.logs.push(t),
      limited: (_k, t) => this.logs.push(t),
    };
    this.server = new KernelServer({
      transport: this.transport,
      codec: new WireCodec(key),
      engine,
      kernelInfo: kernelInfoContent(),
      log,
      history,
      onShutdown: () => this.shutdowns++,
    });
    this.transport.onSend((channel, frames) => {
      const d = this.clientCodec.decode(frames);
      if (!d.ok) throw new Error(`the server sent an undecodable message: ${d.reason}`);
      this.sent.push({ channel, msg: d.message });
      for (const w of this.waiters) w();
    });
  }

  start(): Promise<void> {
    return this.server.start();
  }

  request(channel: "shell" | "control", msgType: string, content: Record<string, unknown>): Message {
    const msg = childMessage(undefined, msgType, content, this.who);
    msg.identities = [Buffer.from("client-1")];
    this.transport.deliver(channel, this.clientCodec.encode(msg));
    return msg;
  }

  /** Everything the server sent with `parent` as parent. */
  outputsOf(parent: Message): { channel: string; msg: Message }[] {
    return this.sent.filter((s) => (s.msg.parent_header as { msg_id?: string }).msg_id === parent.header.msg_id);
  }

  async waitFor(predicate: () => boolean, timeoutMs = 20_000): Promise<void> {
    if (predicate()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error("timed out waiting for the kernel"));
      }, timeoutMs);
      const check = () => {
        if (predicate()) {
          clearTimeout(timer);
          this.waiters.delete(check);
          resolve();
        }
      };
      this.waiters.add(check);
    });
  }

  /** Sends a request and waits for its reply and its idle status. */
  async call(channel: "shell" | "control", msgType: string, content: Record<string, unknown>): Promise<Exchange> {
    const req = this.request(channel, msgType, content);
    return this.settle(req);
  }

  /** Sends a shell message that gets no reply (comm_open, comm_msg, comm_close). */
  notice(msgType: string, content: Record<string, unknown>, metadata: Record<string, unknown> = {}, buffers: Buffer[] = []): Message {
    const msg = childMessage(undefined, msgType, content, this.who, metadata);
    msg.buffers = buffers;
    msg.identities = [Buffer.from("client-1")];
    this.transport.deliver("shell", this.clientCodec.encode(msg));
    return msg;
  }

  /** The iopub messages of a notice once its idle status arrived; fails if it got a reply. */
  async settleNotice(msg: Message): Promise<Message[]> {
    await this.waitFor(() => this.outputsOf(msg).some((s) => s.msg.header.msg_type === "status" && s.msg.content.execution_state === "idle"));
    const out = this.outputsOf(msg);
    const reply = out.find((s) => s.channel !== "iopub");
    if (reply) throw new Error(`${msg.header.msg_type} got a reply on ${reply.channel}`);
    return out.map((s) => s.msg);
  }

  notify(msgType: string, content: Record<string, unknown>, metadata: Record<string, unknown> = {}, buffers: Buffer[] = []): Promise<Message[]> {
    return this.settleNotice(this.notice(msgType, content, metadata, buffers));
  }

  async settle(req: Message): Promise<Exchange> {
    const idle = () =>
      this.outputsOf(req).some((s) => s.msg.header.msg_type === "status" && s.msg.content.execution_state === "idle");
    await this.waitFor(idle);
    const out = this.outputsOf(req);
    const replies = out.filter((s) => s.channel === "shell" || s.channel === "control");
    if (replies.length !== 1) throw new Error(`expected exactly one reply to ${req.header.msg_type}, got ${replies.length}`);
    return { reply: replies[0].msg, iopub: out.filter((s) => s.channel === "iopub").map((s) => s.msg) };
  }

  execute(code: string, extra: Record<string, unknown> = {}): Promise<Exchange> {
    return this.call("shell", "execute_request", { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true, ...extra });
  }

  /** Answers an input_request on stdin as the client that ran the cell; without a parent, as jupyter_client does. */
  replyInput(inputRequest: Message, value: unknown, withParent = true): void {
    const msg = childMessage(withParent ? inputRequest : undefined, "input_reply", { value }, this.who);
    msg.identities = [Buffer.from("client-1")];
    this.transport.deliver("stdin", this.clientCodec.encode(msg));
  }

  /** Waits for the next input_request the server sends after the `seen` ones. */
  async nextInputRequest(seen = 0): Promise<Message> {
    const requests = () => this.sent.filter((s) => s.channel === "stdin" && s.msg.header.msg_type === "input_request");
    await this.waitFor(() => requests().length > seen);
    return requests()[seen].msg;
  }

  /** A raw signed message with an arbitrary header, for protocol edge cases. */
  deliverRaw(channel: "shell" | "control", header: Record<string, unknown>, content: unknown): void {
    const msg = { ...childMessage(undefined, "x", {}, this.who), header: { ...makeHeader("x", this.who), ...header }, content } as Message;
    this.transport.deliver(channel, this.clientCodec.encode(msg));
  }

  async close(): Promise<void> {
    await this.engine.close();
  }
}

export function silentLogger(): Logger {
  return { info() {}, warn() {}, limited() {} };
}

export function resultText(ex: Exchange): string | undefined {
  const r = ex.iopub.find((m) => m.header.msg_type === "execute_result");
  return r ? ((r.content.data as Record<string, string>)["text/plain"]) : undefined;
}

export function streamText(ex: Exchange, name = "stdout"): string {
  return ex.iopub
    .filter((m) => m.header.msg_type === "stream" && m.content.name === name)
    .map((m) => m.content.text as string)
    .join("");
}
