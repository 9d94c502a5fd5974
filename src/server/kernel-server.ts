// The protocol core: dispatch by message type, busy/idle around every request, exactly one reply,
// the execution counter, stop_on_error and history. It knows messages and the Engine seam, not sockets.
import { childMessage, newSession, replyType, type Message } from "../protocol/messages.js";
import type { WireCodec } from "../protocol/wire.js";
import { codePointToUtf16, utf16ToCodePoint } from "../protocol/codepoints.js";
import type { InboundChannel, Transport } from "../transport/transport.js";
import type { CommMessageType, Engine, ExecuteOutcome } from "../engine/engine.js";
import { IopubChannel, refuseInput, RequestPublisher, silenced } from "./publisher.js";
import { StdinChannel } from "./stdin.js";
import type { History, HistoryRequest } from "./history.js";
import type { Logger } from "./log.js";

type Reply = Record<string, unknown>;
/** A handler returns the reply content, or undefined for messages that get no reply (comm messages). */
type Handler = (msg: Message, pub: RequestPublisher) => Promise<Reply | undefined>;

export interface ServerOptions {
  transport: Transport;
  codec: WireCodec;
  engine: Engine;
  kernelInfo: Reply;
  log: Logger;
  /** Where inputs and outputs are recorded and history_request is answered from. */
  history: History;
  /** Called once the shutdown reply and the final idle status are on their way. */
  onShutdown(restart: boolean): void;
}

class RequestError extends Error {}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A bad value as an error message shows it: short, whatever was sent. */
function shown(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

function field<T>(content: Record<string, unknown>, name: string, type: string, fallback: T): T {
  const v = content[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== type || (type === "object" && Array.isArray(v))) {
    throw new RequestError(`content.${name} must be a${type === "object" ? "n" : ""} ${type}, not ${shown(v)}`);
  }
  return v as T;
}

/** history_request's content as a question for the history; the protocol's defaults fill what is missing. */
function historyRequest(c: Record<string, unknown>): HistoryRequest {
  const kind = field(c, "hist_access_type", "string", "tail");
  const output = field(c, "output", "boolean", false);
  const n = field<number | null>(c, "n", "number", null);
  if (kind === "tail") return { kind, n: n ?? 10, output };
  if (kind === "range") {
    return {
      kind,
      session: field(c, "session", "number", 0),
      start: field(c, "start", "number", 0),
      stop: field<number | null>(c, "stop", "number", null),
      output,
    };
  }
  if (kind === "search") {
    return { kind, pattern: field(c, "pattern", "string", "*"), n, unique: field(c, "unique", "boolean", false), output };
  }
  throw new RequestError(`content.hist_access_type must be "tail", "range" or "search", not ${JSON.stringify(kind)}`);
}

/** execute_request's user_expressions: names to expression source. */
function expressions(content: Record<string, unknown>): Record<string, string> {
  const v = field<Record<string, unknown>>(content, "user_expressions", "object", {});
  for (const [name, expr] of Object.entries(v)) {
    if (typeof expr !== "string") throw new RequestError(`content.user_expressions.${name} must be a string of code, not ${shown(expr)}`);
  }
  return v as Record<string, string>;
}

export class KernelServer {
  private readonly iopub: IopubChannel;
  private readonly stdin: StdinChannel;
  private readonly shellQueue: Message[] = [];
  /** msg_ids of queued execute requests to answer without running, after a failure with stop_on_error. */
  private readonly aborted = new Set<string>();
  private processingShell = false;
  private executionCount = 0;
  private shuttingDown = false;
  private readonly shellHandlers: Record<string, Handler>;
  private readonly controlHandlers: Record<string, Handler>;

  constructor(private readonly o: ServerOptions) {
    this.iopub = new IopubChannel(o.transport, o.codec, newSession("tskernel"));
    this.stdin = new StdinChannel(o.transport, o.codec, this.iopub.who, o.log);
    const common: Record<string, Handler> = {
      kernel_info_request: async () => o.kernelInfo,
    };
    this.shellHandlers = {
      ...common,
      execute_request: (m, p) => this.execute(m, p),
      complete_request: (m) => this.complete(m),
      inspect_request: (m) => this.inspect(m),
      is_complete_request: (m) => this.isComplete(m),
      history_request: async (m) => ({ status: "ok", history: await o.history.query(historyRequest(m.content)) }),
      comm_info_request: async (m) => ({ status: "ok", comms: await o.engine.commInfo(field<string | undefined>(m.content, "target_name", "string", undefined)) }),
      comm_open: (m, p) => this.comm(m, p),
      comm_msg: (m, p) => this.comm(m, p),
      comm_close: (m, p) => this.comm(m, p),
    };
    this.controlHandlers = {
      ...common,
      interrupt_request: async () => {
        o.engine.interrupt();
        return { status: "ok" };
      },
      shutdown_request: async (m) => ({ status: "ok", restart: Boolean(m.content.restart) }),
    };
  }

  async start(): Promise<void> {
    await this.o.transport.start({
      message: (channel, frames) => this.receive(channel, frames),
      subscribed: (topic) => this.iopub.publish(undefined, "iopub_welcome", { subscription: topic.toString("utf8") }),
    });
    this.iopub.publish(undefined, "status", { execution_state: "starting" });
  }

  private receive(channel: InboundChannel, frames: Buffer[]): void {
    const decoded = this.o.codec.decode(frames);
    if (!decoded.ok) {
      this.o.log.limited("dropped messages", `dropped a message on ${channel}: ${decoded.reason}`);
      return;
    }
    const msg = decoded.message;
    if (channel === "control") {
      void this.dispatch("control", msg);
    } else if (channel === "shell") {
      this.shellQueue.push(msg);
      void this.pumpShell();
    } else {
      this.stdin.receive(msg);
    }
  }

  /** Shell requests run one at a time, in arrival order; control requests never wait for them. */
  private async pumpShell(): Promise<void> {
    if (this.processingShell) return;
    this.processingShell = true;
    try {
      for (let msg = this.shellQueue.shift(); msg; msg = this.shellQueue.shift()) {
        if (this.aborted.delete(msg.header.msg_id)) await this.abort(msg);
        else await this.dispatch("shell", msg);
      }
    } finally {
      this.processingShell = false;
    }
  }

  private async dispatch(channel: "shell" | "control", msg: Message): Promise<void> {
    const type = msg.header.msg_type;
    const handlers = channel === "shell" ? this.shellHandlers : this.controlHandlers;
    // Own properties only: "constructor" or "toString" are not message types.
    const handler = Object.hasOwn(handlers, type) ? handlers[type] : undefined;
    const pub = this.iopub.sinkFor(msg);
    pub.status("busy");
    if (!handler) {
      this.o.log.limited("unknown messages", `ignored unknown message type "${type}" on ${channel}`);
      pub.status("idle");
      return;
    }
    let content: Reply | undefined;
    try {
      content = await handler(msg, pub);
    } catch (e) {
      const bad = e instanceof RequestError;
      content = {
        status: "error",
        ename: bad ? "BadRequest" : "KernelError",
        evalue: `${type}: ${(e as Error).message ?? String(e)}`,
        traceback: [],
      };
      if (!bad) this.o.log.limited("handler failures", `handler for ${type} failed: ${(e as Error).stack ?? String(e)}`);
    }
    if (content !== undefined) await this.reply(channel, msg, content);
    pub.status("idle");
    if (type === "shutdown_request" && !this.shuttingDown) {
      this.shuttingDown = true;
      this.o.onShutdown(Boolean(msg.content.restart));
    }
  }

  private reply(channel: "shell" | "control", request: Message, content: Reply): Promise<void> {
    const reply = childMessage(request, replyType(request.header.msg_type), content, this.iopub.who);
    return this.o.transport.send(channel, this.o.codec.encode(reply)).catch((e: Error) => {
      this.o.log.warn(`could not send ${reply.header.msg_type}: ${e.message}`);
    });
  }

  /** A queued execute request after a failed cell: answered, never run. */
  private async abort(msg: Message): Promise<void> {
    const pub = this.iopub.sinkFor(msg);
    pub.status("busy");
    await this.reply("shell", msg, {
      status: "error",
      execution_count: this.executionCount,
      ename: "CellNotRun",
      evalue: "not run: an earlier cell failed and its request set stop_on_error",
      traceback: [],
      user_expressions: {},
      payload: [],
    });
    pub.status("idle");
  }

  private async execute(msg: Message, pub: RequestPublisher): Promise<Reply> {
    const c = msg.content;
    const code = field(c, "code", "string", "");
    const silent = field(c, "silent", "boolean", false);
    const storeHistory = !silent && field(c, "store_history", "boolean", true);
    const stopOnError = field(c, "stop_on_error", "boolean", true);
    const userExpressions = expressions(c);
    const allowStdin = field(c, "allow_stdin", "boolean", true);
    const empty = code.trim() === "";
    if (storeHistory && !empty) this.executionCount++;
    const count = this.executionCount;
    pub.executionCount = count;
    if (!silent) pub.executeInput(code, count);
    if (storeHistory && !empty) this.o.history.record(count, code);

    let outcome: ExecuteOutcome;
    if (empty) {
      outcome = { status: "ok", payload: [], userExpressions: {} };
    } else {
      pub.input = allowStdin
        ? (prompt, password) => this.stdin.ask(msg, prompt, password)
        : refuseInput(
            "input() needs a front end that answers input requests, but this cell was run with allow_stdin: false " +
              "(tskernel run, nbclient and other non-interactive clients do that). Run the cell from JupyterLab, " +
              "Notebook or jupyter console, or give the value in the code.",
          );
      try {
        outcome = await this.o.engine.execute(
          { code, executionCount: count, storeHistory, silent, allowStdin, userExpressions },
          silent ? silenced(pub) : pub,
        );
      } finally {
        const ended = "input() was still waiting when its cell ended; an answer now reaches nobody";
        pub.input = refuseInput("input() can only be called while its cell runs; this cell has ended");
        this.stdin.cancel(msg, ended);
      }
    }
    if (storeHistory && !empty && pub.resultText !== undefined) this.o.history.recordOutput(count, pub.resultText);
    const common = { execution_count: count, user_expressions: outcome.userExpressions, payload: outcome.payload };
    if (outcome.status === "ok") return { status: "ok", ...common };
    if (!silent) pub.error(outcome);
    if (stopOnError) {
      for (const queued of this.shellQueue) {
        if (queued.header.msg_type === "execute_request") this.aborted.add(queued.header.msg_id);
      }
    }
    return { status: "error", ename: outcome.ename, evalue: outcome.evalue, traceback: outcome.traceback, ...common };
  }

  private async complete(msg: Message): Promise<Reply> {
    const code = field(msg.content, "code", "string", "");
    const cursorPos = field(msg.content, "cursor_pos", "number", code.length);
    const r = await this.o.engine.complete(code, codePointToUtf16(code, cursorPos));
    // Each typed match carries its own span, in code points too.
    const typed = r.metadata._jupyter_types_experimental;
    const metadata = Array.isArray(typed)
      ? {
          ...r.metadata,
          _jupyter_types_experimental: typed.map((t: { start: number; end: number }) => ({ ...t, start: utf16ToCodePoint(code, t.start), end: utf16ToCodePoint(code, t.end) })),
        }
      : r.metadata;
    return {
      status: "ok",
      matches: r.matches,
      cursor_start: utf16ToCodePoint(code, r.cursorStart),
      cursor_end: utf16ToCodePoint(code, r.cursorEnd),
      metadata,
    };
  }

  private async inspect(msg: Message): Promise<Reply> {
    const code = field(msg.content, "code", "string", "");
    const cursorPos = field(msg.content, "cursor_pos", "number", code.length);
    const detail = field(msg.content, "detail_level", "number", 0);
    const r = await this.o.engine.inspect(code, codePointToUtf16(code, cursorPos), detail);
    return { status: "ok", found: r.found, data: r.data, metadata: r.metadata };
  }

  private async isComplete(msg: Message): Promise<Reply> {
    return { ...(await this.o.engine.isComplete(field(msg.content, "code", "string", ""))) };
  }

  /** A comm message from the front end goes to the session's handlers; comm messages get no reply. */
  private async comm(msg: Message, pub: RequestPublisher): Promise<undefined> {
    const type = msg.header.msg_type as CommMessageType;
    const c = msg.content;
    const commId = c.comm_id;
    const targetName = type === "comm_open" ? c.target_name : "";
    if (typeof commId !== "string" || commId === "" || typeof targetName !== "string") {
      this.o.log.limited("comm", `ignored a ${type} without a comm_id${type === "comm_open" ? " and target_name" : ""} (strings)`);
      return undefined;
    }
    const data = isRecord(c.data) ? c.data : {};
    await this.o.engine.commMessage({ type, commId, targetName, data, metadata: msg.metadata, buffers: msg.buffers }, pub);
    return undefined;
  }
}
