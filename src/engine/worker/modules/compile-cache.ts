// Compiled local modules kept on disk, shared by a user's kernels: a kernel restarted with its modules
// unchanged (Restart & Run All) takes each one from here instead of checking and emitting it again.
// An entry's key covers everything its compile read (TypeScript's version, the kernel's compiler, the
// options, the text of every file in the program), so a hit is the compile that would have been made.
// Only modules that compiled without errors are kept: a module with errors is checked every time.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "../../../language/typescript.js";
import { makeDirectories } from "../../../files/make-directories.js";
import type { ModuleImport } from "./compile.js";

/** What a compile produced, apart from the source it came from. */
export interface CachedModule {
  script: string;
  firstLineShift: number;
  isAsync: boolean;
  isEsm: boolean;
  hoisted: string[];
  imports: ModuleImport[];
  loads: ModuleImport[];
}

/** Changes when an entry's layout or meaning does: older entries are then never read. */
const FORMAT = "tskernel-module-cache/3";
/** The cache is pruned back to this share of its limit, least recently used entries first. */
const PRUNE_TO = 0.8;
/** Writes between two prunes: each prune lists the whole directory. */
const PRUNE_EVERY = 20;

/** The kernel's compiler code: entries made by another version of it are not used. */
function compilerVersion(): string {
  const compiler = readFileSync(fileURLToPath(new URL("./compile.js", import.meta.url)));
  return createHash("sha1").update(FORMAT).update(ts.version).update(compiler).digest("hex");
}

function isCachedModule(value: unknown): value is CachedModule {
  const v = value as Partial<CachedModule> | null;
  const strings = (a: unknown) => Array.isArray(a) && a.every((s) => typeof s === "string");
  const imports = (a: unknown) => Array.isArray(a) && a.every((i: Partial<ModuleImport> | null) => typeof i?.specifier === "string" && (i.mode === "import" || i.mode === "require"));
  return (
    typeof v === "object" && v !== null &&
    typeof v.script === "string" && typeof v.firstLineShift === "number" &&
    typeof v.isAsync === "boolean" && typeof v.isEsm === "boolean" && strings(v.hoisted) && imports(v.imports) && imports(v.loads)
  );
}

export class CompileCache {
  private readonly version: string;
  /** Each program file's text digest, once per parse (libraries and @types are hashed once a session). */
  private readonly digests = new WeakMap<ts.SourceFile, string>();
  private writes = 0;
  private broken = false;

  /** `dir` undefined: no cache. `report` says once, in the kernel's log, why the cache stopped. */
  constructor(
    private readonly dir: string | undefined,
    private readonly report: (problem: string) => void,
    private readonly limitBytes = 200 * 1024 * 1024,
  ) {
    this.version = dir ? compilerVersion() : "";
  }

  get enabled(): boolean {
    return this.dir !== undefined && !this.broken;
  }

  /** The key of compiling `path` in `program` (made with `options`). */
  keyOf(program: ts.Program, path: string, options: ts.CompilerOptions): string {
    const hash = createHash("sha1").update(this.version).update("\0").update(path).update("\0");
    const sorted = Object.fromEntries(Object.entries(options).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    hash.update(JSON.stringify(sorted));
    for (const file of program.getSourceFiles()) hash.update("\0").update(file.fileName).update("\0").update(this.digest(file));
    return hash.digest("hex");
  }

  get(key: string): CachedModule | undefined {
    if (!this.enabled) return undefined;
    const file = this.entry(key);
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, "utf8"));
    } catch {
      // Absent, or damaged (a full disk): compiled again, and written again.
      return undefined;
    }
    if (!isCachedModule(parsed)) return undefined;
    try {
      const now = new Date();
      utimesSync(file, now, now);
    } catch {
      // Pruned by another kernel meanwhile: the entry read is still good.
    }
    return parsed;
  }

  put(key: string, compiled: CachedModule): void {
    if (!this.enabled) return;
    const entry: CachedModule = {
      script: compiled.script,
      firstLineShift: compiled.firstLineShift,
      isAsync: compiled.isAsync,
      isEsm: compiled.isEsm,
      hoisted: compiled.hoisted,
      imports: compiled.imports,
      loads: compiled.loads,
    };
    const file = this.entry(key);
    const partial = `${file}.${process.pid}.${this.writes}.partial`;
    try {
      // The kernel runs what it reads here: only its user may write there.
      makeDirectories(this.dir!, 0o700);
      // Renamed into place: another kernel reads a whole entry or none.
      writeFileSync(partial, JSON.stringify(entry), { mode: 0o600 });
      renameSync(partial, file);
    } catch (error) {
      this.removeQuietly(partial);
      this.broken = true;
      this.report(
        `module cache: cannot write ${this.dir} (${(error as Error).message}); modules are compiled anew in each session. ` +
          "Make the directory writable, or set TSKERNEL_CACHE_DIR to a writable directory (empty turns the cache off).",
      );
      return;
    }
    if (this.writes++ % PRUNE_EVERY === 0) this.prune();
  }

  /** A file that may not exist, in a directory that may not be one. */
  private removeQuietly(file: string): void {
    try {
      rmSync(file, { force: true });
    } catch {
      // Nothing was written there.
    }
  }

  private entry(key: string): string {
    return join(this.dir!, `${key}.json`);
  }

  private digest(file: ts.SourceFile): string {
    let digest = this.digests.get(file);
    if (digest === undefined) {
      digest = createHash("sha1").update(file.text).digest("hex");
      this.digests.set(file, digest);
    }
    return digest;
  }

  /** Over the limit: removes the least recently used entries until the cache is back under PRUNE_TO of it. */
  private prune(): void {
    const entries: { file: string; size: number; used: number }[] = [];
    try {
      for (const name of readdirSync(this.dir!)) {
        const file = join(this.dir!, name);
        try {
          const s = statSync(file);
          entries.push({ file, size: s.size, used: s.mtimeMs });
        } catch {
          // Removed by another kernel meanwhile.
        }
      }
    } catch {
      return;
    }
    let total = entries.reduce((sum, e) => sum + e.size, 0);
    if (total <= this.limitBytes) return;
    entries.sort((a, b) => a.used - b.used);
    for (const e of entries) {
      if (total <= this.limitBytes * PRUNE_TO) break;
      this.removeQuietly(e.file);
      total -= e.size;
    }
  }
}
