// The import-system magics: %modules (the registry, `sys.modules`), %reload, %autoreload, %aimport,
// %%writefile and %run, as IPython has them.
import { appendFileSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, extname, resolve as resolvePath } from "node:path";
import type { ErrorInfo } from "../engine/engine.js";
import type { ModuleListing } from "../engine/worker/modules/registry.js";
import { UsageError, type Magic } from "./registry.js";
import { splitArgs } from "./split-args.js";
import { rebaseImports } from "./rebase-imports.js";
import { CellFailure, type ExecutionTarget } from "./timing.js";
import { IMPLIED_EXTENSIONS, LOCAL_EXTENSIONS, TS_FOR_JS } from "../engine/worker/modules/resolve.js";
import { makeDirectories } from "../files/make-directories.js";

export type AutoreloadMode = "off" | "explicit" | "all";

/** What the module magics may see and do of the session's module system. */
export interface ModuleAccess {
  readonly notebookDir: string;
  list(): ModuleListing[];
  /** Where bare specifiers are searched from the notebook (the `sys.path` analogue). */
  searchPath(): string[];
  /** The tsconfig.json `paths` (and `baseUrl`) aliases bare specifiers go through first, one line each. */
  pathAliases(): string[];
  /** Reloads the loaded module `specifier` names; throws ModuleFailure when it fails (the old module stays). */
  reload(specifier: string): Promise<{ path: string; rebound: string[]; removed: string[] }>;
  autoreload: AutoreloadMode;
  /** Imports a module and marks it for `%autoreload explicit`. */
  aimport(specifier: string): Promise<string>;
  /** `%aimport -SPECIFIER`: `%autoreload` never reloads that module. */
  skipAutoreload(specifier: string): string;
  aimportedList(): { reload: string[]; skip: string[] };
  /** Runs a file as the main program: its top-level values, their kinds, its type names and where to type them from. */
  runMain(path: string): Promise<RunOutcome>;
  /** A module error as the cell shows it. */
  errorInfo(error: unknown): ErrorInfo;
  relative(path: string): string;
}

export interface RunOutcome {
  values: Record<string, unknown>;
  /** Each top-level value's kind (let, const, function...). */
  kinds: Map<string, string>;
  /** Its top-level interfaces and type aliases. */
  types: string[];
  /** A module that exports all of them, exported by the file or not: what the session types them from. */
  typedFrom: string;
  /** What the file threw while it ran: `values` and `kinds` hold only what it reached. */
  error?: unknown;
}

export interface ModulesTarget {
  modules: ModuleAccess;
}

function clock(d: Date): string {
  return d.toTimeString().slice(0, 8);
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join("  ").trimEnd()).join("\n") + "\n";
}

export const modulesMagic: Magic<ModulesTarget> = {
  name: "modules",
  kind: "line",
  summary: "list the module registry (sys.modules): specifier, path, kind, load time, changed since",
  usage:
    "%modules [--path] [FILTER]\n" +
    "  --path  show the resolution path (sys.path) instead: where cells' imports are looked for\n" +
    "FILTER keeps the modules whose specifier or path contains it.\n" +
    "compiled: now (in this session) or cache (unchanged since a session compiled it: taken from the module cache).",
  options: { path: { type: "boolean" } },
  run({ args, options }, { modules }) {
    if (options.path === true) {
      const aliases = modules.pathAliases();
      const lines = [
        `Local specifiers (./x, ../x, /abs/x) resolve from the importing file's directory; a cell's from the notebook directory:`,
        `  ${modules.notebookDir}`,
        `  a path ending in ${LOCAL_EXTENSIONS.join(" ")} names that file, or first, as TypeScript reads it, the source beside it:`,
        `  ${Object.entries(TS_FOR_JS).map(([js, ts]) => `${js} -> ${ts.join(" ")}`).join(", ")};`,
        `  any other path tries ${IMPLIED_EXTENSIONS.join(" ")} added to it, then the "main" its package.json names, then ${IMPLIED_EXTENSIONS.map((e) => `index${e}`).join(" ")} inside it`,
        ...(aliases.length > 0 ? [`Bare specifiers first go through the tsconfig.json "paths" aliases (each target tried as a local path):`, ...aliases.map((a) => `  ${a}`)] : []),
        `Packages a cell imports are looked for in these directories, in order (a module's, from its own directory upward):`,
        ...modules.searchPath().map((p) => `  ${p}`),
        `Builtins (fs, node:fs, ...) come from Node itself.`,
      ];
      return { output: lines.join("\n") + "\n" };
    }
    const filter = args[0];
    const rows = modules
      .list()
      .filter((m) => !filter || m.path.includes(filter) || m.specifiers.some((s) => s.includes(filter)))
      .sort((a, b) => a.loadedAt.getTime() - b.loadedAt.getTime());
    if (rows.length === 0) return { output: filter ? `No loaded module matches "${filter}".\n` : "No modules loaded yet.\n" };
    const header = ["specifier", "kind", "path", "loaded", "load ms", "compiled", "changed"];
    const body = rows.map((m) => [
      m.specifiers.join(", "),
      m.kind,
      m.kind === "builtin" ? m.path : modules.relative(m.path),
      clock(m.loadedAt),
      m.loadMs.toFixed(1),
      m.compiled ?? "-",
      m.changed === undefined ? "-" : m.changed ? "yes" : "no",
    ]);
    return { output: table([header, ...body]) };
  },
};

export const reloadMagic: Magic<ModulesTarget> = {
  name: "reload",
  kind: "line",
  summary: "re-execute a loaded local module in place; names imported from it are rebound",
  usage: "%reload SPECIFIER\nSPECIFIER as a cell imports it (./geometry). If the new version fails, the old one stays in effect.",
  async run({ args }, { modules }) {
    if (args.length !== 1) throw new UsageError("%reload takes one module specifier, for example: %reload ./geometry");
    try {
      const { path, rebound, removed } = await modules.reload(args[0]);
      const notes = [...(rebound.length > 0 ? [`rebound: ${rebound.join(", ")}`] : []), ...(removed.length > 0 ? [`no longer exported, so no longer defined: ${removed.join(", ")}`] : [])];
      return { output: `Reloaded ${modules.relative(path)}${notes.length > 0 ? ` (${notes.join("; ")})` : ""}\n` };
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw new CellFailure(modules.errorInfo(e));
    }
  },
};

const MODES: Record<string, AutoreloadMode> = { off: "off", "0": "off", explicit: "explicit", "1": "explicit", all: "all", "2": "all" };

export const autoreloadMagic: Magic<ModulesTarget> = {
  name: "autoreload",
  kind: "line",
  summary: "reload changed local modules (and their local dependents) before each cell",
  usage:
    "%autoreload [off | explicit | all]\n" +
    "  off       never (the default)\n" +
    "  explicit  only the modules named with %aimport\n" +
    "  all       every loaded local module\n" +
    "IPython's 0, 1 and 2 mean the same. Without an argument, shows the mode.",
  run({ args }, { modules }) {
    if (args.length === 0) return { output: `autoreload is ${modules.autoreload}\n` };
    const mode = MODES[args[0]];
    if (!mode || args.length > 1) throw new UsageError(`%autoreload takes one of off, explicit, all (or 0, 1, 2), not "${args.join(" ")}"`);
    modules.autoreload = mode;
    return {};
  },
};

export const aimportMagic: Magic<ModulesTarget> = {
  name: "aimport",
  kind: "line",
  summary: "import a module and mark it for %autoreload explicit, or with -MODULE never to autoreload it",
  usage:
    "%aimport [SPECIFIER ...] [-SPECIFIER ...]\n" +
    "SPECIFIER is imported and marked to be reloaded under %autoreload explicit; -SPECIFIER is marked never\n" +
    "to be reloaded, not even under %autoreload all (a module with costly or one-time setup). Without an\n" +
    "argument, lists the marked modules.",
  takesDashedArguments: true,
  async run({ args }, { modules }) {
    if (args.length === 0) {
      const { reload, skip } = modules.aimportedList();
      if (reload.length === 0 && skip.length === 0) return { output: "No modules marked for autoreload.\n" };
      return { output: `Modules to reload: ${reload.join(" ") || "none"}\nModules to skip: ${skip.join(" ") || "none"}\n` };
    }
    try {
      for (const a of args) {
        if (a.startsWith("-")) modules.skipAutoreload(a.slice(1));
        else await modules.aimport(a);
      }
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw new CellFailure(modules.errorInfo(e));
    }
    return {};
  },
};

export const writefileMagic: Magic<ModulesTarget> = {
  name: "writefile",
  kind: "cell",
  summary: "write the cell's body to a file (relative to the notebook's directory)",
  usage: "%%writefile [-a] PATH\nCODE\n  -a  append instead of overwriting",
  options: { append: { type: "boolean", short: "a" } },
  run({ args, options, body }, { modules }) {
    if (args.length !== 1) throw new UsageError("%%writefile takes one file path, for example: %%writefile geometry.ts");
    const path = resolvePath(modules.notebookDir, args[0]);
    const text = body.endsWith("\n") ? body : `${body}\n`;
    const exists = existsSync(path);
    const stat = exists ? statSync(path) : undefined;
    if (stat?.isDirectory()) throw new UsageError(`%%writefile: ${args[0]} is a directory; give a file path`);
    // Opening a pipe for writing waits for a reader, in a call no interrupt reaches.
    if (stat && !stat.isFile()) throw new UsageError(`%%writefile: ${args[0]} is not a file (a device or a pipe); give a file path`);
    makeDirectories(dirname(path));
    // As IPython says: a file that did not exist is written, whether or not -a asked to append.
    if (options.append === true) appendFileSync(path, text);
    else writeFileSync(path, text);
    return { output: `${!exists ? "Writing" : options.append === true ? "Appending to" : "Overwriting"} ${args[0]}\n` };
  },
};

/** The cell that brings a %run file's top-level names (values and types) into the session, with their types. */
function bindingCell(ran: RunOutcome, stash: string): string {
  const from = JSON.stringify(ran.typedFrom);
  const lines = [...ran.kinds].map(([name, kind]) => {
    const keyword = kind === "let" || kind === "var" ? "let" : "const";
    return `${keyword} ${name}: typeof import(${from}).${name} = (globalThis as any)[Symbol.for(${JSON.stringify(stash)})].${name};`;
  });
  if (ran.types.length > 0) lines.unshift(`import type { ${ran.types.join(", ")} } from ${from};`);
  return lines.join("\n");
}

const RUN_STASH = "tskernel.run.values";

/** The programs %run runs: TypeScript and JavaScript files; a file without an extension runs as JavaScript, as Node runs it. */
const RUNNABLE_EXTENSIONS = LOCAL_EXTENSIONS.filter((ext) => ext !== ".json");

/** Why %run cannot run `path` as a program, or undefined if it can. */
function whyNotRunnable(file: string, path: string): string | undefined {
  if (!existsSync(path)) return `no file ${file} (looked at ${path})`;
  if (statSync(path).isDirectory()) return `${file} is a directory: name the file in it to run`;
  const runs = `%run runs ${RUNNABLE_EXTENSIONS.join(" ")} files, and files without an extension as JavaScript`;
  if (/\.d(\.[^./]+)?\.[mc]?ts$/.test(path)) return `${file} is a declaration file: it holds types only, no code to run. ${runs}`;
  const extension = extname(path);
  if (extension && !RUNNABLE_EXTENSIONS.includes(extension)) return `${file} is not a program: ${runs}`;
  return undefined;
}

export const runMagic: Magic<ModulesTarget & ExecutionTarget> = {
  name: "run",
  kind: "line",
  summary: "run a file as the main program; its top-level names join the session",
  usage:
    "%run [-i] FILE [ARGS ...]\n" +
    "FILE runs with import.meta.main === true (require.main === module in CommonJS) and process.argv = [node, FILE, ...ARGS].\n" +
    "  -i  run it inside the session namespace (it sees and sets the notebook's names), as a cell;\n" +
    "      its relative imports still resolve from FILE's folder",
  options: { interactive: { type: "boolean", short: "i" } },
  takesCode: true,
  async run({ options, lineCode }, { modules, execution }) {
    let words: string[];
    try {
      words = splitArgs(lineCode.trim());
    } catch (e) {
      throw new UsageError(`%run: ${(e as Error).message}`);
    }
    if (words.length === 0) throw new UsageError("%run needs a file, for example: %run script.ts arg1 arg2");
    const [file, ...args] = words;
    const path = resolvePath(modules.notebookDir, file);
    const unrunnable = whyNotRunnable(file, path);
    if (unrunnable) throw new UsageError(`%run: ${unrunnable}`);
    const argv = process.argv;
    process.argv = [argv[0], path, ...args];
    try {
      if (options.interactive === true) {
        await execution.run(rebaseImports(readFileSync(path, "utf8"), dirname(path), modules.notebookDir));
        return {};
      }
      let ran: Awaited<ReturnType<ModuleAccess["runMain"]>>;
      try {
        ran = await modules.runMain(path);
      } catch (e) {
        throw new CellFailure(modules.errorInfo(e));
      }
      // As a failed cell keeps what ran, a failed file's names join the session up to where it failed.
      if (ran.kinds.size > 0 || ran.types.length > 0) {
        (globalThis as Record<symbol, unknown>)[Symbol.for(RUN_STASH)] = ran.values;
        try {
          await execution.run(bindingCell(ran, RUN_STASH));
        } finally {
          delete (globalThis as Record<symbol, unknown>)[Symbol.for(RUN_STASH)];
        }
      }
      if (ran.error !== undefined) throw new CellFailure(modules.errorInfo(ran.error));
      return {};
    } finally {
      process.argv = argv;
    }
  },
};

export const moduleMagics = [modulesMagic, reloadMagic, autoreloadMagic, aimportMagic, writefileMagic, runMagic];
