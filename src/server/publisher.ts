// iopub messages caused by one request: every one carries that request's header as its parent.
import { childMessage, type Message, type SessionIdentity } from "../protocol/messages.js";
import type { WireCodec } from "../protocol/wire.js";
import type { Transport } from "../transport/transport.js";
import type { CommMessageType, ErrorInfo, MimeBundle, OutputSink } from "../engine/engine.js";

export class IopubChannel {
  constructor(
    private readonly transport: Transport,
    private readonly codec: WireCodec,
    readonly who: SessionIdentity,
  ) {}

  publish(parent: Message<unknown> | undefined, msgType: string, content: unknown, metadata: Record<string, unknown> = {}, buffers: Uint8Array[] = []): void {
    const msg = childMessage(parent, msgType, content, this.who, metadata);
    msg.buffers = buffers.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    // iopub is not routed by identity: the first frame is a topic, as ipykernel sends it.
    msg.identities = [Buffer.from(`kernel.${this.who.session}.${msgType}`)];
    void this.transport.send("iopub", this.codec.encode(msg)).catch(() => undefined);
  }

  /** A sink bound to `parent`, for the engine to write the request's outputs to. */
  sinkFor(parent: Message<unknown>): RequestPublisher {
    return new RequestPublisher(this, parent);
  }
}

/** How a request reads input from its front end; refuses by default (only a running cell may ask). */
export type InputSource = (prompt: string, password: boolean) => Promise<string>;

export const refuseInput =
  (reason: string): InputSource =>
  () =>
    Promise.reject(new Error(reason));

export class RequestPublisher implements OutputSink {
  constructor(
    private readonly iopub: IopubChannel,
    readonly parent: Message<unknown>,
  ) {}

  /** Set by the handler of the request while it may read input. */
  input: InputSource = refuseInput("input() can only be called while a cell runs, from that cell's code");

  readInput(prompt: string, password: boolean): Promise<string> {
    return this.input(prompt, password);
  }

  /** The count an `execute_result` of this request carries, set once the request has one. */
  executionCount = 0;

  /** The text/plain of this request's execute_result, once it has one: the cell's output in history. */
  resultText: string | undefined;

  status(state: "busy" | "idle"): void {
    this.iopub.publish(this.parent, "status", { execution_state: state });
  }

  executeInput(code: string, count: number): void {
    this.iopub.publish(this.parent, "execute_input", { code, execution_count: count });
  }

  stream(name: "stdout" | "stderr", text: string): void {
    this.iopub.publish(this.parent, "stream", { name, text });
  }

  displayData(data: MimeBundle, metadata: Record<string, unknown>, displayId?: string, update = false): void {
    const transient = displayId === undefined ? {} : { display_id: displayId };
    this.iopub.publish(this.parent, update ? "update_display_data" : "display_data", { data, metadata, transient });
  }

  clearOutput(wait: boolean): void {
    this.iopub.publish(this.parent, "clear_output", { wait });
  }

  executeResult(data: MimeBundle, metadata: Record<string, unknown>): void {
    if (typeof data["text/plain"] === "string") this.resultText = data["text/plain"];
    this.iopub.publish(this.parent, "execute_result", { execution_count: this.executionCount, data, metadata });
  }

  comm(type: CommMessageType, content: Record<string, unknown>, metadata: Record<string, unknown>, buffers: Uint8Array[]): void {
    this.iopub.publish(this.parent, type, content, metadata, buffers);
  }

  error(info: ErrorInfo): void {
    this.iopub.publish(this.parent, "error", { ename: info.ename, evalue: info.evalue, traceback: info.traceback });
  }
}

/** A `silent` execution publishes no output; it may still ask for input and talk over comms like any cell. */
export function silenced(pub: RequestPublisher): OutputSink {
  return {
    stream() {},
    displayData() {},
    clearOutput() {},
    executeResult() {},
    readInput: (prompt, password) => pub.readInput(prompt, password),
    comm: (type, content, metadata, buffers) => pub.comm(type, content, metadata, buffers),
  };
}
