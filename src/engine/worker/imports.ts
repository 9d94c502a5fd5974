// Modules for the session: a cell's `import`, `import()` and `require()` go through the module
// registry, resolved from the notebook's directory (the kernel's working directory; workers cannot
// chdir). After a reload, the session names a cell imported from that module are rebound, and before
// each cell `%autoreload` reloads the local modules whose code changed.
import { createRequire, isBuiltin } from "node:module";
import { extname, join } from "node:path";
import { pathToFileURL } from "node:url";
import type { CellChecker } from "../../language/cell-checker.js";
import { ModuleCompiler } from "./modules/compile.js";
import { CompileCache } from "./modules/compile-cache.js";
import { moduleCacheDir } from "../../cli/jupyter-paths.js";
import { fileVersion, ModuleRegistry, ModuleRunError, type LocalModule } from "./modules/registry.js";
import { UsageError } from "../../magics/registry.js";
import { pathAliases, requireResolve, resolveModule, searchPath, usePathMapping } from "./modules/resolve.js";
import type { AutoreloadMode, ModuleAccess, RunOutcome } from "../../magics/modules.js";
import type { CachingHost } from "../../language/compiler-host.js";
import type { ModuleListing } from "./modules/registry.js";
import type { ErrorInfo } from "../engine.js";
import { CellRegistry, runtimeError } from "./traceback.js";
import type { Session } from "./session.js";

/** The notebook's directory: the worker's own working directory cannot be changed (workers cannot chdir). */
let notebookDir = process.cwd();
let active: SessionModules | undefined;

export function setNotebookDir(dir: string): void {
  notebookDir = dir;
}

export function notebookDirectory(): string {
  return notebookDir;
}

/** Modules the kernel itself provides to cells ("tskernel": the display API), by specifier. */
const kernelModules = new Map<string, Readonly<Record<string, unknown>>>();

export function provideKernelModule(specifier: string, exports: Record<string, unknown>): void {
  kernelModules.set(specifier, Object.freeze({ ...exports }));
}

/** The `require` of cells: local modules come from the registry, everything else from Node. */
export function sessionRequire(dir = notebookDir): NodeJS.Require {
  const node = createRequire(join(dir, "[notebook]"));
  const require = ((specifier: string) => {
    if (!active) return node(specifier);
    active.warnIfStale(specifier);
    return active.registry.require(specifier, dir);
  }) as NodeJS.Require;
  return Object.assign(require, { resolve: requireResolve(dir), cache: node.cache, extensions: node.extensions, main: undefined });
}

export async function importFromSession(specifier: string): Promise<unknown> {
  const provided = kernelModules.get(specifier);
  if (provided) return provided;
  if (!active) {
    if (isBuiltin(specifier)) return import(specifier);
    throw new Error("modules are not ready yet: the session is still starting");
  }
  const value = await active.registry.import(specifier, notebookDir);
  active.warnIfStale(specifier);
  return value;
}

/** A cell's import when it needs no wait (see ModuleRegistry.importNow); undefined when it must wait. */
export function importNowFromSession(specifier: string): unknown {
  const value = kernelModules.get(specifier) ?? active?.registry.importNow(specifier, notebookDir);
  if (value !== undefined) active?.warnIfStale(specifier);
  return value;
}

/** `import.meta` in a cell: the notebook is the main program, as `__main__` is in IPython. */
export function cellImportMeta(): ImportMeta {
  const filename = join(notebookDir, "[notebook]");
  return {
    url: pathToFileURL(filename).href,
    filename,
    dirname: notebookDir,
    main: true,
    resolve: (specifier: string) => pathToFileURL(resolveModule(specifier, notebookDir, "import").path).href,
  } as ImportMeta;
}

/** The session's module system: the registry, and what ties it to the session's names. */
export class SessionModules implements ModuleAccess {
  readonly registry: ModuleRegistry;
  private readonly compiler: ModuleCompiler;
  autoreload: AutoreloadMode = "off";
  /** Modules `%aimport` named, by resolved path: what `%autoreload explicit` watches. */
  readonly aimported = new Set<string>();
  /** Modules `%aimport -SPECIFIER` named, by resolved path: no `%autoreload` mode reloads them. */
  private readonly skipped = new Set<string>();
  /** The checker's files, where %run leaves the typed copy of each file it ran. */
  private readonly files: CachingHost;
  private runs = 0;
  /** The file version of each module whose autoreload failed: not tried again until the file changes. */
  private readonly failedVersions = new Map<string, string>();
  /** The file version of each stale module a cell was told about (see warnIfStale). */
  private readonly staleWarned = new Map<string, string>();
  /** Specifiers warnIfStale looked at during the current cell. */
  private readonly staleChecked = new Set<string>();
  /** `cells` maps error positions in cells and local modules back to their TypeScript; `report` writes to the kernel's log. */
  /** Session names removed because a reload took their export away, until a report says so. */
  private readonly removedByReloads: string[] = [];
  constructor(
    private readonly session: Session,
    private readonly checker: CellChecker,
    private readonly cells: CellRegistry,
    report: (problem: string) => void,
  ) {
    // TypeScript records where `paths` came from (the tsconfig.json, or the one it extends) as pathsBasePath.
    const { paths, baseUrl, pathsBasePath } = checker.options as typeof checker.options & { pathsBasePath?: string };
    usePathMapping({ paths, baseUrl, configDir: pathsBasePath ?? notebookDir });
    this.files = checker.files;
    const cache = new CompileCache(moduleCacheDir(), report);
    this.compiler = new ModuleCompiler(checker.files, checker.options, join(notebookDir, ".tskernel"), cache, checker.cancellation);
    this.registry = new ModuleRegistry(this.compiler, cells, (specifier) => kernelModules.get(specifier));
    this.registry.onReload(() => this.rebind());
    active = this;
  }

  get notebookDir(): string {
    return notebookDir;
  }

  /** Checks and compiles a module's text without loading it: compiler practice (../compiler-practice.ts). */
  practise(text: string): boolean {
    return this.compiler.practise(text);
  }

  list(): ModuleListing[] {
    return this.registry.list();
  }

  searchPath(): string[] {
    return searchPath(notebookDir);
  }

  pathAliases(): string[] {
    return pathAliases();
  }

  relative(path: string): string {
    return this.registry.relative(path, notebookDir);
  }

  private localPath(specifier: string): string {
    const { kind, path } = resolveModule(specifier, notebookDir);
    // A builtin or a package is not the user's code, and Node keeps no second copy to run.
    if (kind === "builtin") throw new UsageError(`${specifier} is a Node builtin: only your own local modules can be reloaded`);
    if (kind === "package") throw new UsageError(`${specifier} is a package (${path}): only your own local modules can be reloaded; restart the kernel to load a new version`);
    return path;
  }

  private loadedPath(specifier: string): string {
    const path = this.localPath(specifier);
    if (this.registry.local(path)?.state !== "loaded") {
      throw new UsageError(
        `${specifier} (${this.relative(path)}) is not a loaded local module (never imported, or its import failed or was interrupted): ` +
          `import it to run its current file (%modules lists the loaded ones)`,
      );
    }
    return path;
  }

  /**
   * Reloads a loaded local module; `rebound` are the session names imported from it whose value
   * changed, `removed` those whose export it (or a module reloaded with it) no longer has.
   */
  async reload(specifier: string): Promise<{ path: string; rebound: string[]; removed: string[] }> {
    const path = this.loadedPath(specifier);
    const before = new Map(this.importedFromLocal().map(({ name, value }) => [name, value]));
    await this.registry.reload(path);
    const rebound = this.importedFromLocal().filter(({ name, value }) => before.get(name) !== value);
    return { path, rebound: rebound.map(({ name }) => name), removed: this.removedByReloads.splice(0) };
  }

  async aimport(specifier: string): Promise<string> {
    await this.registry.import(specifier, notebookDir);
    const path = this.loadedPath(specifier);
    this.aimported.add(path);
    this.skipped.delete(path);
    return path;
  }

  skipAutoreload(specifier: string): string {
    if (specifier === "") throw new UsageError("%aimport -SPECIFIER: write the module right after the -, for example: %aimport -./setup");
    // Marked before it is imported, too: it is never reloaded once it is.
    const path = this.localPath(specifier);
    this.skipped.add(path);
    this.aimported.delete(path);
    return path;
  }

  /**
   * A cell imported a loaded local module whose file changed since (autoreload did not reload it): the
   * cell runs the loaded version, though the checker read the file as it is now. Said once per change.
   */
  warnIfStale(specifier: string): void {
    // Once per cell and specifier: a require() inside a loop or a function called often stays one lookup.
    if (this.staleChecked.has(specifier)) return;
    this.staleChecked.add(specifier);
    let path: string;
    try {
      path = resolveModule(specifier, notebookDir).path;
    } catch {
      return;
    }
    const m = this.registry.local(path);
    if (!m || m.state !== "loaded" || !this.registry.changed(m)) return;
    const version = fileVersion(path);
    if (this.staleWarned.get(path) === version) return;
    this.staleWarned.set(path, version);
    process.stderr.write(
      `[import] ${this.relative(path)} changed since it was loaded: this cell uses the loaded version (type checking read the new one). ` +
        `%reload ${specifier} runs the new one; %autoreload all does so before each cell.\n`,
    );
  }

  aimportedList(): { reload: string[]; skip: string[] } {
    return { reload: [...this.aimported].map((p) => this.relative(p)), skip: [...this.skipped].map((p) => this.relative(p)) };
  }

  async runMain(path: string): Promise<RunOutcome> {
    const { values, scope, source, error } = await this.registry.runMain(path);
    const { types, exported } = scope;
    const kinds = new Map([...scope.kinds].filter(([name]) => name in values));
    // A copy of the file that exports every top-level name, for the checker only (never written, never
    // run): later cells type the names from it, exported or not. Beside the file, so its imports resolve.
    const unexported = [...kinds.keys(), ...types].filter((name) => !exported.has(name));
    const ext = extname(path);
    const typedFrom = `${path.slice(0, path.length - ext.length)}.tskernel-run-${++this.runs}${ext || ".js"}`;
    this.files.set(typedFrom, unexported.length > 0 ? `${source}\nexport { ${unexported.join(", ")} };\n` : source);
    return { values, kinds, types, typedFrom, ...(error === undefined ? {} : { error }) };
  }

  errorInfo(error: unknown): ErrorInfo {
    const cause = error instanceof ModuleRunError ? error.cause : error;
    return runtimeError(cause, this.cells);
  }

  /**
   * The session names imported from loaded local modules, each with the value its import gives now;
   * `gone` when the module no longer exports the name.
   */
  private importedFromLocal(): { name: string; value: unknown; gone: boolean }[] {
    const imported: { name: string; value: unknown; gone: boolean }[] = [];
    for (const u of this.session.userDeclared()) {
      if (u.kind !== "import" || u.module === undefined || u.typeOnly || u.imported === "*") continue;
      let m: LocalModule | undefined;
      try {
        m = this.registry.local(resolveModule(u.module, notebookDir).path);
      } catch {
        continue;
      }
      if (!m || m.state !== "loaded") continue;
      if (u.imported === "=") imported.push({ name: u.name, value: m.compiled.isEsm ? m.facade : m.current.module.exports, gone: false });
      else imported.push({ name: u.name, value: m.facade[u.imported ?? "default"], gone: !((u.imported ?? "default") in m.facade) });
    }
    return imported;
  }

  /**
   * After a reload, session names imported from local modules take their current values. Named and
   * default imports read the module's namespace (live); `import x = require()` holds a value, set here.
   * A name whose export is gone leaves the session, as after %xdel: later cells that use it get a type
   * error, not a silent undefined typed any.
   */
  private rebind(): void {
    for (const { name, value, gone } of this.importedFromLocal()) {
      if (gone) {
        this.session.remove(name);
        this.checker.forget(name);
        this.removedByReloads.push(name);
        continue;
      }
      const box = this.session.box(name);
      if (box.v !== value) box.v = value;
    }
  }

  /** A cell starts: its imports are looked at again for changed files. */
  cellStarting(): void {
    this.staleChecked.clear();
  }

  /**
   * The watched local modules whose code changed since they ran (none while `%autoreload` is off). A
   * file whose reload failed is not tried again before every cell, only once it changes again.
   */
  changedForAutoreload(): string[] {
    if (this.autoreload === "off") return [];
    const watched = this.registry.localModules().filter((m) => !this.skipped.has(m.path) && (this.autoreload === "all" || this.aimported.has(m.path)));
    const failedAgain = (path: string) => this.failedVersions.has(path) && this.failedVersions.get(path) === fileVersion(path);
    return watched.filter((m) => this.registry.changed(m) && !failedAgain(m.path)).map((m) => m.path);
  }

  /**
   * Before a cell, with `%autoreload` on: reloads the `changed` local modules and the local modules that
   * import them. Says in one line what was reloaded, and in another what failed.
   */
  async beforeCell(changed: string[]): Promise<{ reloaded?: string; failed?: string }> {
    const reloaded: string[] = [];
    const failed: string[] = [];
    const reloadedPaths = new Set<string>();
    for (const path of this.registry.withDependents(changed)) {
      if (this.skipped.has(path)) continue;
      // A dependent runs again only if something it imports did: not when that module failed to reload.
      const deps = this.registry.local(path)?.deps ?? new Set<string>();
      if (!changed.includes(path) && ![...deps].some((d) => reloadedPaths.has(d))) continue;
      const version = fileVersion(path);
      try {
        await this.registry.reload(path);
        this.failedVersions.delete(path);
        reloadedPaths.add(path);
        reloaded.push(this.registry.relative(path, notebookDir));
      } catch (e) {
        if (changed.includes(path)) this.failedVersions.set(path, version);
        // The message's first line names the file, line and column: the report stays one line.
        const message = (e as Error).message.split("\n")[0];
        failed.push(`${this.registry.relative(path, notebookDir)} (${(e as Error).name}: ${message}; the old version stays)`);
      }
    }
    const removed = this.removedByReloads.splice(0);
    const gone = removed.length > 0 ? ` (no longer exported, so no longer defined: ${removed.join(", ")})` : "";
    return {
      ...(reloaded.length > 0 ? { reloaded: `[autoreload] reloaded ${reloaded.join(", ")}${gone}` } : {}),
      ...(failed.length > 0 ? { failed: `[autoreload] failed to reload ${failed.join("; ")}` } : {}),
    };
  }
}
