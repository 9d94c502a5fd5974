// Runs cells: compile (cached while the session facts it used still hold), run the synchronous part in
// the region where an interrupt may terminate it, await the rest cancellably, and publish the value.
import vm from "node:vm";
import type { Binding } from "../compile/rewrite.js";
import { CellSyntaxError, compileCell, compileChecked, type CellDiagnostic, type CompiledCell, type CompilerSession } from "../compile/cell-compiler.js";
import type { CellChecker, CheckedCell, ResultType } from "../../language/cell-checker.js";
import type { ErrorInfo, ExecuteInput, ExecuteOutcome, Payload } from "../engine.js";
import { CONTROL } from "../worker-protocol.js";
import type { OutputRouter } from "./output.js";
import type { Box, Session } from "./session.js";
import { CellResources } from "./disposal.js";
import { CELL_FILE_PREFIX, diagnosticLines, diagnosticsError, runtimeError, type CellRegistry } from "./traceback.js";
import { mimeBundle } from "./format.js";
import { cellImportMeta, importFromSession, importNowFromSession, SessionModules } from "./imports.js";
import { moduleMagics, type ModulesTarget } from "../../magics/modules.js";
import { Introspection } from "./introspect.js";
import { splitMixedCell, type CellPart } from "../../magics/mixed-cell.js";
import { isStackOverflow, tooDeepMessage } from "../../language/too-deep.js";
import { cellColumn, objectLiteralCell, type ColumnShift } from "../../language/object-literal-cell.js";
import { isSingleExpression } from "../../language/single-expression.js";
import { blankOut } from "../../language/blank-out.js";
import { MagicRegistry, magicAmongCode, parseMagicCell, UsageError, type MagicInvocation, type MagicResult } from "../../magics/registry.js";
import { typecheckMagic, type TypecheckTarget } from "../../magics/typecheck.js";
import { lsmagicMagic, type MagicList } from "../../magics/lsmagic.js";
import { namespaceMagics, type Namespace, type NamespaceTarget } from "../../magics/namespace.js";
import { CellFailure, timingMagics, type CodeExecution, type ExecutionTarget } from "../../magics/timing.js";
import { environmentMagics, type EnvironmentTarget } from "../../magics/environment.js";
import { outputCellMagics } from "../../magics/output-cells.js";
import { shellMagics, type ShellTarget } from "../../magics/shell.js";
import { historyMagic, type HistoryTarget } from "../../magics/history.js";
import type { MainThread } from "./main-thread.js";
import { declaredInSource, type Declared } from "../../language/declarations.js";
import { SessionNamespace } from "./namespace.js";
import type { Drill } from "./compiler-practice.js";
import { Interrupted, leaveSafeRegion } from "./interrupted.js";

/** Line magics that change neither the session's names nor how code is checked. */
const LEAVE_SESSION_ALONE = new Set(["pwd", "env", "history", "lsmagic", "modules", "who", "who_ls", "whos", "scope", "closure"]);

/** "Cannot redeclare", "Duplicate identifier", "Duplicate function implementation". */
const REDECLARATION = new Set([2451, 2300, 2393]);

/** Diagnostics of a cell's compiled text at the cell's own columns. */
function atCellColumns(diagnostics: CellDiagnostic[], shift: ColumnShift | undefined): CellDiagnostic[] {
  return shift ? diagnostics.map((d) => ({ ...d, column: cellColumn(d.line, d.column, shift) })) : diagnostics;
}

/** A running cell, as the interrupt handler sees it. */
export class CellState {
  phase: "compile" | "sync" | "async" | "done" = "compile";
  /** What must still happen if the synchronous part is terminated: its reached declarations join the session. */
  onTerminated: (() => void) | undefined;
  readonly cancelled: Promise<never>;
  /** Set by an interrupt: code that has not started yet (the next %timeit run) does not start. */
  interrupted = false;
  private reject: (reason: Error) => void = () => undefined;
  constructor(readonly id: number) {
    this.cancelled = new Promise<never>((_, reject) => (this.reject = reject));
    this.cancelled.catch(() => undefined);
  }
  cancel(reason: Error): void {
    this.interrupted = true;
    this.reject(reason);
  }
}

/** What a compiled cell's code calls back into (the `__tsk` parameter; see rewrite.ts). */
class CellRuntime {
  private readonly live: boolean[];
  /** The cell's top-level `using` resources (see ../compile/using.ts). */
  private readonly resources = new CellResources();
  constructor(
    private readonly boxes: Box[],
    private readonly bindings: Binding[],
    private readonly session: Session,
    private readonly cell: number,
    /** Read by an interrupt, in the paused cell's frame (see interrupt-progress.ts). */
    readonly writeBack: string,
  ) {
    this.live = bindings.map((b) => b.kind === undefined || b.kind === "var" || b.kind === "function");
  }
  d(i: number, value: unknown): void {
    const b = this.bindings[i];
    this.session.define(b.name, value, b.kind ?? "let", this.cell);
    this.live[i] = true;
  }
  /** `import { key as name }` (or a default import): bound to the module's namespace, live. */
  l(i: number, namespace: object, key: string): void {
    this.session.defineImport(this.bindings[i].name, namespace, key, this.cell);
    this.live[i] = true;
  }
  /** Whether this run reached the declaration of `name`. */
  defined(name: string): boolean {
    const i = this.bindings.findIndex((b) => b.name === name);
    return i >= 0 && this.live[i] && this.bindings[i].kind !== undefined;
  }
  s(i: number, value: unknown): void {
    if (this.live[i]) this.boxes[i].v = value;
  }
  u(name: string): unknown {
    if (name in globalThis) return (globalThis as Record<string, unknown>)[name];
    throw new ReferenceError(`${name} is not defined`);
  }
  /** Where a write to a session name that is not defined goes: the builtin it shadowed, else nowhere (a ReferenceError, as in JavaScript). */
  w(name: string): { v: unknown } {
    if (!(name in globalThis)) throw new ReferenceError(`${name} is not defined`);
    const builtins = globalThis as Record<string, unknown>;
    return {
      get v() {
        return builtins[name];
      },
      set v(value) {
        builtins[name] = value;
      },
    };
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
  /** The module at once, if it needs no wait; the cell awaits `i` only when this is undefined. */
  n(specifier: string): unknown {
    return importNowFromSession(specifier);
  }
  meta(): ImportMeta {
    return cellImportMeta();
  }
  use<T>(value: T, isAsync: boolean): T {
    return this.resources.use(value, isAsync);
  }
  failed(error: unknown): void {
    this.resources.failed(error);
  }
  dispose(): void {
    this.resources.dispose();
  }
  disposeAsync(): Promise<void> {
    return this.resources.disposeAsync();
  }
  /** The cell was interrupted: what it still holds is disposed now (see CellResources.abandon). */
  abandon(report: (error: unknown) => void): void {
    this.resources.abandon(report);
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

export type TypecheckMode = "on" | "warn" | "off";

interface CacheEntry {
  compiled: CompiledCell;
  lookups: Lookup[];
  /** For a checked compile: the session files the check read (see CellChecker.plan). */
  imports: string | undefined;
  result?: ResultType;
}

/** A compiled cell's function, bound to the session. */
interface LoadedCell {
  prepared: Prepared;
  token: number;
  /** Calls the cell function; only inside `interruptible`. */
  invoke(): unknown;
  /** Calls the cell function where an interrupt may stop it. */
  call(): unknown;
  /** After the last call: the declarations it reached join the session. */
  finish(): void;
  /** After an interrupt: the cell's `using` resources are disposed (soon, in its output). */
  abandon(): void;
}

/** What compiling a cell gave: code to run, and for a checked cell what later cells learn from it. */
interface Prepared {
  compiled: CompiledCell;
  /** The static type of the cell's value, when it was checked. */
  result?: ResultType;
  /** The cell's check, when it was checked: later cells learn its declarations from it. */
  checked?: CheckedCell;
  /** The names the cell declares, as the user wrote them. */
  declared: Map<string, Declared>;
}

/** A cell run to its end: its value, or the error that stopped it. */
type RunOutcome = { ok: true; value: unknown; prepared: Prepared; token: number } | { ok: false; error: ErrorInfo };

/** What a magic may use: the runner's settings, the namespace, the registry, and the cell that invoked it. */
type MagicContext = TypecheckTarget & NamespaceTarget & MagicList & ExecutionTarget & ShellTarget & EnvironmentTarget & HistoryTarget & ModulesTarget;

export class CellRunner {
  readonly magics = new MagicRegistry<MagicContext>().register(
    lsmagicMagic,
    typecheckMagic,
    ...namespaceMagics,
    ...timingMagics,
    ...environmentMagics,
    ...outputCellMagics,
    ...shellMagics,
    historyMagic,
    ...moduleMagics,
  );
  readonly namespace: Namespace;
  readonly introspection: Introspection;
  readonly modules: SessionModules;
  private readonly cache = new Map<string, CacheEntry>();
  /** Disposals of interrupted cells not run yet (see abandonLater). */
  private readonly abandoned: (() => void)[] = [];
  private tokens = 0;
  typecheck: TypecheckMode = "on";

  constructor(
    private readonly session: Session,
    private readonly router: OutputRouter,
    private readonly cells: CellRegistry,
    private readonly control: Int32Array,
    private readonly checker: CellChecker,
    private readonly mainThread: MainThread,
    /** True while the worker's message handler itself is on the stack. */
    private readonly inMessageTurn: () => boolean,
    report: (problem: string) => void,
  ) {
    this.namespace = new SessionNamespace(session, checker);
    this.modules = new SessionModules(session, checker, cells, report);
    this.introspection = new Introspection(session, checker, this.magics, () => this.modules.list(), report);
  }

  /** Loads and exercises the compiler and the type checker (about a second) before the first cell. */
  warmUp(): void {
    const code = "const __warm: number = 1; __warm + 1";
    const checked = this.checker.check(code);
    compileChecked(code, checked.program, checked.file, new RecordingSession(this.session));
    compileCell(code, "warmup.ts", new RecordingSession(this.session));
    // Cells that declare nothing are checked with their own options: warm those too.
    this.checker.check("__warm + 1");
  }

  /**
   * Checks and compiles a cell (with its declaration file) or a module, without running it or keeping
   * any of it: practice for V8's compiler (compiler-practice.ts). True when it compiled without errors.
   */
  practise({ as, code }: Drill): boolean {
    if (as === "module") return this.modules.practise(code);
    const checked = this.checker.check(code);
    if (checked.syntax.length > 0 || checked.diagnostics.length > 0) return false;
    compileChecked(code, checked.program, checked.file, new RecordingSession(this.session));
    this.checker.declarations(checked);
    return true;
  }

  /** Loads and exercises the language service, which completion and inspection use. */
  warmLanguageService(): void {
    this.introspection.complete("Math.m", 6);
    this.introspection.inspect("Math.max", 6, 0);
  }

  private cached(code: string, imports: string | undefined): CacheEntry | undefined {
    const hit = this.cache.get(code);
    if (!hit || hit.imports !== imports || !hit.lookups.every(([m, n, v]) => this.session[m](n) === v)) return undefined;
    return hit;
  }

  private remember(code: string, entry: CacheEntry): void {
    this.cache.delete(code);
    this.cache.set(code, entry);
    if (this.cache.size > 500) this.cache.delete(this.cache.keys().next().value as string);
  }

  /**
   * Compiles (and unless `%typecheck off`, checks) a cell; type errors stop it unless the mode is warn.
   * `source`: the whole cell, when `code` is a part of it (its other lines blanked), for excerpts in errors;
   * `shift`: where `code` has a column more than the cell (see object-literal-cell.ts).
   */
  private prepare(code: string, label: string, source = code, shift?: ColumnShift): Prepared | { error: ReturnType<typeof runtimeError> } {
    if (this.typecheck === "off") {
      const hit = this.cached(code, undefined);
      const recorder = new RecordingSession(this.session);
      const compiled = hit?.compiled ?? compileCell(code, "cell.ts", recorder);
      if (!hit) this.remember(code, { compiled, lookups: recorder.lookups, imports: undefined });
      return { compiled, declared: compiled.bindings.some((b) => b.kind !== undefined) ? declaredInSource(code) : new Map() };
    }
    const plan = this.checker.plan(code);
    // A cell that declares nothing checks the same while the session files it reads are the same.
    const declaresNothing = plan.declared.size === 0 && plan.modules.size === 0;
    const hit = declaresNothing ? this.cached(code, plan.suffix) : undefined;
    if (hit) return { compiled: hit.compiled, result: hit.result, declared: plan.declared };
    const checked = this.checker.check(code, plan);
    const syntax = atCellColumns(checked.syntax, shift);
    if (syntax.length > 0) return { error: diagnosticsError("SyntaxError", label, source, syntax, magicAmongCode(source, syntax[0].line)) };
    const diagnostics = atCellColumns(checked.diagnostics, shift);
    // TypeScript's grammar errors (codes below 2000) are syntax errors to a user, whatever the mode.
    const grammar = diagnostics.filter((d) => d.code < 2000);
    if (grammar.length > 0) return { error: diagnosticsError("SyntaxError", label, source, grammar) };
    if (diagnostics.length > 0) {
      if (this.typecheck === "on") return { error: diagnosticsError("TypeCheckError", label, source, diagnostics, magicAmongCode(source, diagnostics[0].line)) };
      this.router.write("stderr", `Type errors (running anyway: %typecheck warn):\n${diagnosticLines(label, source, diagnostics).join("\n")}\n`);
    }
    const recorder = new RecordingSession(this.session);
    const compiled = compileChecked(code, checked.program, checked.file, recorder);
    if (declaresNothing && checked.diagnostics.length === 0) {
      this.remember(code, { compiled, lookups: recorder.lookups, imports: checked.imports, result: checked.result });
    }
    return { compiled, result: checked.result, checked, declared: checked.declared };
  }

  /**
   * Disposes an interrupted cell's resources after the interrupt's reply, so a disposal that never ends
   * delays no reply, but always before the next cell: that cell may already be waiting to run.
   */
  private abandonLater(dispose: () => void): void {
    this.abandoned.push(dispose);
    setImmediate(() => this.disposeAbandoned());
  }

  private disposeAbandoned(): void {
    for (let dispose = this.abandoned.shift(); dispose; dispose = this.abandoned.shift()) dispose();
  }

  async execute(id: number, input: ExecuteInput, state: CellState): Promise<ExecuteOutcome> {
    this.disposeAbandoned();
    try {
      return await this.executeCell(id, input, state);
    } finally {
      this.introspection.sessionChanged();
    }
  }

  private async executeCell(id: number, input: ExecuteInput, state: CellState): Promise<ExecuteOutcome> {
    const label = `Cell In[${input.executionCount}]`;
    const page = this.introspection.page(input.code);
    if (page !== undefined) return { status: "ok", payload: [page], userExpressions: {} };
    if (input.storeHistory) this.session.recordInput(input.executionCount, input.code);
    // Only when something changed: a cell that starts after an await cannot be terminated in place.
    this.modules.cellStarting();
    const changed = this.modules.changedForAutoreload();
    if (changed.length > 0) await this.autoreload(changed);
    const magics = parseMagicCell(input.code);
    const parts: CellPart[] | undefined = magics ? magics.map((magic) => ({ magic })) : splitMixedCell(input.code);
    const payload: Payload[] = [];
    if (parts) {
      const failure = await this.runParts(id, input, state, label, parts, payload);
      if (failure) return { status: "error", payload: [], userExpressions: {}, ...failure };
    } else {
      const outcome = await this.runCode(id, input.code, label, state, input);
      if (!outcome.ok) return { status: "error", payload: [], userExpressions: {}, ...outcome.error };
      this.showResult(id, input, outcome.value, outcome.prepared.result, outcome.prepared.checked?.declared.keys() ?? [], outcome.token);
    }
    return { status: "ok", payload, userExpressions: await this.userExpressions(id, input, label) };
  }

  /**
   * A cell of magics, or of code with magics among it: each part in order, stopping at the first that
   * fails; the last part's value is the cell's result. Payloads of magics are collected in `payload`.
   */
  private async runParts(id: number, input: ExecuteInput, state: CellState, label: string, parts: CellPart[], payload: Payload[]): Promise<ErrorInfo | undefined> {
    const typeErrors = this.typeErrorsAcrossParts(input.code, label, parts);
    if (typeErrors) return typeErrors;
    const context = this.magicContext(id, state, this.executionFor(id, state, input.executionCount));
    for (const [index, part] of parts.entries()) {
      const last = index === parts.length - 1;
      if ("code" in part) {
        const outcome = await this.runCode(id, part.code, label, state, input);
        if (!outcome.ok) return outcome.error;
        if (last) this.showResult(id, input, outcome.value, outcome.prepared.result, outcome.prepared.checked?.declared.keys() ?? [], outcome.token);
        continue;
      }
      let result: MagicResult | undefined;
      try {
        result = await this.router.cellContext.run(id, () => this.runMagic(part.magic, context));
      } catch (e) {
        if (e instanceof CellFailure) return e.info;
        if (!(e instanceof UsageError)) throw e;
        return { ename: e.name, evalue: e.message, traceback: [`${e.name}: ${e.message}`] };
      }
      payload.push(...(result?.payload ?? []));
      if (last && result && "value" in result) this.showResult(id, input, result.value, result.type, []);
    }
    return undefined;
  }

  /**
   * A cell whose code is split by magics that leave the session alone (`%who` between statements) is
   * checked whole first, its magic lines blanked: a type error after the magic stops the cell before
   * any part of it runs, as it stops a cell of code alone. A magic that may change what later code
   * sees (%run, %typecheck, %xdel...) leaves each part to its own check, as the cell runs. So do
   * redeclarations: a later part may declare a name again, as a later cell may.
   */
  private typeErrorsAcrossParts(code: string, label: string, parts: CellPart[]): ErrorInfo | undefined {
    const codeParts = parts.filter((p) => "code" in p).length;
    if (this.typecheck !== "on" || codeParts < 2 || !parts.every((p) => "code" in p || LEAVE_SESSION_ALONE.has(p.magic.name))) return undefined;
    const magicLines = new Set(parts.flatMap((p) => ("magic" in p ? [p.magic.at.line] : [])));
    const whole = code.split(/(?<=\n)/).map((line, i) => (magicLines.has(i) ? blankOut(line) : line)).join("");
    const checked = this.checker.check(whole, this.checker.plan(whole));
    const diagnostics = checked.diagnostics.filter((d) => d.code >= 2000 && !REDECLARATION.has(d.code));
    return diagnostics.length > 0 ? diagnosticsError("TypeCheckError", label, code, diagnostics) : undefined;
  }

  /** A cell's code, or a part of it: a cell that begins with an object literal shows it (see object-literal-cell.ts). */
  private runCode(id: number, code: string, label: string, state: CellState, input: ExecuteInput): Promise<RunOutcome> {
    const literal = objectLiteralCell(code);
    return this.run(id, literal?.code ?? code, label, state, input.executionCount, input.code, literal?.shift);
  }

  /** The request's user_expressions, each evaluated after the cell, as IPython does. */
  private async userExpressions(id: number, input: ExecuteInput, label: string): Promise<Record<string, unknown>> {
    const userExpressions: Record<string, unknown> = {};
    for (const [key, expr] of Object.entries(input.userExpressions)) {
      if (!isSingleExpression(expr)) {
        const evalue = `user_expressions[${JSON.stringify(key)}] must be one expression; ${JSON.stringify(expr)} is not, so it was not run`;
        userExpressions[key] = { status: "error", ename: "SyntaxError", evalue, traceback: [`SyntaxError: ${evalue}`] };
        continue;
      }
      const literal = objectLiteralCell(expr);
      const r = await this.run(id, literal?.code ?? expr, `${label} user_expressions[${key}]`, new CellState(id), input.executionCount, expr, literal?.shift);
      userExpressions[key] = r.ok
        ? { status: "ok", ...mimeBundle(r.value) }
        : { status: "error", ...r.error };
    }
    return userExpressions;
  }

  /** `%autoreload`: changed local modules reload before the cell, and one line says which. */
  private async autoreload(changed: string[]): Promise<void> {
    const report = await this.modules.beforeCell(changed);
    if (report.reloaded) this.router.write("stdout", `${report.reloaded}\n`);
    if (report.failed) this.router.write("stderr", `${report.failed}\n`);
  }

  private magicContext(id: number, state: CellState, execution: CodeExecution): MagicContext {
    const runner = this;
    return {
      output: {
        write: (name, text) => this.router.write(name, text, id),
        display: (data) => this.router.emit(id, { kind: "display", data, metadata: {}, update: false }),
      },
      cancelled: state.cancelled,
      chdir: (dir) => this.mainThread.ask(id, { kind: "chdir", dir }),
      history: (request) => this.mainThread.ask(id, { kind: "history", request }),
      get typecheck() {
        return runner.typecheck;
      },
      set typecheck(mode: TypecheckMode) {
        runner.typecheck = mode;
      },
      namespace: this.namespace,
      magics: this.magics,
      execution,
      modules: this.modules,
    };
  }

  private async runMagic(invocation: MagicInvocation, context: MagicContext): Promise<MagicResult | undefined> {
    const magic = this.magics.find(invocation);
    const call = this.magics.parse(magic, invocation);
    const result = "help" in call ? { output: call.help } : await magic.run(call, context);
    if (result?.output) this.router.write("stdout", result.output);
    return result;
  }

  /** Publishes a cell's value and keeps it in Out, `_n` and `_` (with its type, for later checks). */
  private showResult(id: number, input: ExecuteInput, value: unknown, type: ResultType | undefined, ownNames: Iterable<string>, token = 0): void {
    if (value === undefined || input.silent) return;
    const { data, metadata } = mimeBundle(value);
    this.router.emit(id, { kind: "result", data, metadata });
    if (!input.storeHistory) return;
    for (const culled of this.session.recordResult(input.executionCount, value)) this.checker.forgetResult(culled);
    this.checker.recordResult(input.executionCount, token, ownNames, type);
  }

  /** `prepare`, with a cell the compiler cannot take (a syntax error when unchecked, nesting too deep) as its error. */
  private prepareOrError(code: string, label: string, source: string, shift?: ColumnShift): Prepared | { error: ErrorInfo } {
    try {
      return this.prepare(code, label, source, shift);
    } catch (e) {
      if (e instanceof CellSyntaxError) return { error: diagnosticsError("SyntaxError", label, source, atCellColumns(e.diagnostics, shift)) };
      if (isStackOverflow(e)) {
        // The checker reads the local modules the cell imports too: the overflow may be in one of them.
        const evalue = tooDeepMessage(`The code of ${label} (or of a local module it imports)`);
        return { error: { ename: "SyntaxError", evalue, traceback: [`SyntaxError: ${evalue}`] } };
      }
      throw e;
    }
  }

  /** Compiles a cell and readies its function, to call once (or many times, for %timeit). */
  private load(id: number, code: string, label: string, state: CellState, count: number, source = code, shift?: ColumnShift): LoadedCell | { error: ErrorInfo } {
    const prepared = this.prepareOrError(code, label, source, shift);
    if ("error" in prepared) return { error: prepared.error };
    const { compiled } = prepared;
    this.session.markCaptured(compiled.captured);
    const token = ++this.tokens;
    this.cells.add(token, label, source, compiled.sourceMap, shift);
    const boxes = compiled.bindings.map((b) => this.session.box(b.name));
    const runtime = new CellRuntime(boxes, compiled.bindings, this.session, count, compiled.writeBack);
    const fn = vm.runInThisContext(compiled.script, { filename: CELL_FILE_PREFIX + token }) as (...a: unknown[]) => unknown;
    const invoke = () => fn(runtime, ...boxes);
    const report = (e: unknown) => this.router.write("stderr", `Disposing a resource after the interrupt failed: ${runtimeError(e, this.cells).traceback.join("\n")}\n`, id);
    return {
      prepared,
      token,
      invoke,
      abandon: () => this.abandonLater(() => this.router.cellContext.run(id, () => runtime.abandon(report))),
      call: () => this.interruptible(id, state, invoke),
      finish: () => {
        // Types always exist once the cell ran; values only if their declaration was reached.
        const values = new Set(compiled.bindings.filter((b) => b.kind !== undefined).map((b) => b.name));
        const reached = [...prepared.declared.keys()].filter((n) => !values.has(n) || runtime.defined(n));
        this.session.declareNames(count, prepared.declared, reached);
        if (prepared.checked) this.checker.commit(token, label, prepared.checked, reached);
        else this.checker.commitUntyped(token, label, prepared.declared, reached);
      },
    };
  }

  /** Runs synchronous user code where an interrupt may terminate it, with its output attributed to the cell. */
  private interruptible<T>(id: number, state: CellState, fn: () => T): T {
    if (state.interrupted) throw new Interrupted();
    // Terminating is only safe on the message handler's own stack, not in a promise continuation
    // (measured: it corrupts Node's async context stack); elsewhere an interrupt waits, then restarts.
    const terminable = this.inMessageTurn();
    state.phase = "sync";
    if (terminable) Atomics.store(this.control, CONTROL.REGION, CONTROL.SAFE);
    try {
      return this.router.cellContext.run(id, fn);
    } finally {
      if (terminable) leaveSafeRegion(this.control);
      state.phase = "async";
    }
  }

  private async run(
    id: number,
    code: string,
    label: string,
    state: CellState,
    count: number,
    source = code,
    shift?: ColumnShift,
  ): Promise<RunOutcome> {
    const loaded = this.load(id, code, label, state, count, source, shift);
    if ("error" in loaded) return { ok: false, error: loaded.error };
    return this.runLoaded(loaded, state);
  }

  /** Runs a loaded cell once; its declarations join the session, even if it fails part-way. */
  private async runLoaded(loaded: LoadedCell, state: CellState): Promise<RunOutcome> {
    let result: unknown;
    let failure: unknown;
    let failed = false;
    state.onTerminated = () => {
      loaded.finish();
      loaded.abandon();
    };
    try {
      result = loaded.call();
      if (loaded.prepared.compiled.isAsync) result = await Promise.race([result, state.cancelled]);
    } catch (e) {
      failed = true;
      failure = e;
      if (e instanceof Interrupted) loaded.abandon();
    }
    state.onTerminated = undefined;
    loaded.finish();
    return failed ? { ok: false, error: runtimeError(failure, this.cells) } : { ok: true, value: result, prepared: loaded.prepared, token: loaded.token };
  }

  /** What magics that run code (%time, %timeit) may do within the cell that invoked them. */
  private executionFor(id: number, state: CellState, count: number): CodeExecution {
    const label = `Cell In[${count}]`;
    return {
      run: async (code) => {
        // Checking and compiling are timed apart, as IPython times its compiler: the code's own time is what is asked.
        const compileStart = performance.now();
        const loaded = this.load(id, code, label, state, count);
        const compileMs = performance.now() - compileStart;
        if ("error" in loaded) throw new CellFailure(loaded.error);
        const wall = performance.now();
        const cpu = process.cpuUsage();
        const outcome = await this.runLoaded(loaded, state);
        const timing = { wallMs: performance.now() - wall, cpu: process.cpuUsage(cpu), compileMs };
        if (!outcome.ok) throw new CellFailure(outcome.error);
        return { value: outcome.value, type: outcome.prepared.result, ...timing };
      },
      repeatable: (code) => {
        const loaded = this.load(id, code, label, state, count);
        if ("error" in loaded) throw new CellFailure(loaded.error);
        state.onTerminated = loaded.finish;
        const isAsync = loaded.prepared.compiled.isAsync;
        return {
          time: async (loops) => {
            try {
              // Between runs, let an interrupt message in: runs after the first cannot be terminated in place.
              if (!this.inMessageTurn()) await new Promise((resolve) => setImmediate(resolve));
              const start = performance.now();
              if (isAsync) {
                for (let i = 0; i < loops; i++) await Promise.race([loaded.call(), state.cancelled]);
              } else {
                this.interruptible(id, state, () => {
                  for (let i = 0; i < loops; i++) loaded.invoke();
                });
              }
              return performance.now() - start;
            } catch (e) {
              throw new CellFailure(runtimeError(e, this.cells));
            }
          },
          finish: () => {
            state.onTerminated = undefined;
            loaded.finish();
          },
        };
      },
    };
  }
}
