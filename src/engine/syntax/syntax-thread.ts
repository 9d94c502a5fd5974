// A thread of its own for is_complete. `jupyter console` asks it on every Enter and gives up on the
// kernel's answers for good after one second without a reply; the engine worker can be busy for
// longer (loading the compiler and warming the type checker at start), so it cannot answer in time.
import { Worker } from "node:worker_threads";
import type { IsCompleteResult } from "../engine.js";

const ENTRY_URL = new URL("./entry.js", import.meta.url);

export interface SyntaxRequest {
  id: number;
  code: string;
}
export interface SyntaxReply {
  id: number;
  value: IsCompleteResult;
}

const UNKNOWN: IsCompleteResult = { status: "unknown" };

export class SyntaxThread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, (value: IsCompleteResult) => void>();
  private nextId = 1;

  /** Starts loading the parser in the background, so that the first answer is quick. */
  start(): void {
    if (this.worker) return;
    const worker = new Worker(ENTRY_URL);
    this.worker = worker;
    worker.on("message", (m: SyntaxReply) => {
      this.pending.get(m.id)?.(m.value);
      this.pending.delete(m.id);
    });
    // The parser does not run user code, so this is unexpected; "unknown" lets the front end decide.
    worker.on("error", () => this.abandon(worker));
    worker.on("exit", () => this.abandon(worker));
    // Idle, it must not keep the kernel process alive.
    worker.unref();
  }

  isComplete(code: string): Promise<IsCompleteResult> {
    this.start();
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.worker!.postMessage({ id, code } satisfies SyntaxRequest);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
    this.answerPending();
  }

  /** Answers what the dead thread left unanswered; the next request starts a new one. */
  private abandon(worker: Worker): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.answerPending();
  }

  private answerPending(): void {
    for (const resolve of this.pending.values()) resolve(UNKNOWN);
    this.pending.clear();
  }
}
