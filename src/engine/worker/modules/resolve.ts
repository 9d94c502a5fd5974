// Where a specifier leads, from a directory: a Node builtin, a package in node_modules (searched
// upward, as Node does), or a local file. Local files resolve as TypeScript resolves them, so that
// what the kernel runs is what the checker typed: `./m` finds m.ts, `./m.js` finds m.ts when the
// TypeScript source exists, a directory finds its index file (the `__init__.py` analogue), and the
// other kinds (.mts .cts .mjs .cjs .json) are found only by their full name. Bare specifiers go through
// the notebook's tsconfig.json `paths` (and `baseUrl`) first, as the checker's do.
import { createRequire, isBuiltin } from "node:module";
import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve as resolvePath } from "node:path";

export type ModuleKind = "builtin" | "package" | "local ts" | "local js" | "local json";

export interface Resolved {
  kind: ModuleKind;
  /** The file (or for a builtin, its `node:` name). */
  path: string;
  /** For a package: whether Node loads it as an ES module. */
  esm?: boolean;
}

/** The local files the kernel loads, by the extension a specifier names. */
export const LOCAL_EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".mjs", ".cjs", ".json"];
/** Tried, in order, after a path written without an extension, and after `index` inside a directory (as TypeScript does). */
export const IMPLIED_EXTENSIONS = [".ts", ".tsx", ".js"];
/** TypeScript sources a JavaScript specifier means, tried before the JavaScript file (as TypeScript does). */
export const TS_FOR_JS: Record<string, string[]> = { ".js": [".ts", ".tsx"], ".jsx": [".tsx"], ".mjs": [".mts"], ".cjs": [".cts"] };

export class ModuleNotFound extends Error {
  /** Where the kernel looked and what to do: what a type checker's "Cannot find module" leaves out. */
  readonly lookedIn: string;

  constructor(
    readonly specifier: string,
    readonly from: string,
    readonly looked: string[],
    readonly advice = isLocalSpecifier(specifier)
      ? "Check the path (it is relative to the importing file; a cell imports from the notebook's directory)."
      : `Install ${packageName(specifier)} with npm in ${from} or a directory above it.`,
    /** The module file whose import this is, named instead of its directory (a cell's import has none). */
    readonly importer?: string,
  ) {
    const lookedIn = `Looked in:\n${looked.map((l) => `  ${l}`).join("\n")}\n${advice}`;
    super(`Cannot find module "${specifier}" ${importer === undefined ? `from ${from}` : `imported by ${importer}`}. ${lookedIn}`);
    this.name = "ModuleNotFoundError";
    this.lookedIn = lookedIn;
  }

  /** The same error, naming the module file whose import it is. */
  importedBy(importer: string): ModuleNotFound {
    return new ModuleNotFound(this.specifier, this.from, this.looked, this.advice, importer);
  }
}

export function isLocalSpecifier(specifier: string): boolean {
  return specifier.startsWith("./") || specifier.startsWith("../") || specifier === "." || specifier === ".." || isAbsolute(specifier) || specifier.startsWith("file:");
}

function isFile(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
  } catch {
    return false;
  }
}

export function localKind(path: string): ModuleKind {
  if (path.endsWith(".json")) return "local json";
  return /\.[mc]?tsx?$/.test(path) ? "local ts" : "local js";
}

/** The candidate files for a local path, in the order they are tried. */
function localCandidates(base: string, inPackage = false): string[] {
  const ext = /\.[a-z]+$/.exec(base)?.[0];
  if (ext && (LOCAL_EXTENSIONS.includes(ext) || TS_FOR_JS[ext])) {
    const sources = (TS_FOR_JS[ext] ?? []).map((ts) => base.slice(0, -ext.length) + ts);
    return LOCAL_EXTENSIONS.includes(ext) ? [...sources, base] : sources;
  }
  const main = inPackage ? [] : packageMain(base);
  return [...IMPLIED_EXTENSIONS.map((e) => base + e), ...main, ...IMPLIED_EXTENSIONS.map((e) => join(base, "index" + e))];
}

/** A directory with a package.json: the file its "main" names, tried before its index file, as TypeScript and Node do. */
function packageMain(dir: string): string[] {
  const pkg = join(dir, "package.json");
  if (!isFile(pkg)) return [];
  try {
    const main = (JSON.parse(readFileSync(pkg, "utf8")) as { main?: unknown }).main;
    const target = typeof main === "string" && main.trim() ? resolvePath(dir, main) : dir;
    return target === dir ? [] : localCandidates(target, true);
  } catch {
    // An unreadable package.json: the directory's index file is still tried.
    return [];
  }
}

/** Whether Node treats a `.js` file as an ES module: the nearest package.json says `"type": "module"`. */
export function isEsmFile(path: string): boolean {
  if (path.endsWith(".mjs") || path.endsWith(".mts")) return true;
  if (path.endsWith(".cjs") || path.endsWith(".cts") || path.endsWith(".json")) return false;
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        return (JSON.parse(readFileSync(pkg, "utf8")) as { type?: string }).type === "module";
      } catch {
        return false;
      }
    }
    if (dirname(dir) === dir) return false;
  }
}

/** `pkg` of `pkg/sub/path`, `@scope/pkg` of `@scope/pkg/sub`. */
function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** The conditions Node's ES module loader matches in a package's "exports", in the order it offers them. */
const IMPORT_CONDITIONS = ["node", "import", "default"];

/**
 * The file the "exports" of the first package named by `specifier` in `searchDirs` give it under the
 * `import` condition, as Node's ES module loader finds it; undefined if that package has no "exports"
 * (its "main" serves both) or they give the specifier nothing.
 */
function importEntry(specifier: string, searchDirs: string[]): string | undefined {
  const name = packageName(specifier);
  const dir = searchDirs.map((d) => join(d, name)).find((d) => existsSync(join(d, "package.json")));
  if (!dir) return undefined;
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { exports?: unknown };
  const target = exportsTarget(pkg.exports, "." + specifier.slice(name.length));
  const file = target === undefined ? undefined : join(dir, target);
  return file !== undefined && existsSync(file) ? realpathSync(file) : undefined;
}

/** What "exports" give `subpath` ("." or "./sub"): the entry for it, or for the longest pattern (`./*`) it fits. */
function exportsTarget(exports: unknown, subpath: string): string | undefined {
  const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  if (!isRecord(exports) || !Object.keys(exports).some((k) => k.startsWith("."))) return subpath === "." ? conditionalTarget(exports) : undefined;
  if (Object.hasOwn(exports, subpath)) return conditionalTarget(exports[subpath]);
  let best: { key: string; star: string } | undefined;
  for (const key of Object.keys(exports)) {
    const [prefix, suffix, extra] = key.split("*");
    if (suffix === undefined || extra !== undefined || !subpath.startsWith(prefix) || !subpath.endsWith(suffix) || subpath.length < key.length) continue;
    if (!best || key.indexOf("*") > best.key.indexOf("*")) best = { key, star: subpath.slice(prefix.length, subpath.length - suffix.length) };
  }
  return best && conditionalTarget(exports[best.key], best.star);
}

/** A target of "exports": a path, the first of a list that gives one, or the first condition Node's loader matches. */
function conditionalTarget(target: unknown, star = ""): string | undefined {
  if (typeof target === "string") return target.replaceAll("*", star);
  if (Array.isArray(target)) return target.map((t) => conditionalTarget(t, star)).find((t) => t !== undefined);
  if (typeof target !== "object" || target === null) return undefined;
  for (const [condition, value] of Object.entries(target)) {
    if (!IMPORT_CONDITIONS.includes(condition)) continue;
    const found = conditionalTarget(value, star);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The notebook's tsconfig.json `paths` and `baseUrl`, which the checker resolves bare specifiers through. */
export interface PathMapping {
  paths?: Record<string, string[]>;
  /** Absolute. */
  baseUrl?: string;
  /** Where `paths` without a `baseUrl` are relative to: the tsconfig.json's directory. */
  configDir: string;
}

let mapping: PathMapping | undefined;

/** The kernel runs what the checker typed: bare specifiers go through the notebook's `paths` first. */
export function usePathMapping(m: PathMapping): void {
  mapping = m.paths || m.baseUrl ? m : undefined;
}

/** For `%modules --path`: the aliases bare specifiers go through first, one line each (none without a tsconfig.json that sets them). */
export function pathAliases(): string[] {
  if (!mapping) return [];
  const base = mapping.baseUrl ?? mapping.configDir;
  const lines = Object.entries(mapping.paths ?? {}).map(([pattern, targets]) => `${pattern} -> ${targets.map((t) => resolvePath(base, t)).join(", ")}`);
  return mapping.baseUrl ? [...lines, `any bare specifier -> ${mapping.baseUrl}/SPECIFIER (baseUrl)`] : lines;
}

/** The local paths `paths` maps a bare specifier to, as TypeScript tries them: exact, then longest prefix. */
function mappedBases(specifier: string, m: PathMapping): string[] {
  const base = m.baseUrl ?? m.configDir;
  let best: { captured: string; targets: string[]; prefix: number } | undefined;
  for (const [pattern, targets] of Object.entries(m.paths ?? {})) {
    const star = pattern.indexOf("*");
    if (star < 0) {
      if (pattern === specifier) return targets.map((t) => resolvePath(base, t));
      continue;
    }
    const [prefix, suffix] = [pattern.slice(0, star), pattern.slice(star + 1)];
    const fits = specifier.length >= prefix.length + suffix.length && specifier.startsWith(prefix) && specifier.endsWith(suffix);
    if (fits && (!best || prefix.length > best.prefix)) best = { captured: specifier.slice(prefix.length, specifier.length - suffix.length), targets, prefix: prefix.length };
  }
  const mapped = best ? best.targets.map((t) => resolvePath(base, t.replace("*", best.captured))) : [];
  return m.baseUrl ? [...mapped, resolvePath(m.baseUrl, specifier)] : mapped;
}

/** The first candidate that is a file, by its real path: reached through a symlink too, a module is one module, as in Node. */
function local(candidates: string[]): Resolved | undefined {
  const found = candidates.find(isFile);
  return found === undefined ? undefined : { kind: localKind(found), path: realpathSync(found) };
}

/**
 * How code loads a specifier: an `import` (static or dynamic) or `require()`. A package's "exports"
 * may give each its own file (a dual package's ES and CommonJS builds), as the checker types them.
 */
export type ResolutionMode = "import" | "require";

/** Resolves `specifier` as code in directory `from` would load it. Throws ModuleNotFound naming where it looked. */
export function resolveModule(specifier: string, from: string, mode: ResolutionMode = "require"): Resolved {
  if (isBuiltin(specifier)) return { kind: "builtin", path: specifier.startsWith("node:") ? specifier : `node:${specifier}` };
  if (isLocalSpecifier(specifier)) {
    const base = specifier.startsWith("file:") ? new URL(specifier).pathname : resolvePath(from, specifier);
    const candidates = localCandidates(base);
    const found = local(candidates);
    if (!found) throw new ModuleNotFound(specifier, from, candidates);
    return found;
  }
  const mappedCandidates = mapping ? mappedBases(specifier, mapping).flatMap((base) => localCandidates(base)) : [];
  const mapped = local(mappedCandidates);
  if (mapped) return mapped;
  const require = createRequire(join(from, "[importer]"));
  const searchDirs = require.resolve.paths(specifier) ?? [];
  let path = mode === "import" ? importEntry(specifier, searchDirs) : undefined;
  let refused: (Error & { code?: string }) | undefined;
  try {
    path ??= require.resolve(specifier);
  } catch (e) {
    refused = e as Error & { code?: string };
    // A package whose "exports" offer only the `import` condition: require cannot resolve it.
    path = importEntry(specifier, searchDirs);
  }
  if (!path && refused?.code === "ERR_PACKAGE_PATH_NOT_EXPORTED") {
    // Node stops at the first package of that name: it is installed, but does not offer that path.
    const pkg = searchDirs.map((d) => join(d, packageName(specifier), "package.json")).filter((p) => existsSync(p)).slice(0, 1);
    throw new ModuleNotFound(specifier, from, pkg, `${refused.message.split("\n")[0]}: import a path its "exports" lists.`);
  }
  if (!path) throw new ModuleNotFound(specifier, from, [...mappedCandidates, ...searchDirs.map((d) => join(d, specifier))]);
  if (isBuiltin(path)) return { kind: "builtin", path: `node:${path.replace(/^node:/, "")}` };
  return { kind: "package", path, esm: isEsmFile(path) };
}

/**
 * `require.resolve` for code in `dir`: the file the kernel's `require` loads (a local TypeScript
 * file too), a builtin as written; with `paths` given, and for `.paths`, Node's own, which searches
 * the same directories.
 */
export function requireResolve(dir: string): NodeJS.RequireResolve {
  const node = createRequire(join(dir, "[importer]"));
  const resolve = (specifier: string, options?: { paths?: string[] }) => {
    if (options?.paths) return node.resolve(specifier, options);
    const r = resolveModule(specifier, dir);
    return r.kind === "builtin" ? specifier : r.path;
  };
  return Object.assign(resolve, { paths: node.resolve.paths });
}

/** For a specifier the kernel cannot resolve from `from`: where it looked and what to do (undefined when it can). */
export function whereLookedFor(specifier: string, from: string): string | undefined {
  try {
    resolveModule(specifier, from);
    return undefined;
  } catch (e) {
    // Anything else (an unreadable package.json) shows up, with its own message, when the module is loaded.
    return e instanceof ModuleNotFound ? e.lookedIn : undefined;
  }
}

/** The resolution path (the `sys.path` analogue): where a bare specifier is searched from `from`. */
export function searchPath(from: string): string[] {
  return createRequire(join(from, "[importer]")).resolve.paths("any-package") ?? [];
}
