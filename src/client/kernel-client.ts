// A Jupyter client over ZeroMQ: DEALER sockets for shell/control/stdin, SUB for iopub, REQ for heartbeat.
import { EventEmitter } from "node:events";
import { randomBytes } from "node:crypto";
import * as zmq from "zeromq";
import { SendQueue } from "../transport/send-queue.js";
import { endpoint, type ConnectionInfo } from "../protocol/connection.js";
import { makeHeader, newSession, type JsonObject, type Message, type SessionIdentity } from "../protocol/messages.js";
import { WireCodec, type Rejection } from "../protocol/wire.js";

export type RequestChannel = "shell" | "control";
export type SendChannel = RequestChannel | "stdin";

export interface KernelClientOptions {
  /** The session id in every header this client sends; random unless given. */
  session?: string;
  username?: string;
}

export interface RequestOptions {
  /** Reject when no reply came in this time; no limit unless given. */
  timeoutMs?: number;
}

export interface ExecuteOptions {
  silent?: boolean;
  store_history?: boolean;
  /** Defaults to whether `onInput` is given, since without it nobody can answer. */
  allow_stdin?: boolean;
  stop_on_error?: boolean;
  user_expressions?: Record<string, string>;
  /** Reject with an ExecuteTimeoutError when the reply and idle status did not both arrive in this time. */
  timeoutMs?: number;
  onIopub?(msg: Message): void;
  onInput?(request: Message): string | Promise<string>;
}

export interface ExecuteResult {
  reply: Message;
  /** Every iopub message whose parent is this request, in arrival order, including both statuses. */
  iopub: Message[];
}

export class ExecuteTimeoutError extends Error {
  constructor(
    readonly msgId: string,
    readonly timeoutMs: number,
    /** The iopub messages that had arrived when the time ran out. */
    readonly iopub: Message[],
    /** Settles when the execution finishes after all (e.g. once interrupted), or rejects when the client closes. */
    readonly completion: Promise<ExecuteResult>,
  ) {
    super(`execution did not finish within ${timeoutMs} ms`);
  }
}

export class RequestTimeoutError extends Error {}
export class ClientClosedError extends Error {}

export interface KernelClientEvents {
  iopub: [msg: Message];
  /** A reply on shell or control, after it was matched to its request (or found none). */
  reply: [channel: RequestChannel, msg: Message];
  /** An input_request that no execute() call answers; answer it with `replyInput`. */
  stdin: [msg: Message];
  /** Frames the codec refused (bad signature, replayed, malformed). */
  rejected: [channel: string, reason: Rejection];
}

interface PendingReply {
  resolve(msg: Message): void;
  reject(e: Error): void;
}

interface RunningExecution {
  iopub: Message[];
  reply?: Message;
  idle: boolean;
  onIopub?(msg: Message): void;
  onInput?(request: Message): string | Promise<string>;
  finish(): void;
}

export class KernelClient extends EventEmitter<KernelClientEvents> {
  readonly who: SessionIdentity;
  private readonly codec: WireCodec;
  private readonly shell: zmq.Dealer;
  private readonly control: zmq.Dealer;
  private readonly stdin: zmq.Dealer;
  private readonly iopubSocket: zmq.Subscriber;
  private readonly hb: zmq.Request;
  private readonly queues: Record<SendChannel, SendQueue>;
  private readonly pending = new Map<string, PendingReply>();
  private readonly executions = new Map<string, RunningExecution>();
  private hbChain: Promise<unknown> = Promise.resolve();
  private iopubSeen = false;
  private closed = false;

  private constructor(
    readonly info: ConnectionInfo,
    opts: KernelClientOptions,
  ) {
    super();
    this.who = { ...newSession(opts.username ?? "tskernel-client"), ...(opts.session ? { session: opts.session } : {}) };
    this.codec = new WireCodec(info.key, info.signature_scheme);
    // The kernel routes input_request to the identity that sent execute_request, so stdin must share shell's.
    const identity = `tskernel-client-${randomBytes(8).toString("hex")}`;
    // A client usually connects before the kernel has bound its ports: retry every 10 ms, not zeromq's
    // default 100 ms, so a new kernel is reached as soon as it listens.
    const common = { linger: 0, reconnectInterval: 10 };
    this.shell = new zmq.Dealer({ ...common, routingId: identity });
    this.stdin = new zmq.Dealer({ ...common, routingId: identity });
    this.control = new zmq.Dealer(common);
    this.iopubSocket = new zmq.Subscriber(common);
    // relaxed + correlate let a new ping go out after one went unanswered, ignoring a late echo of the old one.
    this.hb = new zmq.Request({ ...common, relaxed: true, correlate: true });
    this.queues = {
      shell: new SendQueue(this.shell),
      control: new SendQueue(this.control),
      stdin: new SendQueue(this.stdin),
    };
  }

  /** Connects all five sockets; ZeroMQ connects in the background, so the kernel need not be listening yet. */
  static connect(info: ConnectionInfo, opts: KernelClientOptions = {}): KernelClient {
    const client = new KernelClient(info, opts);
    client.shell.connect(endpoint(info, "shell"));
    client.control.connect(endpoint(info, "control"));
    client.stdin.connect(endpoint(info, "stdin"));
    client.iopubSocket.connect(endpoint(info, "iopub"));
    client.iopubSocket.subscribe();
    client.hb.connect(endpoint(info, "hb"));
    void client.receive("shell", client.shell);
    void client.receive("control", client.control);
    void client.receive("stdin", client.stdin);
    void client.receive("iopub", client.iopubSocket);
    return client;
  }

  /** A message from this client's session, for `send` or for encoding by hand in tests. */
  message(msgType: string, content: JsonObject, metadata: JsonObject = {}, parent?: Message): Message {
    return {
      header: makeHeader(msgType, this.who),
      parent_header: parent ? parent.header : {},
      metadata,
      content,
      buffers: [],
      identities: [],
    };
  }

  /** Signs and frames a message as it goes on the wire from a DEALER (no identities). */
  encode(msg: Message): Buffer[] {
    return this.codec.encode(msg);
  }

  send(channel: SendChannel, msg: Message): Promise<void> {
    return this.sendFrames(channel, this.codec.encode(msg));
  }

  /** Sends frames exactly as given, e.g. tampered or malformed ones in tests. */
  sendFrames(channel: SendChannel, frames: Buffer[]): Promise<void> {
    if (this.closed) return Promise.reject(new ClientClosedError("client is closed"));
    return this.queues[channel].send(frames);
  }

  /** Sends a request and resolves with the reply whose parent is that request. */
  request(
    channel: RequestChannel,
    msgType: string,
    content: JsonObject = {},
    metadata: JsonObject = {},
    options: RequestOptions = {},
  ): Promise<Message> {
    const msg = this.message(msgType, content, metadata);
    const reply = this.awaitReply(msg.header.msg_id, options.timeoutMs, msgType);
    this.send(channel, msg).catch((e: Error) => this.settleReply(msg.header.msg_id, e));
    return reply;
  }

  /** Resolves once both the execute_reply and the iopub `idle` status of this request arrived. */
  execute(code: string, options: ExecuteOptions = {}): Promise<ExecuteResult> {
    const msg = this.message("execute_request", {
      code,
      silent: options.silent ?? false,
      store_history: options.store_history ?? true,
      user_expressions: options.user_expressions ?? {},
      allow_stdin: options.allow_stdin ?? options.onInput !== undefined,
      stop_on_error: options.stop_on_error ?? true,
    });
    const msgId = msg.header.msg_id;
    let resolveDone!: (r: ExecuteResult) => void;
    let rejectDone!: (e: Error) => void;
    const done = new Promise<ExecuteResult>((resolve, reject) => {
      resolveDone = resolve;
      rejectDone = reject;
    });
    const run: RunningExecution = {
      iopub: [],
      idle: false,
      onIopub: options.onIopub,
      onInput: options.onInput,
      finish: () => {
        if (run.reply && run.idle) {
          this.executions.delete(msgId);
          resolveDone({ reply: run.reply, iopub: run.iopub });
        }
      },
    };
    this.executions.set(msgId, run);
    this.awaitReply(msgId).then(
      (reply) => {
        run.reply = reply;
        run.finish();
      },
      (e: Error) => {
        this.executions.delete(msgId);
        rejectDone(e);
      },
    );
    this.send("shell", msg).catch((e: Error) => this.settleReply(msgId, e));

    if (options.timeoutMs === undefined) return done;
    // A timed-out execution keeps collecting, so the caller can interrupt and still see what follows.
    done.catch(() => undefined);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new ExecuteTimeoutError(msgId, options.timeoutMs!, [...run.iopub], done));
      }, options.timeoutMs);
      done.then(resolve, reject).finally(() => clearTimeout(timer));
    });
  }

  /** Answers an input_request (from the `stdin` event) with what the user typed. */
  replyInput(request: Message, value: string): Promise<void> {
    return this.send("stdin", this.message("input_reply", { value }, {}, request));
  }

  /** Resolves true when the kernel echoes a ping within the time. */
  heartbeat(timeoutMs = 1000): Promise<boolean> {
    const result = this.hbChain.then(() => this.ping(timeoutMs));
    this.hbChain = result;
    return result;
  }

  /**
   * Sends kernel_info_request until one is answered and iopub has delivered something, as jupyter_client does:
   * requests and iopub messages sent before the SUB socket finished connecting are lost.
   */
  async waitForReady(options: { timeoutMs?: number; intervalMs?: number; signal?: AbortSignal } = {}): Promise<Message> {
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    const intervalMs = options.intervalMs ?? 500;
    const signal = options.signal;
    const attempts: string[] = [];
    let reply: Message | undefined;
    let wake: (() => void) | undefined;
    const onIopub = (): void => wake?.();
    this.on("iopub", onIopub);
    try {
      while (!(reply && this.iopubSeen)) {
        signal?.throwIfAborted();
        if (Date.now() >= deadline) throw new RequestTimeoutError("the kernel did not answer kernel_info_request");
        const msg = this.message("kernel_info_request", {});
        attempts.push(msg.header.msg_id);
        // Any attempt's reply counts: a kernel that starts slowly answers the first ones late.
        this.awaitReply(msg.header.msg_id).then(
          (r) => {
            reply ??= r;
            wake?.();
          },
          () => undefined,
        );
        await this.send("shell", msg);
        await new Promise<void>((resolve) => {
          const stop = (): void => {
            clearTimeout(timer);
            signal?.removeEventListener("abort", stop);
            wake = undefined;
            resolve();
          };
          const timer = setTimeout(stop, Math.max(0, Math.min(intervalMs, deadline - Date.now())));
          signal?.addEventListener("abort", stop, { once: true });
          wake = () => {
            if (reply && this.iopubSeen) stop();
          };
        });
      }
      return reply;
    } finally {
      this.off("iopub", onIopub);
      for (const id of attempts) this.settleReply(id, new RequestTimeoutError("superseded by another attempt"));
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const id of [...this.pending.keys()]) this.settleReply(id, new ClientClosedError("client closed"));
    for (const s of [this.shell, this.control, this.stdin, this.iopubSocket, this.hb]) s.close();
  }

  private async ping(timeoutMs: number): Promise<boolean> {
    if (this.closed) return false;
    const payload = randomBytes(8);
    const deadline = Date.now() + timeoutMs;
    try {
      await this.hb.send(payload);
    } catch {
      return false;
    }
    // A late echo of an earlier ping wakes receive() only for libzmq to drop it, which zeromq.js reports as
    // EAGAIN at once; keep waiting for our own echo until the time is up.
    while (!this.closed && Date.now() < deadline) {
      this.hb.receiveTimeout = Math.max(1, deadline - Date.now());
      try {
        const [echo] = await this.hb.receive();
        if (echo.equals(payload)) return true;
      } catch (e) {
        // EAGAIN: timed out, or a stale echo was dropped; the loop condition decides. Anything else is final.
        if ((e as { code?: string }).code !== "EAGAIN") return false;
      }
    }
    return false;
  }

  private awaitReply(msgId: string, timeoutMs?: number, what = "request"): Promise<Message> {
    return new Promise<Message>((resolve, reject) => {
      if (this.closed) {
        reject(new ClientClosedError("client is closed"));
        return;
      }
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(
              () => this.settleReply(msgId, new RequestTimeoutError(`no reply to ${what} within ${timeoutMs} ms`)),
              timeoutMs,
            );
      this.pending.set(msgId, {
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  }

  private settleReply(msgId: string, outcome: Message | Error): void {
    const waiter = this.pending.get(msgId);
    if (!waiter) return;
    this.pending.delete(msgId);
    if (outcome instanceof Error) waiter.reject(outcome);
    else waiter.resolve(outcome);
  }

  private async receive(channel: SendChannel | "iopub", socket: zmq.Readable): Promise<void> {
    try {
      for await (const frames of socket) {
        const decoded = this.codec.decode(frames as Buffer[]);
        if (!decoded.ok) {
          this.emit("rejected", channel, decoded.reason);
          continue;
        }
        this.dispatch(channel, decoded.message);
      }
    } catch (e) {
      // Closing the socket ends the loop quietly; anything else leaves the waiting requests without an answer.
      if (!this.closed) {
        const error = new Error(`${channel} socket failed: ${(e as Error).message}`);
        for (const id of [...this.pending.keys()]) this.settleReply(id, error);
      }
    }
  }

  private dispatch(channel: SendChannel | "iopub", msg: Message): void {
    const parentId = (msg.parent_header as { msg_id?: string }).msg_id;
    switch (channel) {
      case "iopub": {
        this.iopubSeen = true;
        const run = parentId === undefined ? undefined : this.executions.get(parentId);
        if (run) {
          run.iopub.push(msg);
          run.onIopub?.(msg);
          if (msg.header.msg_type === "status" && msg.content.execution_state === "idle") {
            run.idle = true;
            run.finish();
          }
        }
        this.emit("iopub", msg);
        return;
      }
      case "stdin": {
        const run = parentId === undefined ? undefined : this.executions.get(parentId);
        if (msg.header.msg_type === "input_request" && run?.onInput) {
          const onInput = run.onInput;
          void Promise.resolve()
            .then(() => onInput(msg))
            .catch(() => "")
            .then((value) => this.replyInput(msg, value))
            .catch(() => undefined);
        } else if (this.listenerCount("stdin") > 0) {
          this.emit("stdin", msg);
        } else if (msg.header.msg_type === "input_request") {
          // Nobody can type: an empty answer keeps the kernel from waiting forever.
          void this.replyInput(msg, "").catch(() => undefined);
        }
        return;
      }
      default:
        if (parentId !== undefined) this.settleReply(parentId, msg);
        this.emit("reply", channel, msg);
    }
  }
}
