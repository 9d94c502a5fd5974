// The main thread's inspector session on the engine worker. It reaches the worker while user code
// keeps the worker's own event loop busy, so interrupts go this way (see worker-engine.ts).
import type inspector from "node:inspector";

export type ProtocolParams = Record<string, unknown>;

interface ProtocolMessage {
  id?: number;
  method?: string;
  params?: ProtocolParams;
  result?: ProtocolParams;
  error?: { message: string };
}

interface Attached {
  params: { sessionId: string; workerInfo: { url: string } };
}

interface Received {
  params: { sessionId: string; message: string };
}

export class WorkerInspector {
  private sessionId: string | undefined;
  private nextId = 1;
  private readonly calls = new Map<number, (message: ProtocolMessage) => void>();
  private readonly listeners = new Set<(message: ProtocolMessage) => void>();

  /** `session`: connected to this thread; `workerUrl`: the script of the worker to talk to. */
  constructor(private readonly session: inspector.Session, workerUrl: string) {
    // The inspector attaches to every worker thread, the parser thread too: keep the engine worker's session.
    session.on("NodeWorker.attachedToWorker", (m: Attached) => {
      if (m.params.workerInfo.url === workerUrl) this.sessionId = m.params.sessionId;
    });
    session.on("NodeWorker.receivedMessageFromWorker", (m: Received) => {
      if (m.params.sessionId === this.sessionId) this.receive(m.params.message);
    });
    session.post("NodeWorker.enable", { waitForDebuggerOnStart: false });
  }

  /** The worker is being replaced: nothing more will come from it. */
  detach(): void {
    this.sessionId = undefined;
    const waiting = [...this.calls.values()];
    this.calls.clear();
    for (const answer of waiting) answer({ error: { message: "the engine worker was replaced" } });
  }

  /** Sends a command whose answer does not matter. */
  send(method: string, params: ProtocolParams = {}): void {
    if (this.sessionId) this.post(this.nextId++, method, params);
  }

  /** Sends a command and resolves with its result; rejects with the worker's error. */
  call(method: string, params: ProtocolParams = {}): Promise<ProtocolParams> {
    return new Promise((resolve, reject) => {
      if (!this.sessionId) return reject(new Error("the engine worker has no inspector session yet"));
      // Waiting before posting: a paused worker's answer can arrive while the post is still being made.
      const id = this.nextId++;
      this.calls.set(id, (m) => (m.error ? reject(new Error(`${method}: ${m.error.message}`)) : resolve(m.result ?? {})));
      this.post(id, method, params);
    });
  }

  /** The parameters of the next `method` event, or undefined if none arrives within `timeoutMs`. */
  nextEvent(method: string, timeoutMs: number): Promise<ProtocolParams | undefined> {
    return new Promise((resolve) => {
      const done = (params: ProtocolParams | undefined) => {
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve(params);
      };
      const listener = (m: ProtocolMessage) => m.method === method && done(m.params ?? {});
      // After the timeout, one more turn of the event loop: a busy main thread may have the event waiting.
      const timer = setTimeout(() => setImmediate(() => done(undefined)), timeoutMs);
      this.listeners.add(listener);
    });
  }

  private post(id: number, method: string, params: ProtocolParams): void {
    this.session.post("NodeWorker.sendMessageToWorker", { sessionId: this.sessionId, message: JSON.stringify({ id, method, params }) });
  }

  private receive(text: string): void {
    const m = JSON.parse(text) as ProtocolMessage;
    if (m.id !== undefined) {
      const answer = this.calls.get(m.id);
      this.calls.delete(m.id);
      answer?.(m);
    } else {
      for (const listener of this.listeners) listener(m);
    }
  }
}
