// Requests from the worker to the main thread, which owns what a worker cannot touch (the process's
// working directory, the sockets): each is posted with an id and settles when its answer arrives.
import type { FromWorker, ToWorker, WorkerAnswers, WorkerRequest } from "../worker-protocol.js";

type Answer = Extract<ToWorker, { type: "answer" }>;

export class MainThread {
  private readonly waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private nextId = 1;

  constructor(private readonly post: (m: FromWorker) => void) {}

  ask<K extends WorkerRequest["kind"]>(cell: number, request: Extract<WorkerRequest, { kind: K }>): Promise<WorkerAnswers[K]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.post({ type: "ask", id, cell, request });
    });
  }

  answered(m: Answer): void {
    const waiter = this.waiting.get(m.id);
    this.waiting.delete(m.id);
    if (!waiter) return;
    if (m.ok) waiter.resolve(m.value);
    else waiter.reject(new Error(m.error));
  }
}
