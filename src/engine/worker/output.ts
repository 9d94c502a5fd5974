// Captures console and process.stdout/stderr in the worker and attributes each write to the cell whose
// async context produced it (a timer started by cell 3 prints into cell 3). Writes go to a shared
// ring that the main thread drains, so output streams live even while user code never yields.
import { AsyncLocalStorage } from "node:async_hooks";
import { Console } from "node:console";
import { hideAsyncBookkeeping } from "../../display/plain-text.js";
import type { OutputEvent } from "../worker-protocol.js";
import type { StreamRing } from "../stream-ring.js";

/** How long a writer waits for the main thread to make room before checking again. */
const ROOM_WAIT_MS = 50;

export class OutputRouter {
  readonly cellContext = new AsyncLocalStorage<number>();
  /** The latest cell started: output with no cell context (kernel-level callbacks) goes there. */
  private latestCell = 0;

  constructor(
    private readonly ring: StreamRing,
    private readonly post: (cell: number, event: OutputEvent) => void,
    /** Tells the main thread there is something to drain; `urgent` when the ring is full. */
    private readonly requestDrain: (urgent: boolean) => void,
  ) {}

  cellStarted(cell: number): void {
    this.latestCell = cell;
  }

  currentCell(): number {
    return this.cellContext.getStore() || this.latestCell;
  }

  /** Writes to the stream of the cell whose async context writes, or of `cell` when the caller knows better. */
  write(name: "stdout" | "stderr", text: string, cell = this.currentCell()): void {
    for (let at = 0; at < text.length; at += this.ring.maxChunk) {
      const chunk = text.slice(at, at + this.ring.maxChunk);
      while (!this.ring.tryWrite(cell, name, chunk)) {
        this.nudge(true);
        this.ring.waitForRoom(ROOM_WAIT_MS);
      }
      this.nudge(false);
    }
  }

  private nudge(urgent: boolean): void {
    if (this.ring.claimNudge() || urgent) this.requestDrain(urgent);
  }

  /** Any other output (display, result) follows the streams written before it: the main thread drains first. */
  emit(cell: number, event: OutputEvent): void {
    // A result that renders as an empty bundle (a display handle) has nothing to show.
    if (event.kind === "result" && Object.keys(event.data).length === 0) return;
    this.post(cell, event);
  }

  /** Replaces the worker's console and process streams so that all user output comes here. */
  install(): void {
    const sink = (name: "stdout" | "stderr") => ({ write: (s: string) => (this.write(name, s), true) });
    const console = new Console({
      stdout: sink("stdout") as unknown as NodeJS.WritableStream,
      stderr: sink("stderr") as unknown as NodeJS.WritableStream,
      colorMode: false,
      ignoreErrors: false,
    });
    // Promises a cell logs are shown without the async hooks' bookkeeping, as its results are.
    for (const method of ["log", "info", "debug", "warn", "error", "dir", "dirxml", "trace", "table", "assert", "group", "groupCollapsed"] as const) {
      const print = console[method].bind(console) as (...args: unknown[]) => void;
      console[method] = (...args: unknown[]) => {
        for (const arg of args) hideAsyncBookkeeping(arg);
        print(...args);
      };
    }
    Object.defineProperty(globalThis, "console", { value: console, writable: true, configurable: true });
    for (const name of ["stdout", "stderr"] as const) {
      const stream = process[name];
      stream.write = ((chunk: unknown, encoding?: unknown, callback?: unknown): boolean => {
        const text =
          typeof chunk === "string"
            ? chunk
            : Buffer.from(chunk as Uint8Array).toString(typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8");
        this.write(name, text);
        const done = typeof encoding === "function" ? encoding : callback;
        if (typeof done === "function") queueMicrotask(() => (done as () => void)());
        return true;
      }) as typeof stream.write;
    }
  }
}
