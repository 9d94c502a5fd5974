// The module registry (Python's `sys.modules`): every module the session loaded, by resolved path.
// A module's top-level code runs once; importing it again returns the cached module. Local modules
// are run by the registry itself (see compile.ts) so that it can re-execute them in place: each has
// a stable namespace object (its "facade") whose properties read the current execution's exports,
// so `import * as m` in a cell, and every module that imported it, see a reload's new bindings.
import vm from "node:vm";
import { createRequire } from "node:module";
import { readFileSync, realpathSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { inspect } from "node:util";
import { pathToFileURL } from "node:url";
import { codeFingerprint } from "./significant.js";
import { starReexports, type CompiledModule, type ModuleCompiler, type TopLevel } from "./compile.js";
import { ModuleNotFound, requireResolve, resolveModule, type ModuleKind, type ResolutionMode, type Resolved } from "./resolve.js";
import type { CellRegistry } from "../traceback.js";
import { withParsePlace } from "./parse-place.js";

interface NodeModuleObject {
  exports: unknown;
  id: string;
  filename: string;
  loaded: boolean;
  path: string;
  require: NodeJS.Require;
  /** Set by a `%run` compile: the file's top-level names (see compile.ts). */
  __tskScope?: Record<string, unknown>;
}

interface Execution {
  module: NodeModuleObject;
}

type Facade = Record<string | symbol, unknown>;

export interface LocalModule {
  path: string;
  kind: ModuleKind;
  state: "loading" | "loaded";
  compiled: CompiledModule;
  /** The execution whose exports the facade shows. */
  current: Execution;
  facade: Facade;
  /** What a module sees when it imports this one while it is still loading (a cycle). */
  pending: Facade;
  /** Modification time and size of the file when it was compiled. */
  version: string;
  loadedAt: Date;
  loadMs: number;
  /** Local modules this one imports. */
  deps: Set<string>;
  /** Settles when an import that waits (for a package or top-level await) finished loading it; absent for one loaded at once. */
  ready?: Promise<void>;
  /** While its static imports load: the local module it waits for, so that no other load waits for it in a circle. */
  awaiting?: string;
}

interface ForeignModule {
  kind: "builtin" | "package";
  path: string;
  loadedAt: Date;
  loadMs: number;
}

function compiledFrom(m: LocalModule): ModuleListing["compiled"] {
  if (m.kind === "local json") return undefined;
  return m.compiled.fromCache ? "cache" : "now";
}

export interface ModuleListing {
  specifiers: string[];
  path: string;
  kind: ModuleKind;
  loadedAt: Date;
  loadMs: number;
  /** Whether the file changed (in code, not only comments or layout) since it was loaded; undefined for builtins and packages. */
  changed: boolean | undefined;
  /** Where its running code came from: compiled in this session, or the cache of compiled modules; undefined for builtins, packages and JSON. */
  compiled: "now" | "cache" | undefined;
}

/** A local module's code failed while running: the module is not registered (or, on reload, the old one stays). */
export class ModuleRunError extends Error {
  /** The modules whose import led to this one, innermost first: shown below the error's frames. */
  readonly importers: string[] = [];

  constructor(
    readonly path: string,
    readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = cause instanceof Error ? cause.name : "Error";
    if (cause instanceof Error && cause.stack) this.stack = cause.stack;
  }
}

/** Modification time and size of a file: what a write changes. One stat, so checking 100 modules before each cell stays cheap. */
export function fileVersion(path: string): string {
  const s = statSync(path, { throwIfNoEntry: false });
  return s ? `${s.mtimeMs}:${s.size}` : "missing";
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

const isObjectLike = (v: unknown): v is object => (typeof v === "object" && v !== null) || typeof v === "function";

export class ModuleRegistry {
  private readonly locals = new Map<string, LocalModule>();
  private readonly foreign = new Map<string, ForeignModule>();
  /** ES-module packages loaded for local modules: what their `require()` returns. */
  private readonly esmPackages = new Map<string, Facade>();
  /** CommonJS packages as imports see them (see commonJsPackageView), one object each. */
  private readonly commonJsViews = new Map<string, unknown>();
  private readonly specifiers = new Map<string, Set<string>>();
  private readonly reloadListeners: ((m: LocalModule) => void)[] = [];
  /** How many times each file's code was started (import, reload, %run). */
  private readonly runs = new Map<string, number>();
  /** Namespaces of builtins and ES-module packages imported before: a later import needs no wait. */
  private readonly namespaces = new Map<string, unknown>();
  /** Modules importNow compiled but could not load at once: the waiting import uses them, if unchanged. */
  private readonly precompiled = new Map<string, { version: string; compiled: CompiledModule }>();

  /**
   * `traces` learns each module's source map as it runs, so errors point into its TypeScript.
   * `provided` gives the modules the kernel itself provides ("tskernel"), to modules as to cells.
   */
  constructor(
    private readonly compiler: ModuleCompiler,
    private readonly traces: CellRegistry,
    private readonly provided: (specifier: string) => unknown = () => undefined,
  ) {}

  /** Called after each successful reload (the session rebinds names imported from the module). */
  onReload(listener: (m: LocalModule) => void): void {
    this.reloadListeners.push(listener);
  }

  private note(specifier: string, path: string): void {
    const set = this.specifiers.get(path) ?? new Set<string>();
    set.add(specifier);
    this.specifiers.set(path, set);
  }

  local(path: string): LocalModule | undefined {
    return this.locals.get(path);
  }

  /** `import` from a cell or a module: the module's namespace. */
  async import(specifier: string, from: string, ancestors: ReadonlySet<string> = new Set()): Promise<unknown> {
    const given = this.provided(specifier);
    if (given) return given;
    const r = resolveModule(specifier, from, "import");
    this.note(specifier, r.path);
    if (r.kind === "package" && !r.esm) return this.commonJsPackageView(r, from);
    if (r.kind === "builtin" || r.kind === "package") return this.importForeign(r);
    const m = await this.loadLocal(r.path, ancestors);
    return m.state === "loaded" ? m.facade : m.pending;
  }

  /**
   * A cell's `import`, when it needs no wait: a module imported before, a CommonJS package, or a local
   * module whose imports all load at once too (none uses top-level await or an ES-module package not yet
   * loaded). The module then runs within the cell's own synchronous run, where an interrupt stops it in
   * place and the session survives. Undefined when it must wait: the caller imports it as usual.
   */
  importNow(specifier: string, from: string): unknown {
    const given = this.provided(specifier);
    if (given) return given;
    let r: Resolved;
    try {
      r = resolveModule(specifier, from, "import");
    } catch {
      // Not found: the usual import says where it looked.
      return undefined;
    }
    const value = this.loadNow(r, from);
    if (value !== undefined) this.note(specifier, r.path);
    return value;
  }

  private loadNow(r: Resolved, from: string): unknown {
    if (r.kind === "package" && !r.esm) return this.commonJsPackageView(r, from);
    if (r.kind === "builtin" || r.kind === "package") return this.namespaces.get(r.path);
    const known = this.locals.get(r.path);
    if (known) return known.state === "loaded" ? known.facade : undefined;
    if (!this.loadsNow(r.path, new Set())) return undefined;
    const m = this.requireLocal(r.path);
    return m.state === "loaded" ? m.facade : m.pending;
  }

  /** Whether a local module and its imports can load without waiting; compiles those not loaded yet. */
  private loadsNow(path: string, seen: Set<string>): boolean {
    if (seen.has(path) || this.locals.get(path)?.state === "loaded") return true;
    if (this.locals.has(path)) return false;
    seen.add(path);
    const version = fileVersion(path);
    const compiled = this.precompiledFor(path) ?? this.compile(path);
    this.precompiled.set(path, { version, compiled });
    if (compiled.isAsync) return false;
    return compiled.loads.every(({ specifier, mode }) => {
      if (this.provided(specifier)) return true;
      const r = resolveImport(specifier, path, mode);
      if (r.kind === "package") return !r.esm || this.esmPackages.has(r.path);
      return r.kind === "builtin" || this.loadsNow(r.path, seen);
    });
  }

  /** What importNow compiled of a file, while the file is unchanged since. */
  private precompiledFor(path: string): CompiledModule | undefined {
    const kept = this.precompiled.get(path);
    this.precompiled.delete(path);
    return kept && kept.version === fileVersion(path) ? kept.compiled : undefined;
  }

  /**
   * A CommonJS package as a cell's `import` sees it, as TypeScript's esModuleInterop types it: every
   * property of `module.exports` by name, and `module.exports` as the default (a compiled ES module's
   * own exports, `__esModule` says so). Node's own import finds only the names its static analysis can.
   */
  private commonJsPackageView(r: Resolved, from: string): unknown {
    const known = this.commonJsViews.get(r.path);
    if (known) return known;
    const exports = this.requireForeign(r, from);
    const view = isObjectLike(exports) && (exports as { __esModule?: unknown }).__esModule ? exports : commonJsNamespace(exports);
    this.commonJsViews.set(r.path, view);
    return view;
  }

  private async importForeign(r: Resolved): Promise<unknown> {
    const start = performance.now();
    let ns: Record<string, unknown>;
    try {
      ns = (await import(r.kind === "builtin" ? r.path : pathToFileURL(r.path).href)) as Record<string, unknown>;
    } catch (e) {
      throw withParsePlace(e, r.path);
    }
    this.namespaces.set(r.path, ns);
    if (!this.foreign.has(r.path)) this.foreign.set(r.path, { kind: r.kind as "builtin" | "package", path: r.path, loadedAt: new Date(), loadMs: performance.now() - start });
    return ns;
  }

  /**
   * `require()` from a cell or a module: what Node's require would give (a local ES module gives its
   * namespace). With mode `import`, a module's static import as its emit requires it: an ES package it
   * preloaded, found as `import` finds it.
   */
  require(specifier: string, from: string, mode: ResolutionMode = "require"): unknown {
    const given = this.provided(specifier);
    if (given) return given;
    const r = resolveModule(specifier, from, mode);
    this.note(specifier, r.path);
    if (r.kind === "builtin" || r.kind === "package") {
      const esm = this.esmPackages.get(r.path);
      if (esm) return esm;
      if (r.esm) {
        throw new Error(`"${specifier}" is an ES module package (${r.path}): require() cannot load it in Node 20; use import or await import()`);
      }
      return this.requireForeign(r, from);
    }
    return this.requireView(this.requireLocal(r.path));
  }

  private requireForeign(r: Resolved, from: string): unknown {
    const start = performance.now();
    let value: unknown;
    try {
      value = createRequire(join(from, "[importer]"))(r.path);
    } catch (e) {
      // Node 20 loads a file with ES syntax through its ES loader, whose parse errors name no place.
      throw withParsePlace(e, r.path);
    }
    if (!this.foreign.has(r.path)) this.foreign.set(r.path, { kind: r.kind as "builtin" | "package", path: r.path, loadedAt: new Date(), loadMs: performance.now() - start });
    return value;
  }

  /** What `require()` of a local module gives: a CommonJS module's exports, an ES module's namespace. */
  private requireView(m: LocalModule): unknown {
    if (m.state === "loading") return m.compiled.isEsm ? m.pending : m.current.module.exports;
    return m.compiled.isEsm ? m.facade : m.current.module.exports;
  }

  private compile(path: string): CompiledModule {
    return path.endsWith(".json") ? jsonModule(path) : this.compiler.compile(path);
  }

  private begin(path: string, compiled?: CompiledModule): LocalModule {
    const start = performance.now();
    const version = fileVersion(path);
    compiled ??= this.precompiledFor(path) ?? this.compile(path);
    const m: LocalModule = {
      path,
      kind: path.endsWith(".json") ? "local json" : /\.[mc]?tsx?$/.test(path) ? "local ts" : "local js",
      state: "loading",
      compiled,
      current: this.newExecution(path),
      facade: createFacade(),
      pending: undefined as unknown as Facade,
      version,
      loadedAt: new Date(),
      loadMs: start,
      deps: new Set(),
    };
    m.pending = pendingFacade(m);
    return m;
  }

  private async loadLocal(path: string, ancestors: ReadonlySet<string>): Promise<LocalModule> {
    const known = this.locals.get(path);
    if (known) {
      // A module loading in this chain of imports, or waiting (directly or not) for one that is, is a
      // cycle: it gets the module as it is now. Loads in flight share one graph, as ES modules do.
      if (known.state === "loading" && !this.waitsFor(known, ancestors)) await known.ready;
      return known;
    }
    const m = this.begin(path);
    this.locals.set(path, m);
    const ready = (async () => {
      try {
        const rest = this.start(m, m.current, m.compiled, false);
        await this.preload(m, m.compiled, new Set([...ancestors, path]));
        await rest();
        this.finish(m, m.current, m.compiled);
      } catch (e) {
        this.forget(m);
        throw importedBy(e, path);
      }
    })();
    m.ready = ready.catch(() => undefined);
    await ready;
    return m;
  }

  /** The static imports the module's code keeps load before it runs, as ES modules do. */
  private async preload(m: LocalModule, compiled: CompiledModule, ancestors: ReadonlySet<string>): Promise<void> {
    for (const { specifier, mode } of compiled.loads) {
      if (this.provided(specifier)) continue;
      const r = resolveImport(specifier, m.path, mode);
      this.note(specifier, r.path);
      if (r.kind === "package" && r.esm && !this.esmPackages.has(r.path)) {
        const ns = (await this.importForeign(r)) as Record<string, unknown>;
        this.esmPackages.set(r.path, esModuleView(ns));
      } else if (r.kind !== "builtin" && r.kind !== "package") {
        m.awaiting = r.path;
        try {
          await this.loadLocal(r.path, ancestors);
        } finally {
          m.awaiting = undefined;
        }
      }
    }
    this.noteDeps(m, compiled);
  }

  /** The local modules a module imports, types-only imports too (it is checked against them), among those loaded. */
  private noteDeps(m: LocalModule, compiled: CompiledModule): void {
    for (const { specifier, mode } of compiled.imports) {
      const dep = this.locals.get(safeResolve(specifier, dirname(m.path), mode) ?? "");
      if (dep) m.deps.add(dep.path);
    }
  }

  /** Whether the loading module `m` is one of `paths`, or waits for one of them through the modules its imports wait for. */
  private waitsFor(m: LocalModule, paths: ReadonlySet<string>): boolean {
    const seen = new Set<string>();
    for (let at: LocalModule | undefined = m; at && !seen.has(at.path); at = at.awaiting === undefined ? undefined : this.locals.get(at.awaiting)) {
      if (paths.has(at.path)) return true;
      seen.add(at.path);
    }
    return false;
  }

  /**
   * An interrupt stops a synchronous load in place, where no catch runs, and ends the wait for an
   * awaited one, which may never settle: every module not finished loading is forgotten, so the next
   * import runs its file again, as after a load that threw. (An awaited load's code may still go on;
   * what it does then registers nothing.)
   */
  forgetInterruptedLoads(): void {
    for (const m of this.locals.values()) if (m.state === "loading") this.forget(m);
  }

  /** Unregisters a module whose load failed or was interrupted, unless a newer load of its file took its place. */
  private forget(m: LocalModule): void {
    if (this.locals.get(m.path) === m) this.locals.delete(m.path);
  }

  private requireLocal(path: string): LocalModule {
    const known = this.locals.get(path);
    if (known) return known;
    const m = this.begin(path);
    if (m.compiled.isAsync) throw new Error(`${path} uses top-level await, so require() cannot load it: import it instead (import ... from, or await import())`);
    this.locals.set(path, m);
    try {
      const rest = this.start(m, m.current, m.compiled, false);
      for (const { specifier, mode } of m.compiled.loads) this.requireIn(path, specifier, mode);
      this.noteDeps(m, m.compiled);
      rest();
      this.finish(m, m.current, m.compiled);
    } catch (e) {
      this.forget(m);
      throw importedBy(e, path);
    }
    return m;
  }

  /** `require()` (or an import declaration's load, by `mode`) in the module file `importer`: a module not found names that file. */
  private requireIn(importer: string, specifier: string, mode: ResolutionMode): unknown {
    try {
      return this.require(specifier, dirname(importer), mode);
    } catch (e) {
      throw namingImporter(e, importer);
    }
  }

  private newExecution(path: string): Execution {
    const module: NodeModuleObject = { exports: {}, id: path, filename: path, loaded: false, path: dirname(path), require: undefined as unknown as NodeJS.Require };
    return { module };
  }

  /**
   * Starts a compiled module's code in `execution`: its export prologue runs now, so its hoisted
   * functions are exported before its imports load (a module importing it in a cycle can call them,
   * as with ES modules). The function returned runs the rest: a promise when it uses top-level await.
   */
  private start(m: LocalModule, execution: Execution, compiled: CompiledModule, isMain: boolean): () => Promise<void> | void {
    const { path } = m;
    const dir = dirname(path);
    const module = execution.module;
    if (compiled.json !== undefined) {
      module.exports = compiled.json;
      return () => undefined;
    }
    const load = (specifier: string, mode: ResolutionMode) => {
      const value = this.requireIn(path, specifier, mode);
      const r = this.locals.get(safeResolve(specifier, dir) ?? "");
      if (r) m.deps.add(r.path);
      return value;
    };
    const require = ((specifier: string) => load(specifier, "require")) as NodeJS.Require;
    Object.assign(require, {
      resolve: requireResolve(dir),
      main: isMain ? module : undefined,
      cache: {},
    });
    module.require = require;
    const meta = {
      url: pathToFileURL(path).href,
      filename: path,
      dirname: dir,
      main: isMain,
      resolve: (specifier: string) => pathToFileURL(resolveModule(specifier, dir, "import").path).href,
    };
    const requireImported = (specifier: string) => load(specifier, "import");
    const dynamicImport = (specifier: unknown) => this.import(String(specifier), dir).catch((e: unknown) => Promise.reject(namingImporter(e, path)));
    // Each run of a file has a name of its own, so frames of an older version keep their own source map.
    const run = (this.runs.get(path) ?? 0) + 1;
    this.runs.set(path, run);
    const filename = run === 1 ? path : `${path} (run ${run})`;
    const fn = vm.runInThisContext(compiled.script, { filename }) as (...args: unknown[]) => Generator | AsyncGenerator;
    this.traces.addModule(filename, path, compiled.source, compiled.sourceMap ?? (() => this.compiler.sourceMapOf(path, compiled)), compiled.firstLineShift);
    const fail = (e: unknown): never => {
      throw new ModuleRunError(path, e);
    };
    let steps: Generator | AsyncGenerator;
    let prologue: unknown;
    try {
      steps = fn.call(module.exports, module.exports, require, module, path, dir, dynamicImport, meta, requireImported);
      // An async generator also runs up to its first pause at once; the rest comes with the next step.
      prologue = steps.next();
    } catch (e) {
      return fail(e);
    }
    if (prologue instanceof Promise) {
      // Settled when the rest runs; until then (the imports may fail first) a rejection is not unhandled.
      prologue.catch(() => undefined);
      return () => prologue.then(() => steps.next()).then(() => void (module.loaded = true), fail);
    }
    return () => {
      try {
        steps.next();
      } catch (e) {
        fail(e);
      }
      module.loaded = true;
    };
  }

  private finish(m: LocalModule, execution: Execution, compiled: CompiledModule): void {
    m.current = execution;
    m.compiled = compiled;
    m.state = "loaded";
    m.loadMs = performance.now() - m.loadMs;
    syncFacade(m);
  }

  /**
   * `%reload`: runs the module's current file again in place. A module that fails to compile or run
   * leaves the old one in effect (the error is thrown).
   */
  async reload(path: string): Promise<LocalModule> {
    const m = this.locals.get(path);
    if (m?.state !== "loaded") throw new Error(`${path} is not loaded: import it first`);
    const start = performance.now();
    const version = fileVersion(path);
    const compiled = this.compile(path);
    const execution = this.newExecution(path);
    // The new run's imports are collected apart, so a failed reload leaves the old ones.
    const probe: LocalModule = { ...m, deps: new Set() };
    const rest = this.start(probe, execution, compiled, false);
    await this.preload(probe, compiled, new Set([path]));
    await rest();
    m.current = execution;
    m.compiled = compiled;
    m.version = version;
    m.loadedAt = new Date();
    m.loadMs = performance.now() - start;
    m.deps = probe.deps;
    syncFacade(m);
    this.extendStarReexports(m);
    for (const listener of this.reloadListeners) listener(m);
    return m;
  }

  /**
   * After `source` reloaded: the names it gained reach each loaded module that re-exports all of it
   * (`export * from`), as linking them anew would, and the modules that re-export those in turn. The
   * names it had are read live already.
   */
  private extendStarReexports(source: LocalModule, seen = new Set([source.path])): void {
    for (const d of this.locals.values()) {
      if (d.state !== "loaded" || seen.has(d.path) || !d.deps.has(source.path) || !d.compiled.isEsm) continue;
      if (!starReexports(d.compiled.source, d.path).some((s) => safeResolve(s, dirname(d.path)) === source.path)) continue;
      const exports = d.current.module.exports as Record<string, unknown>;
      // A name the module exports itself wins over the one it re-exports, as in ES modules.
      const gained = Object.keys(source.facade).filter((name) => name !== "default" && !Object.hasOwn(exports, name));
      if (gained.length === 0) continue;
      for (const name of gained) Object.defineProperty(exports, name, { enumerable: true, get: () => source.facade[name] });
      seen.add(d.path);
      syncFacade(d);
      this.extendStarReexports(d, seen);
    }
  }

  /** Whether a loaded module's file changed in code since it was loaded (comment and layout changes do not count). */
  changed(m: LocalModule): boolean {
    const now = fileVersion(m.path);
    if (now === m.version) return false;
    // Only a file whose stat changed is read, and only a changed text is fingerprinted.
    const text = readText(m.path);
    if (text === undefined) return true;
    const jsx = m.path.endsWith("x");
    if (text === m.compiled.source || codeFingerprint(text, jsx) === codeFingerprint(m.compiled.source, jsx)) {
      m.version = now;
      return false;
    }
    return true;
  }

  /** `paths` and every local module that imports one of them (directly or not), dependencies first. */
  withDependents(paths: string[]): string[] {
    const selected = new Set(paths);
    for (let grew = true; grew; ) {
      grew = false;
      for (const m of this.locals.values()) {
        if (!selected.has(m.path) && [...m.deps].some((d) => selected.has(d))) {
          selected.add(m.path);
          grew = true;
        }
      }
    }
    // In an import cycle, a module of `paths` comes before the modules it imports that import it back,
    // directly or not: they are its dependents, and must run against its new version.
    const changed = new Set(paths);
    const comesAfter = (path: string, dep: string) => !changed.has(path) || !this.importsOf(dep, path);
    const ordered: string[] = [];
    const visit = (path: string, seen: Set<string>) => {
      if (ordered.includes(path) || seen.has(path)) return;
      seen.add(path);
      for (const d of this.locals.get(path)?.deps ?? []) if (selected.has(d) && comesAfter(path, d)) visit(d, seen);
      ordered.push(path);
    };
    for (const p of selected) visit(p, new Set());
    return ordered;
  }

  /** Whether the local module `from` imports `to`, directly or through other local modules. */
  private importsOf(from: string, to: string, seen = new Set<string>()): boolean {
    if (seen.has(from)) return false;
    seen.add(from);
    return [...(this.locals.get(from)?.deps ?? [])].some((d) => d === to || this.importsOf(d, to, seen));
  }

  localModules(): LocalModule[] {
    return [...this.locals.values()].filter((m) => m.state === "loaded");
  }

  list(): ModuleListing[] {
    const rows: ModuleListing[] = [];
    for (const f of this.foreign.values()) {
      rows.push({ specifiers: [...(this.specifiers.get(f.path) ?? [f.path])], path: f.path, kind: f.kind, loadedAt: f.loadedAt, loadMs: f.loadMs, changed: undefined, compiled: undefined });
    }
    for (const m of this.localModules()) {
      rows.push({ specifiers: [...(this.specifiers.get(m.path) ?? [])], path: m.path, kind: m.kind, loadedAt: m.loadedAt, loadMs: m.loadMs, changed: this.changed(m), compiled: compiledFrom(m) });
    }
    return rows;
  }

  /**
   * `%run`: compiles and runs a file as the main program (`import.meta.main`, `require.main === module`),
   * outside the registry. Returns its top-level names and their values; a file that compiled but failed
   * while it ran also returns its error, with only the values it reached.
   */
  async runMain(path: string): Promise<{ values: Record<string, unknown>; scope: TopLevel; source: string; error?: unknown }> {
    const m = this.begin(path, this.compiler.compile(path, { scope: true }));
    const scope = m.compiled.scope ?? { kinds: new Map(), types: [], exported: new Set(), exportedVariables: new Set() };
    const ran = { scope, source: m.compiled.source };
    try {
      const rest = this.start(m, m.current, m.compiled, true);
      await this.preload(m, m.compiled, new Set([path]));
      await rest();
    } catch (error) {
      return { ...ran, values: reachedValues(m.current.module.__tskScope ?? {}, scope), error };
    }
    return { ...ran, values: m.current.module.__tskScope ?? {} };
  }

  /** `path` as `./…` from the directory `from` (or from its real path, when `from` is reached through a symlink); else whole. */
  relative(path: string, from: string): string {
    for (const base of [from, realDirectory(from)]) {
      const r = relative(base, path);
      if (!r.startsWith("..")) return `./${r}`;
    }
    return path;
  }
}

/**
 * The top-level values a `%run` file reached before it failed. A `let`, `const` or class still in its
 * temporal dead zone was not reached; nor was an exported variable still undefined, as the compiled
 * file declares every one at its start.
 */
function reachedValues(scope: Record<string, unknown>, names: TopLevel): Record<string, unknown> {
  const reached: Record<string, unknown> = {};
  for (const name of names.kinds.keys()) {
    if (!(name in scope)) continue;
    try {
      const value = scope[name];
      if (value !== undefined || !names.exportedVariables.has(name)) reached[name] = value;
    } catch {
      // Not reached: its declaration did not run.
    }
  }
  return reached;
}

/** A module's error passing through the load of the module `path` that imported it. */
function importedBy(error: unknown, path: string): unknown {
  if (error instanceof ModuleRunError && error.path !== path && !error.importers.includes(path)) error.importers.push(path);
  return error;
}

/** Resolves an import of the module file `importer`: a module not found names that file. */
function resolveImport(specifier: string, importer: string, mode: ResolutionMode): Resolved {
  try {
    return resolveModule(specifier, dirname(importer), mode);
  } catch (e) {
    throw namingImporter(e, importer);
  }
}

/** A module not found by an import of the module file `importer`, named so, unless a deeper import named its own. */
function namingImporter(error: unknown, importer: string): unknown {
  return error instanceof ModuleNotFound && error.importer === undefined ? error.importedBy(importer) : error;
}

function realDirectory(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return dir;
  }
}

function safeResolve(specifier: string, dir: string, mode: ResolutionMode = "require"): string | undefined {
  try {
    return resolveModule(specifier, dir, mode).path;
  } catch {
    return undefined;
  }
}

function jsonModule(path: string): CompiledModule {
  const text = readFileSync(path, "utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new SyntaxError(`${path}: ${(e as Error).message}`);
  }
  return { script: "", sourceMap: "", firstLineShift: 0, isAsync: false, isEsm: false, hoisted: [], imports: [], loads: [], source: text, json };
}

/** The namespace object of a local module: its properties read the module's current exports. */
function createFacade(): Facade {
  const facade = Object.create(null) as Facade;
  Object.defineProperty(facade, Symbol.toStringTag, { value: "Module" });
  Object.defineProperty(facade, "__esModule", { value: true });
  // Shown with its current values, as Node shows a module namespace (not as getters).
  Object.defineProperty(facade, inspect.custom, {
    value: (_depth: number, options: object) => {
      const shown = Object.create(null) as Record<string, unknown>;
      Object.defineProperty(shown, Symbol.toStringTag, { value: "Module" });
      for (const key of Object.keys(facade)) shown[key] = facade[key];
      return inspect(shown, options);
    },
  });
  return facade;
}

/** Defines the facade's properties for the module's current exports: names it no longer exports go away. */
function syncFacade(m: LocalModule): void {
  const exports = m.current.module.exports;
  const keys = new Set<string>();
  if (m.compiled.isEsm && isObjectLike(exports)) {
    for (const k of Object.getOwnPropertyNames(exports)) if (k !== "__esModule") keys.add(k);
  } else {
    keys.add("default");
    if (isObjectLike(exports)) for (const k of Object.keys(exports)) keys.add(k);
  }
  for (const k of Object.keys(m.facade)) if (!keys.has(k)) delete m.facade[k];
  for (const k of keys) {
    const get =
      !m.compiled.isEsm && k === "default" ? () => m.current.module.exports : () => (m.current.module.exports as Record<string, unknown>)[k];
    Object.defineProperty(m.facade, k, { get, enumerable: true, configurable: true });
  }
}

/**
 * A module imported while it is still loading (a circular import): its hoisted functions are there,
 * reading any other binding before it exists is an error, as in ES modules.
 */
function pendingFacade(m: LocalModule): Facade {
  return new Proxy(m.facade, {
    get(target, key) {
      if (m.state === "loaded" || typeof key === "symbol" || key === "__esModule" || key === "then") return Reflect.get(target, key);
      if (m.compiled.hoisted.includes(key)) return (m.current.module.exports as Record<string, unknown>)[key];
      throw new ReferenceError(`Cannot access '${key}' of ${m.path} before that module finished loading (a circular import reads it too early)`);
    },
  });
}

/** `module.exports` of a CommonJS package as a namespace, taken when first imported (as Node takes it): `default` is it. */
function commonJsNamespace(exports: unknown): Facade {
  const ns = Object.create(null) as Facade;
  Object.defineProperty(ns, Symbol.toStringTag, { value: "Module" });
  const keys = isObjectLike(exports) ? Object.keys(exports).filter((k) => k !== "default") : [];
  for (const k of keys) Object.defineProperty(ns, k, { value: (exports as Record<string, unknown>)[k], enumerable: true });
  Object.defineProperty(ns, "default", { value: exports, enumerable: true });
  return Object.freeze(ns);
}

/** An ES module package's namespace as CommonJS code expects it (`__esModule`, so default imports work). */
function esModuleView(ns: Record<string, unknown>): Facade {
  const view = Object.create(null) as Facade;
  Object.defineProperty(view, "__esModule", { value: true });
  for (const k of Object.keys(ns)) Object.defineProperty(view, k, { get: () => ns[k], enumerable: true });
  return view;
}
