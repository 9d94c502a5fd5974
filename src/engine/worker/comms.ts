// Comms: message channels between objects in the session and a front-end extension (the `comms` global,
// also exported from "tskernel"). Messages a comm sends go out on the request whose async context sends
// them: a cell, a callback it started, or the comm message whose handler runs.
import { randomUUID } from "node:crypto";
import type { CommMessage, CommMessageType } from "../engine.js";
import { describeType, isPlainObject, toJson } from "../../display/bundle.js";
import type { OutputRouter } from "./output.js";

type Json = Record<string, unknown>;

/** What a handler receives besides the data: the whole message. */
interface Received {
  data: Json;
  metadata: Json;
  buffers: Uint8Array[];
}

type Listener = (data: Json, message: Received) => unknown;
type TargetHandler = (comm: Comm, openMessage: Received) => unknown;

interface OpenComm {
  comm: Comm;
  onMessage: Listener[];
  onClose: Listener[];
}

function checkJson(value: unknown, who: string, what: string): Json {
  if (value === undefined) return {};
  if (!isPlainObject(value)) throw new TypeError(`${who} expects ${what} as a plain object of JSON values, such as { value: 1 }; got ${describeType(value)}`);
  return toJson(value, `${who}: the ${what}`) as Json;
}

function checkBuffers(value: unknown, who: string): Uint8Array[] {
  if (value === undefined) return [];
  const views = Array.isArray(value) ? value : [];
  if (!Array.isArray(value) || !views.every((b) => ArrayBuffer.isView(b) || b instanceof ArrayBuffer)) {
    throw new TypeError(`${who} expects buffers as an array of Uint8Array, Buffer or ArrayBuffer; got ${describeType(value)}`);
  }
  // Copies: the bytes as they are now, and only those (a Buffer may view a larger shared pool).
  return views.map((b: ArrayBufferView | ArrayBuffer) => (b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength)).slice());
}

function checkFunction(value: unknown, who: string): void {
  if (typeof value !== "function") throw new TypeError(`${who} expects a function; got ${describeType(value)}`);
}

/** One line for a handler's failure: the user reads it on stderr, the kernel goes on. */
function oneLine(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.split("\n")[0];
}

/** A comm as cells see it; its state lives in the hub, so only the documented methods are visible. */
class Comm {
  readonly #hub: CommHub;
  constructor(
    readonly id: string,
    readonly targetName: string,
    hub: CommHub,
  ) {
    this.#hub = hub;
  }

  get closed(): boolean {
    return !this.#hub.isOpen(this.id);
  }

  send(data?: unknown, metadata?: unknown, buffers?: unknown): void {
    if (this.closed) throw new Error(`comm ${this.id} (target "${this.targetName}") is closed; open a new one with comms.open("${this.targetName}")`);
    const content = { comm_id: this.id, data: checkJson(data, "comm.send", "data") };
    this.#hub.publish("comm_msg", content, checkJson(metadata, "comm.send", "metadata"), checkBuffers(buffers, "comm.send"));
  }

  /** Closes the comm on both sides; the front end is told, and this comm's onClose handlers are not called. */
  close(data?: unknown, metadata?: unknown): void {
    if (this.closed) return;
    const content = { comm_id: this.id, data: checkJson(data, "comm.close", "data") };
    const meta = checkJson(metadata, "comm.close", "metadata");
    this.#hub.forget(this.id);
    this.#hub.publish("comm_close", content, meta);
  }

  onMessage(handler: Listener): void {
    checkFunction(handler, "comm.onMessage");
    this.#hub.listeners(this.id)?.onMessage.push(handler);
  }

  /** `handler` runs when the front end closes the comm. */
  onClose(handler: Listener): void {
    checkFunction(handler, "comm.onClose");
    this.#hub.listeners(this.id)?.onClose.push(handler);
  }
}

export class CommHub {
  private readonly targets = new Map<string, TargetHandler>();
  private readonly open = new Map<string, OpenComm>();

  /** What cells use: `comms.registerTarget`, `comms.unregisterTarget`, `comms.open`. */
  readonly api = {
    registerTarget: (name: unknown, handler: unknown): void => {
      if (typeof name !== "string" || name === "") throw new TypeError(`comms.registerTarget expects a target name (a non-empty string); got ${describeType(name)}`);
      checkFunction(handler, "comms.registerTarget");
      // Re-running the cell that registers a target replaces its handler.
      this.targets.set(name, handler as TargetHandler);
    },
    unregisterTarget: (name: string): boolean => this.targets.delete(name),
    open: (targetName: unknown, data?: unknown, metadata?: unknown, buffers?: unknown): Comm => {
      if (typeof targetName !== "string" || targetName === "") throw new TypeError(`comms.open expects the front end's target name (a non-empty string); got ${describeType(targetName)}`);
      const content = { comm_id: randomUUID(), target_name: targetName, data: checkJson(data, "comms.open", "data") };
      const meta = checkJson(metadata, "comms.open", "metadata");
      const binary = checkBuffers(buffers, "comms.open");
      const comm = this.add(content.comm_id, targetName);
      this.publish("comm_open", content, meta, binary);
      return comm;
    },
  };

  constructor(
    private readonly router: OutputRouter,
    private readonly log: (text: string) => void,
  ) {}

  isOpen(id: string): boolean {
    return this.open.has(id);
  }

  listeners(id: string): OpenComm | undefined {
    return this.open.get(id);
  }

  forget(id: string): void {
    this.open.delete(id);
  }

  publish(type: CommMessageType, content: Json, metadata: Json, buffers: Uint8Array[] = []): void {
    this.router.emit(this.router.currentCell(), { kind: "comm", type, content, metadata, buffers });
  }

  /** The open comms by id, of one target when `targetName` is given (comm_info_request). */
  info(targetName: string | undefined): Record<string, { target_name: string }> {
    const comms: Record<string, { target_name: string }> = {};
    for (const [id, { comm }] of this.open) {
      if (targetName === undefined || comm.targetName === targetName) comms[id] = { target_name: comm.targetName };
    }
    return comms;
  }

  /** Runs the handlers a front-end message is for, in the caller's async context; settles when they have. */
  receive(message: CommMessage): Promise<unknown> {
    const received: Received = { data: message.data, metadata: message.metadata, buffers: message.buffers };
    const id = message.commId;
    switch (message.type) {
      case "comm_open": {
        const handler = this.targets.get(message.targetName);
        if (!handler || this.open.has(id)) {
          this.log(handler ? `comm ${id} is already open: ignored a second comm_open` : `no comm target "${message.targetName}": closing comm ${id}`);
          if (!handler) this.publish("comm_close", { comm_id: id, data: {} }, {});
          return Promise.resolve();
        }
        const comm = this.add(id, message.targetName);
        // A comm whose set-up failed would half work: close it, so the front end knows (as ipykernel does).
        return this.run([handler], [comm, received], `the "${message.targetName}" target's handler for comm ${id} (the comm was closed)`).then((failed) => {
          if (failed) comm.close();
        });
      }
      case "comm_msg": {
        const open = this.open.get(id);
        if (!open) {
          this.log(`comm_msg for comm ${id}, which is not open: ignored`);
          return Promise.resolve();
        }
        return this.run(open.onMessage, [message.data, received], `an onMessage handler of comm ${id} (target "${open.comm.targetName}")`);
      }
      case "comm_close": {
        const open = this.open.get(id);
        this.open.delete(id);
        if (!open) return Promise.resolve();
        return this.run(open.onClose, [message.data, received], `an onClose handler of comm ${id} (target "${open.comm.targetName}")`);
      }
    }
  }

  private add(id: string, targetName: string): Comm {
    const comm = new Comm(id, targetName, this);
    this.open.set(id, { comm, onMessage: [], onClose: [] });
    return comm;
  }

  /**
   * Calls each handler; one that throws or rejects is reported in one line on stderr and the others still
   * run. Resolves once async handlers have settled, with whether any failed.
   */
  private async run(handlers: ((...args: never[]) => unknown)[], args: unknown[], what: string): Promise<boolean> {
    const cell = this.router.currentCell();
    let failed = false;
    const report = (e: unknown) => {
      failed = true;
      this.router.write("stderr", `Error in ${what}: ${oneLine(e)}\n`, cell);
    };
    const pending: Promise<unknown>[] = [];
    for (const handler of [...handlers]) {
      try {
        const result = Reflect.apply(handler, undefined, args);
        if (result instanceof Promise) pending.push(result.catch(report));
      } catch (e) {
        report(e);
      }
    }
    await Promise.all(pending);
    return failed;
  }
}
