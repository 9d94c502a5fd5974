// A compiler host over virtual files that hands TypeScript the same SourceFile object for unchanged
// text, so each new program reuses every parse (and bind) of the libraries and earlier cells. Files
// outside node_modules (the user's own modules) are read again when they change on disk.
// Resolutions made from files that do not change (packages, TypeScript's libraries) are kept too.
import ts from "./typescript.js";
import { statSync } from "node:fs";
import { dirname, sep } from "node:path";

const PACKAGES = `${sep}node_modules${sep}`;
const TYPESCRIPT_LIBS = dirname(ts.getDefaultLibFilePath({}));

interface ResolutionCaches {
  modules: ts.ModuleResolutionCache;
  types: ts.TypeReferenceDirectiveResolutionCache;
}

/** What changes when a file is written: its modification time and size. */
function version(name: string): string {
  try {
    const s = statSync(name);
    return `${s.mtimeMs}:${s.size}`;
  } catch {
    return "missing";
  }
}

export class CachingHost {
  /** Files that exist only for the compiler; a function gives a text that is made when first read. */
  private readonly virtual = new Map<string, string | (() => string)>();
  private readonly virtualDirs = new Set<string>();
  private readonly parsed = new Map<string, { text: string; file: ts.SourceFile }>();
  /** When each user file was read: a newer modification time means its text must be read again. */
  private readonly readAt = new Map<string, string>();
  /** How the compiler last asked for each file to be parsed (target, module format detection). */
  private readonly options = new Map<string, Parameters<ts.CompilerHost["getSourceFile"]>[1]>();
  /**
   * Per option set: resolutions from files that do not change during a session. Without them every
   * program that adds a file resolves the imports of @types/node's ~150 files again (15-50 ms).
   */
  private readonly stable = new Map<ts.CompilerOptions, ResolutionCaches>();
  /**
   * Which package.json governs each directory. Given to every program: without it each one reads and
   * parses the package.json above every one of its files again (about 10 ms a program).
   */
  private readonly packageScopes: ts.ModuleResolutionCache;
  private readonly canonical: (name: string) => string;
  readonly host: ts.CompilerHost;
  private readonly base: ts.CompilerHost;

  constructor(options: ts.CompilerOptions) {
    const base = ts.createCompilerHost(options, true);
    this.base = base;
    this.canonical = (name) => base.getCanonicalFileName(name);
    this.packageScopes = ts.createModuleResolutionCache(base.getCurrentDirectory(), this.canonical, options);
    // getModuleResolutionCache is read by createProgram though the host's public type omits it.
    const host: ts.CompilerHost & { getModuleResolutionCache(): ts.ModuleResolutionCache } = {
      ...base,
      getSourceFile: (name, languageVersion) => {
        this.options.set(name, languageVersion);
        const text = this.virtualText(name) ?? this.diskText(name, base);
        if (text === undefined) return undefined;
        const cached = this.parsed.get(name);
        if (cached && cached.text === text) return cached.file;
        const file = ts.createSourceFile(name, text, languageVersion, false);
        this.parsed.set(name, { text, file });
        return file;
      },
      fileExists: (name) => this.virtual.has(name) || base.fileExists(name),
      // Module resolution looks for the directory first: virtual files make theirs exist.
      directoryExists: (dir) => this.virtualDirs.has(dir.replace(/[\\/]+$/, "")) || (base.directoryExists?.(dir) ?? true),
      readFile: (name) => this.virtualText(name) ?? base.readFile(name),
      writeFile: () => undefined,
      resolveModuleNameLiterals: (literals, containing, redirected, options, file) => {
        const cache = this.stableCaches(containing, options)?.modules;
        // As the kernel runs them, whatever a program emits: an import with the `import` condition of a
        // package's "exports", a require with `require` (the modes of module Preserve, the cells' option).
        const modes = { ...options, module: ts.ModuleKind.Preserve };
        return literals.map((l) => ts.resolveModuleName(l.text, containing, options, this.host, cache, redirected, ts.getModeForUsageLocation(file, l, modes)));
      },
      resolveTypeReferenceDirectiveReferences: (references, containing, redirected, options, file) => {
        const cache = this.stableCaches(containing, options)?.types;
        return references.map((r) => {
          const [name, mode]: [string, ts.ResolutionMode] = typeof r === "string" ? [r, undefined] : [r.fileName.toLowerCase(), ts.getModeForFileReference(r, file?.impliedNodeFormat)];
          return ts.resolveTypeReferenceDirective(name, containing, options, this.host, redirected, cache, mode);
        });
      },
      getModuleResolutionCache: () => this.packageScopes,
    };
    this.host = host;
  }

  /** The kept resolutions for a file that does not change; none for the user's files, which may. */
  private stableCaches(containing: string, options: ts.CompilerOptions): ResolutionCaches | undefined {
    if (!containing.includes(PACKAGES) && dirname(containing) !== TYPESCRIPT_LIBS) return undefined;
    let caches = this.stable.get(options);
    if (!caches) {
      const dir = this.base.getCurrentDirectory();
      const packages = this.packageScopes.getPackageJsonInfoCache();
      caches = {
        modules: ts.createModuleResolutionCache(dir, this.canonical, options, packages),
        types: ts.createTypeReferenceDirectiveResolutionCache(dir, this.canonical, options, packages),
      };
      this.stable.set(options, caches);
    }
    return caches;
  }

  private diskText(name: string, base: ts.CompilerHost): string | undefined {
    const cached = this.parsed.get(name)?.text;
    if (name.includes(PACKAGES)) return cached ?? base.readFile(name);
    const now = version(name);
    if (now === "missing") {
      // Deleted: forgotten, so that no later read takes the old text for the file's.
      this.parsed.delete(name);
      this.readAt.delete(name);
      return undefined;
    }
    if (cached !== undefined && this.readAt.get(name) === now) return cached;
    this.readAt.set(name, now);
    return base.readFile(name);
  }

  set(name: string, text: string): void {
    this.virtual.set(name, text);
    this.virtualDirs.add(dirname(name));
  }

  /** A virtual file whose text is made by `make` when something first reads it. */
  setLazy(name: string, make: () => string): void {
    this.virtual.set(name, make);
    this.virtualDirs.add(dirname(name));
  }

  /** Deletes a lazy file that nothing has read yet; false (and the file kept) once it was read. */
  dropUnread(name: string): boolean {
    if (typeof this.virtual.get(name) !== "function") return false;
    this.virtual.delete(name);
    return true;
  }

  private virtualText(name: string): string | undefined {
    const text = this.virtual.get(name);
    if (typeof text !== "function") return text;
    const made = text();
    // Unless the file was replaced or deleted meanwhile.
    if (this.virtual.get(name) === text) this.virtual.set(name, made);
    return made;
  }

  /** A file parsed by the caller (its text is the file's text from now on). */
  setParsed(name: string, file: ts.SourceFile): void {
    this.set(name, file.text);
    this.parsed.set(name, { text: file.text, file });
  }

  /** The SourceFile the compiler would get for a file (the cached one while its text is unchanged). */
  sourceFile(name: string, languageVersion: Parameters<ts.CompilerHost["getSourceFile"]>[1]): ts.SourceFile | undefined {
    return this.host.getSourceFile(name, languageVersion);
  }

  /** A file's text as the compiler sees it, without reading an unchanged file again. */
  text(name: string): string | undefined {
    return this.virtualText(name) ?? this.diskText(name, this.base);
  }

  parseOptions(name: string): Parameters<ts.CompilerHost["getSourceFile"]>[1] | undefined {
    return this.options.get(name);
  }

  delete(name: string): void {
    this.virtual.delete(name);
    this.parsed.delete(name);
  }
}
