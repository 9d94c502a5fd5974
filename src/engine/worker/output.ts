// Captures console and process.stdout/stderr in the worker, attributes each write to the cell whose
// async context produced it (a timer started by cell 3 prints into cell 3), and coalesces writes into
// few messages: a flush at 64 KiB, after 40 ms, or when the cell ends.
import { AsyncLocalStorage } from "node:async_hooks";
import { Console } from "node:console";
import type { OutputEvent } from "../worker-protocol.js";

const FLUSH_BYTES = 64 * 1024;
const FLUSH_MS = 40;

export class OutputRouter {
  readonly cellContext = new AsyncLocalStorage<number>();
  /** The latest cell started: output with no cell context (kernel-level callbacks) goes there. */
  private latestCell = 0;
  private pendingCell = -1;
  private pendingName: "stdout" | "stderr" = "stdout";
  private pending: string[] = [];
  private pendingBytes = 0;
  private firstPendingAt = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly post: (cell: number, event: OutputEvent) => void) {}

  cellStarted(cell: number): void {
    this.latestCell = cell;
  }

  currentCell(): number {
    return this.cellContext.getStore() || this.latestCell;
  }

  write(name: "stdout" | "stderr", text: string): void {
    if (text.length === 0) return;
    const cell = this.currentCell();
    if (cell !== this.pendingCell || name !== this.pendingName) this.flush();
    if (this.pending.length === 0) {
      this.pendingCell = cell;
      this.pendingName = name;
      this.firstPendingAt = performance.now();
    }
    this.pending.push(text);
    this.pendingBytes += text.length;
    // Checked on every write, because a synchronous loop never lets a timer fire.
    if (this.pendingBytes >= FLUSH_BYTES || performance.now() - this.firstPendingAt >= FLUSH_MS) {
      this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), FLUSH_MS);
      this.timer.unref();
    }
  }

  /** Any other output (display, result) keeps its order relative to the streams. */
  emit(cell: number, event: OutputEvent): void {
    this.flush();
    this.post(cell, event);
  }

  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pending.length === 0) return;
    const text = this.pending.join("");
    this.pending = [];
    this.pendingBytes = 0;
    this.post(this.pendingCell, { kind: "stream", name: this.pendingName, text });
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
