// Keeps callbacks on the cell that set them up where Node's async context does not reach: an event a
// native handle emits (a socket's "data", a server's "request") runs with no context, and an error that
// a microtask or such an event throws reaches the uncaughtException handler after its context is gone.
import { EventEmitter } from "node:events";
import type { OutputRouter } from "./output.js";

type Method = (this: EventEmitter, ...args: never[]) => unknown;

export class CallbackContext {
  /** The cell that last added a listener to each emitter. */
  private readonly subscriber = new WeakMap<EventEmitter, number>();
  /** The last error that escaped a callback run by `runIn`, and its cell. */
  private escaped: { error: unknown; cell: number } | undefined;

  constructor(private readonly router: OutputRouter) {}

  /** The cell an uncaught error or unhandled rejection belongs to. */
  originOf(error: unknown): number {
    const escaped = this.escaped;
    this.escaped = undefined;
    return escaped !== undefined && escaped.error === error ? escaped.cell : this.router.currentCell();
  }

  private runIn<T>(cell: number, callback: () => T): T {
    try {
      return this.router.cellContext.run(cell, callback);
    } catch (error) {
      this.escaped = { error, cell };
      throw error;
    }
  }

  private cell(): number | undefined {
    return this.router.cellContext.getStore() || undefined;
  }

  install(): void {
    const proto = EventEmitter.prototype;
    const { on, prependListener, emit } = proto;
    // `this` inside the replacements is the emitter, so keep the context object here.
    const context = this;
    const remembering = (original: Method) =>
      function (this: EventEmitter, ...args: never[]) {
        const cell = context.cell();
        // process events (exit, warning, uncaughtException) concern the kernel, not one cell.
        if (cell !== undefined && this !== process) context.subscriber.set(this, cell);
        return original.apply(this, args);
      } as never;
    proto.on = proto.addListener = remembering(on);
    proto.prependListener = remembering(prependListener);
    // Emitting is hot (every stream chunk): the usual case is a map lookup, a context read and a
    // fixed-arity call (spreading arguments would double the cost of an emit).
    proto.emit = function (this: EventEmitter, type: string | symbol, a?: unknown, b?: unknown) {
      const cell = context.subscriber.get(this);
      if (cell === undefined || context.cell() !== undefined) {
        switch (arguments.length) {
          case 1:
            return emit.call(this, type);
          case 2:
            return emit.call(this, type, a);
          case 3:
            return emit.call(this, type, a, b);
          default:
            return Reflect.apply(emit, this, arguments);
        }
      }
      const args = arguments;
      return context.runIn(cell, () => Reflect.apply(emit, this, args));
    } as typeof emit;
    const queue = globalThis.queueMicrotask;
    globalThis.queueMicrotask = (callback: () => void): void => {
      const cell = context.cell();
      queue(cell === undefined || typeof callback !== "function" ? callback : () => context.runIn(cell, callback));
    };
  }
}
