// The Engine the server talks to, on the main thread: it runs the engine worker, relays requests and
// outputs, interrupts it, and replaces it if it dies, so the kernel itself never goes down.
import { Worker } from "node:worker_threads";
import inspector from "node:inspector";
import os from "node:os";
import v8 from "node:v8";
import type {
  CommMessage,
  CompleteResult,
  Engine,
  ExecuteInput,
  ExecuteOutcome,
  InspectResult,
  IsCompleteResult,
  OutputSink,
} from "./engine.js";
import { CONTROL, type FromWorker, type OutputEvent, type ToWorker, type WorkerAnswers, type WorkerRequest } from "./worker-protocol.js";
import { StreamRing } from "./stream-ring.js";
import { changeDirectoryFor } from "./worker/process-chdir.js";
import { SyntaxThread } from "./syntax/syntax-thread.js";
import { WorkerInspector } from "./worker-inspector.js";
import { WRITE_BACK_LIMIT_MS, writeBackMirrors, type WriteBack } from "./interrupt-progress.js";
import type { Logger } from "../server/log.js";
import type { HistorySource } from "../server/history.js";

const WORKER_URL = new URL("./worker/entry.js", import.meta.url);
/** How long an interrupted cell may take to stop before the session is restarted instead. */
const INTERRUPT_GRACE_MS = 2000;
const KEPT_SINKS = 5000;
/** How long stream output may gather before it is published: fewer, larger messages. */
const STREAM_COALESCE_MS = 10;
/**
 * How long the session must have been idle before its heap is compacted. Not sooner: a compaction
 * lowers V8's heap limits to what is live, so the next allocation-heavy cell pays for major collections
 * (measured: a cell of 200 typed functions took 55 ms without, 240 ms right after one). After half a
 * minute of thought, that one cell's cost goes unnoticed; after a second, it hit nearly every cell.
 */
export const IDLE_COMPACT_MS = 30_000;

/**
 * V8 discards the bytecode of functions that have not run for a few garbage collections, and the idle
 * pauses between a person's cells are when those collections happen: the compiler's code was then
 * compiled again on the next cell (measured: a cell of 200 typed functions took 65–90 ms after a 2 s
 * pause, 52–60 ms with this). Process-wide, so set before the worker's isolate exists.
 */
function keepCompiledCode(): void {
  v8.setFlagsFromString("--no-flush-bytecode");
}

/** Why an interrupted cell's loop progress was not written back, by the write-back's outcome. */
const PROGRESS_LOST: Record<WriteBack, string | undefined> = {
  written: undefined,
  "nothing to write": undefined,
  "not paused": "the worker did not pause in time (it was inside a native call)",
  "no cell on the stack": "the cell's own code was not on the stack",
  "too slow": `the worker did not pause and write them back within ${WRITE_BACK_LIMIT_MS} ms`,
};

interface Pending {
  resolve(value: unknown): void;
  /** The value to answer with if the worker dies before replying. */
  lost(reason: string): unknown;
}

const MB = 1024 * 1024;
/** The least heap a session gets, however little memory is free when the kernel starts. */
const MIN_HEAP_MB = 256;

/** `--max-old-space-size` given to this process (on its command line or in NODE_OPTIONS); it applies to workers too. */
function heapFlagMb(): number | undefined {
  const args = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)];
  for (const arg of args) {
    const m = /^--max[-_]old[-_]space[-_]size=(\d+)$/.exec(arg);
    if (m) return Number(m[1]);
  }
  return undefined;
}

/**
 * The session's heap limit: half the memory available when the kernel starts (within a cgroup limit,
 * if any), at most Node's own default. A runaway allocation then ends the session with a clear message
 * instead of the system killing the whole kernel. Reaching the limit takes about 2 s a GB when the heap
 * fills with large strings and about 15 s a GB with small objects (measured on Node 20), so a lower
 * limit is also reported sooner. `--max-old-space-size` (e.g. in NODE_OPTIONS) overrides it.
 */
function sessionHeapLimitMb(): number {
  const flag = heapFlagMb();
  if (flag !== undefined) return flag;
  let available = os.freemem();
  const constrained = process.constrainedMemory?.() ?? 0;
  if (constrained > 0 && constrained < os.totalmem()) available = Math.min(available, constrained - process.memoryUsage.rss());
  const nodeDefault = v8.getHeapStatistics().heap_size_limit / MB;
  return Math.floor(Math.min(nodeDefault, Math.max(MIN_HEAP_MB, available / 2 / MB)));
}

function lostOutcome(reason: string): ExecuteOutcome {
  return { status: "error", payload: [], userExpressions: {}, ename: "SessionRestarted", evalue: reason, traceback: [`SessionRestarted: ${reason}`] };
}

export class WorkerEngine implements Engine {
  private worker: Worker | undefined;
  private streams!: StreamRing;
  private drainTimer: NodeJS.Timeout | undefined;
  private readonly control = new Int32Array(new SharedArrayBuffer(4 * CONTROL.SIZE));
  private readonly pending = new Map<number, Pending>();
  /** Sinks of recent cells, kept after they finish: their timers may still print. */
  private readonly sinks = new Map<number, OutputSink>();
  private runningCell: number | undefined;
  private lastCell: number | undefined;
  private nextId = 1;
  private readonly inspector = new inspector.Session();
  private readonly workerInspector: WorkerInspector;
  private interrupting: NodeJS.Timeout | undefined;
  private compacting: NodeJS.Timeout | undefined;
  private closing = false;
  private restartReason: string | undefined;
  /** Fixed at start: measured after a crash, the dying session's memory would count as used. */
  private readonly heapLimitMb = sessionHeapLimitMb();
  private readonly syntax = new SyntaxThread();
  /** Replaced session threads that have not stopped yet (one stuck in a native call never does). */
  private readonly replaced = new Set<Worker>();

  /** `notebookDir`: where cells run from (imports, tsconfig.json); the kernel's working directory by default. */
  constructor(
    private readonly log: Logger,
    private readonly notebookDir = process.cwd(),
    /** What user code may read through the main thread (%history). */
    private readonly services: { history?: HistorySource } = {},
  ) {
    keepCompiledCode();
    this.inspector.connect();
    this.workerInspector = new WorkerInspector(this.inspector, WORKER_URL.href);
  }

  /**
   * Starts the worker, which loads the compiler. Called once the sockets are bound, so that loading
   * does not compete for the CPU with answering the first kernel_info_request.
   */
  start(): void {
    // The parser thread first: it is small, and a terminal asks is_complete on the first Enter.
    this.syntax.start();
    if (!this.worker) this.spawn();
  }

  private spawn(): void {
    this.workerInspector.detach();
    Atomics.store(this.control, CONTROL.REGION, CONTROL.IDLE);
    // A fresh ring per worker: a dying worker may still be writing to its own.
    this.streams = StreamRing.create();
    const worker = new Worker(WORKER_URL, {
      workerData: { control: this.control.buffer, streams: this.streams.buffer, notebookDir: this.notebookDir },
      resourceLimits: { maxOldGenerationSizeMb: this.heapLimitMb },
    });
    this.worker = worker;
    worker.on("message", (m: FromWorker) => this.receive(m));
    worker.on("error", (e: Error & { code?: string }) => {
      this.restartReason ??=
        e.code === "ERR_WORKER_OUT_OF_MEMORY"
          ? `the session ran out of memory (its heap limit is ${this.heapLimitMb} MB) and was restarted; its variables are lost. ` +
            "Start the kernel with NODE_OPTIONS=--max-old-space-size=MB to change the limit"
          : `the session crashed (${e.message}) and was restarted; its variables are lost`;
    });
    worker.on("exit", (code) => {
      if (this.worker !== worker || this.closing) return;
      this.replace(this.restartReason ?? `the session ended (process.exit(${code}) was called) and a new one was started; its variables are lost`);
    });
  }

  /** Answers everything in flight with `reason` and starts a fresh worker. */
  private replace(reason: string): void {
    this.log.warn(reason);
    this.restartReason = undefined;
    this.stopInterrupting();
    const pending = [...this.pending.values()];
    this.pending.clear();
    const betweenCells = this.runningCell === undefined;
    this.runningCell = undefined;
    const old = this.worker;
    // A worker paused in the debugger (an interrupt's write-back) would never finish terminating.
    this.workerInspector.send("Debugger.resume");
    this.drainStreams();
    // No cell is running (a timer called process.exit, say): the cell that ran last says what happened.
    if (betweenCells && this.lastCell !== undefined) this.sinks.get(this.lastCell)?.stream("stderr", `SessionRestarted: ${reason}\n`);
    this.spawn();
    if (old) {
      this.replaced.add(old);
      old.once("exit", () => this.replaced.delete(old));
      void old.terminate();
    }
    for (const p of pending) p.resolve(p.lost(reason));
  }

  private receive(m: FromWorker): void {
    if (m.type === "drain") {
      if (m.urgent) this.drainStreams();
      else this.drainTimer ??= setTimeout(() => this.drainStreams(), STREAM_COALESCE_MS);
      return;
    }
    // Streams written before this message was posted are published before it.
    this.drainStreams();
    switch (m.type) {
      case "output":
        this.deliver(m.cell, m.event);
        break;
      case "reply": {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (m.id === this.runningCell) {
          this.runningCell = undefined;
          this.stopInterrupting();
        }
        p?.resolve(m.value);
        if (this.pending.size === 0) this.compactWhenIdle();
        break;
      }
      case "log":
        this.log.info(m.text);
        break;
      case "ask":
        void this.answer(m.id, m.cell, m.request);
        break;
      case "chdir":
        changeDirectoryFor(m);
        break;
      case "ready":
        break;
    }
  }

  /** Answers a request from user code; a failure goes back as its message. */
  private async answer(id: number, cell: number, request: WorkerRequest): Promise<void> {
    const asker = this.worker;
    let reply: ToWorker;
    try {
      reply = { type: "answer", id, ok: true, value: await this.perform(cell, request) };
    } catch (e) {
      reply = { type: "answer", id, ok: false, error: e instanceof Error ? e.message : String(e) };
    }
    // An answer that took long (input) may arrive after a restart: the new worker never asked it.
    if (this.worker === asker) asker?.postMessage(reply);
  }

  private async perform(cell: number, request: WorkerRequest): Promise<WorkerAnswers[WorkerRequest["kind"]]> {
    switch (request.kind) {
      case "chdir":
        // Workers cannot change the process's directory; the worker sees the change in process.cwd().
        process.chdir(request.dir);
        return process.cwd();
      case "history":
        if (!this.services.history) throw new Error("this kernel keeps no history");
        return this.services.history.query(request.request);
      case "input": {
        const sink = this.sinks.get(cell);
        if (!sink) throw new Error("input() was called by a cell whose request is gone; call it while its cell runs");
        return sink.readInput(request.prompt, request.password);
      }
    }
  }

  private drainStreams(): void {
    if (this.drainTimer) clearTimeout(this.drainTimer);
    this.drainTimer = undefined;
    for (const r of this.streams.drain()) this.sinks.get(r.cell)?.stream(r.name, r.text);
  }

  private deliver(cell: number, event: OutputEvent): void {
    const sink = this.sinks.get(cell);
    if (!sink) return;
    switch (event.kind) {
      case "stream":
        return sink.stream(event.name, event.text);
      case "display":
        return sink.displayData(event.data, event.metadata, event.displayId, event.update);
      case "clear":
        return sink.clearOutput(event.wait);
      case "result":
        return sink.executeResult(event.data, event.metadata);
      case "comm":
        return sink.comm(event.type, event.content, event.metadata, event.buffers);
    }
  }

  private request<T>(make: (id: number) => ToWorker, lost: (reason: string) => T): Promise<T> {
    this.start();
    clearTimeout(this.compacting);
    const id = this.nextId++;
    return new Promise<T>((resolve) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, lost });
      this.worker!.postMessage(make(id));
    });
  }

  /** The next request runs user code that writes to `sink` (also later, from its callbacks) and may be interrupted. */
  private runsUserCode(sink: OutputSink): void {
    const id = this.nextId;
    this.sinks.set(id, sink);
    if (this.sinks.size > KEPT_SINKS) this.sinks.delete(this.sinks.keys().next().value as number);
    this.runningCell = id;
    this.lastCell = id;
  }

  execute(input: ExecuteInput, sink: OutputSink): Promise<ExecuteOutcome> {
    this.runsUserCode(sink);
    return this.request((i) => ({ type: "execute", id: i, input }), lostOutcome);
  }

  commMessage(message: CommMessage, sink: OutputSink): Promise<void> {
    this.runsUserCode(sink);
    return this.request((id) => ({ type: "comm", id, message }), () => undefined);
  }

  commInfo(targetName: string | undefined): Promise<Record<string, { target_name: string }>> {
    return this.request((id) => ({ type: "commInfo", id, targetName }), () => ({}));
  }

  complete(code: string, cursor: number): Promise<CompleteResult> {
    return this.request((id) => ({ type: "complete", id, code, cursor }), () => ({
      matches: [], cursorStart: cursor, cursorEnd: cursor, metadata: {},
    }));
  }

  inspect(code: string, cursor: number, detail: number): Promise<InspectResult> {
    return this.request((id) => ({ type: "inspect", id, code, cursor, detail }), () => ({ found: false, data: {}, metadata: {} }));
  }

  isComplete(code: string): Promise<IsCompleteResult> {
    return this.syntax.isComplete(code);
  }

  /**
   * Stops the running cell. Its synchronous part is terminated through the inspector, but only while
   * the worker is inside the region where that is safe (claimed atomically), and only once the values
   * its mirrors reached are written back (interrupt-progress.ts); an awaiting cell is cancelled by message. Code busy elsewhere (a timer's endless loop) cannot be stopped in place:
   * after a grace period the session is restarted.
   */
  interrupt(): void {
    if (this.runningCell === undefined || this.interrupting || !this.worker) return;
    // Seen at once by a worker busy checking the cell; the message, once its event loop turns.
    Atomics.store(this.control, CONTROL.INTERRUPTED_CELL, this.runningCell);
    this.worker.postMessage({ type: "interrupt" } satisfies ToWorker);
    const started = Date.now();
    const attempt = () => {
      if (this.runningCell === undefined) return this.stopInterrupting();
      if (Atomics.compareExchange(this.control, CONTROL.REGION, CONTROL.SAFE, CONTROL.TERMINATING) === CONTROL.SAFE) {
        // Claimed: the grace period starts once the write-back, itself bounded, is done.
        const cell = this.runningCell;
        this.interrupting = setTimeout(() => {
          if (this.runningCell === cell) this.replace("the interrupted cell did not stop (it was inside a native call), so the session was restarted; its variables are lost");
        }, WRITE_BACK_LIMIT_MS + INTERRUPT_GRACE_MS);
        return void this.terminateKeepingProgress();
      }
      if (Date.now() - started > INTERRUPT_GRACE_MS) {
        return this.replace("the cell could not be interrupted in place (it was busy outside its own top-level code), so the session was restarted; its variables are lost");
      }
      this.interrupting = setTimeout(attempt, 5);
    };
    attempt();
  }

  private stopInterrupting(): void {
    if (this.interrupting) clearTimeout(this.interrupting);
    this.interrupting = undefined;
  }

  /** Terminates the running cell's synchronous part (claimed for termination) once its mirrors are written back. */
  private async terminateKeepingProgress(): Promise<void> {
    const worker = this.worker;
    // Asked while the worker is still paused: it stops as soon as it resumes.
    const terminate = () => void (this.worker === worker && this.workerInspector.send("Runtime.terminateExecution"));
    let lost: string | undefined;
    try {
      lost = PROGRESS_LOST[await writeBackMirrors(this.workerInspector, WRITE_BACK_LIMIT_MS, terminate)];
    } catch (e) {
      lost = e instanceof Error ? e.message : String(e);
    }
    if (lost) this.log.warn(`the interrupted cell's variables lose what its loop reached (their values from before the cell are kept): ${lost}`);
  }

  /**
   * Once the session has been idle a while, full garbage collections (the worker's and this thread's)
   * that return free memory to the system. Checking cells churns through far more memory than it
   * keeps, and without this a heap stays at its high-water mark (up to four times what is live) for as
   * long as the kernel runs.
   */
  private compactWhenIdle(): void {
    clearTimeout(this.compacting);
    this.compacting = setTimeout(() => {
      if (this.pending.size > 0) return;
      this.workerInspector.send("HeapProfiler.collectGarbage");
      this.inspector.post("HeapProfiler.collectGarbage");
    }, IDLE_COMPACT_MS);
    this.compacting.unref();
  }

  /**
   * Whether every session thread has stopped, so that the process may exit: Node.js waits in
   * process.exit for each worker thread, and one stuck in a native call would keep it waiting forever.
   */
  get stopped(): boolean {
    return this.replaced.size === 0;
  }

  async close(): Promise<void> {
    this.closing = true;
    this.stopInterrupting();
    clearTimeout(this.compacting);
    if (this.drainTimer) clearTimeout(this.drainTimer);
    this.workerInspector.send("Debugger.resume");
    await Promise.all([this.worker?.terminate(), this.syntax.close()]);
    this.inspector.disconnect();
  }
}
