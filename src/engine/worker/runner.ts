// Runs cells: compile (cached while the session facts it used still hold), run the synchronous part in
// the region where an interrupt may terminate it, await the rest cancellably, and publish the value.
import vm from "node:vm";
import type { Binding } from "../compile/rewrite.js";
import { CellSyntaxError, compileCell, type CompiledCell, type CompilerSession } from "../compile/cell-compiler.js";
import type { ExecuteInput, ExecuteOutcome, Payload } from "../engine.js";
import { CONTROL } from "../worker-protocol.js";
import type { OutputRouter } from "./output.js";
import type { Box, Session } from "./session.js";
import { CELL_FILE_PREFIX, runtimeError, syntaxError, type CellRegistry } from "./traceback.js";
import { mimeBundle } from "./format.js";
import { importFromSession } from "./imports.js";
import { pageFor } from "./introspect.js";

export class Interrupted extends Error {
  constructor() {
    super("the cell was interrupted (interrupt_request or SIGINT); the session's variables are kept");
    this.name = "KeyboardInterrupt";
  }
}

/** A running cell, as the interrupt handler sees it. */
export class CellState {
  phase: "compile" | "sync" | "async" | "done" = "compile";
  readonly cancelled: Promise<never>;
  cancel: (reason: Error) => void = () => undefined;
  constructor(readonly id: number) {
    this.cancelled = new Promise<never>((_, reject) => (this.cancel = reject));
    this.cancelled.catch(() => undefined);
  }
}

/** What a compiled cell's code calls back into (the `__tsk` parameter; see rewrite.ts). */
class CellRuntime {
  private readonly live: boolean[];
  constructor(
    private readonly boxes: Box[],
    private readonly bindings: Binding[],
    private readonly session: Session,
    private readonly cell: number,
  ) {
    this.live = bindings.map((b) => b.kind === undefined || b.kind === "var" || b.kind === "function");
  }
  d(i: number, value: unknown): void {
    const b = this.bindings[i];
    this.session.define(b.name, value, b.kind ?? "let", this.cell);
    this.live[i] = true;
  }
  s(i: number, value: unknown): void {
    if (this.live[i]) this.boxes[i].v = value;
  }
  u(name: string): unknown {
    if (name in globalThis) return (globalThis as Record<string, unknown>)[name];
    throw new ReferenceError(`${name} is not defined`);
  }
  z(): undefined {
    return undefined;
  }
  t(name: string): unknown {
    return (globalThis as Record<string, unknown>)[name];
  }
  c(name: string): never {
    throw new TypeError(`Assignment to constant variable '${name}'.`);
  }
  i(specifier: string): Promise<unknown> {
    return importFromSession(specifier);
  }
}

type Lookup = [keyof CompilerSession, string, unknown];

/** Remembers each session fact the compiler asked for, so a cached compile is reused only while they hold. */
class RecordingSession implements CompilerSession {
  readonly lookups: Lookup[] = [];
  constructor(private readonly session: Session) {}
  private record<T>(method: keyof CompilerSession, name: string, value: T): T {
    this.lookups.push([method, name, value]);
    return value;
  }
  has(n: string) {
    return this.record("has", n, this.session.has(n));
  }
  isGlobal(n: string) {
    return this.record("isGlobal", n, this.session.isGlobal(n));
  }
  kind(n: string) {
    return this.record("kind", n, this.session.kind(n));
  }
  captured(n: string) {
    return this.record("captured", n, this.session.captured(n));
  }
}

export class CellRunner {
  private readonly cache = new Map<string, { compiled: CompiledCell; lookups: Lookup[] }>();
  private tokens = 0;

  constructor(
    private readonly session: Session,
    private readonly router: OutputRouter,
    private readonly cells: CellRegistry,
    private readonly control: Int32Array,
  ) {}

  /** Loads and exercises the compiler before the first cell arrives. */
  warmUp(): void {
    compileCell("const __warm: number = 1; __warm + 1", "warmup.ts", new RecordingSession(this.session));
  }

  private compile(code: string): CompiledCell {
    const hit = this.cache.get(code);
    if (hit && hit.lookups.every(([m, n, v]) => this.session[m](n) === v)) return hit.compiled;
    const recorder = new RecordingSession(this.session);
    const compiled = compileCell(code, "cell.ts", recorder);
    this.cache.delete(code);
    this.cache.set(code, { compiled, lookups: recorder.lookups });
    if (this.cache.size > 500) this.cache.delete(this.cache.keys().next().value as string);
    return compiled;
  }

  private leaveSafeRegion(): void {
    const was = Atomics.compareExchange(this.control, CONTROL.REGION, CONTROL.SAFE, CONTROL.IDLE);
    // The main thread has claimed this run for termination: wait here, where termination is safe.
    if (was === CONTROL.TERMINATING) for (;;);
  }

  async execute(id: number, input: ExecuteInput, state: CellState): Promise<ExecuteOutcome> {
    const label = `Cell In[${input.executionCount}]`;
    const page = pageFor(input.code, this.session);
    if (page !== undefined) return { status: "ok", payload: [page], userExpressions: {} };
    if (input.storeHistory) this.session.recordInput(input.executionCount, input.code);
    const outcome = await this.run(id, input.code, label, state, input.executionCount);
    if (!outcome.ok) return { status: "error", payload: [], userExpressions: {}, ...outcome.error };
    if (outcome.value !== undefined && !input.silent) {
      const { data, metadata } = mimeBundle(outcome.value);
      this.router.emit(id, { kind: "result", data, metadata });
      if (input.storeHistory) this.session.recordResult(input.executionCount, outcome.value);
    }
    const userExpressions: Record<string, unknown> = {};
    for (const [key, expr] of Object.entries(input.userExpressions)) {
      const r = await this.run(id, expr, `${label} user_expressions[${key}]`, new CellState(id), input.executionCount);
      userExpressions[key] = r.ok
        ? { status: "ok", ...mimeBundle(r.value) }
        : { status: "error", ...r.error };
    }
    return { status: "ok", payload: [] as Payload[], userExpressions };
  }

  private async run(
    id: number,
    code: string,
    label: string,
    state: CellState,
    count: number,
  ): Promise<{ ok: true; value: unknown } | { ok: false; error: ReturnType<typeof runtimeError> }> {
    let compiled: CompiledCell;
    try {
      compiled = this.compile(code);
    } catch (e) {
      if (e instanceof CellSyntaxError) return { ok: false, error: syntaxError(label, code, e.diagnostics) };
      throw e;
    }
    this.session.markCaptured(compiled.captured);
    const token = ++this.tokens;
    this.cells.add(token, label, code, compiled.sourceMap);
    const boxes = compiled.bindings.map((b) => this.session.box(b.name));
    const runtime = new CellRuntime(boxes, compiled.bindings, this.session, count);
    let result: unknown;
    try {
      const fn = vm.runInThisContext(compiled.script, { filename: CELL_FILE_PREFIX + token }) as (...a: unknown[]) => unknown;
      state.phase = "sync";
      Atomics.store(this.control, CONTROL.REGION, CONTROL.SAFE);
      try {
        result = this.router.cellContext.run(id, () => fn(runtime, ...boxes));
      } finally {
        this.leaveSafeRegion();
        state.phase = "async";
      }
      if (compiled.isAsync) result = await Promise.race([result, state.cancelled]);
    } catch (e) {
      return { ok: false, error: runtimeError(e, this.cells) };
    }
    return { ok: true, value: result };
  }
}
