// The namespace magics: %who, %who_ls, %whos, %reset, %reset_selective, %xdel (IPython's), and
// %scope and %closure, which show where a name resolves from and what a function has captured.
import { USER_KINDS, type UserKind } from "../language/declarations.js";
import { UsageError, type Magic } from "./registry.js";

export interface NamespaceEntry {
  name: string;
  kind: UserKind;
  /** The execution count of the cell that declared it last. */
  cell: number;
  typeOnly: boolean;
  module?: string;
  value: unknown;
}

export interface CapturedVariable {
  name: string;
  value: unknown;
  /** Where the variable lives: a session global, or the scope of the named function. */
  from: { sessionCell: number } | { scope: string | undefined };
}

/** What the namespace magics may see and change of the session. */
export interface Namespace {
  /** The user's names (not the history's), oldest declaration first. */
  entries(): NamespaceEntry[];
  entry(name: string): NamespaceEntry | undefined;
  /** Out[n], _n, _, In... : names the kernel keeps, as `%scope` explains them. */
  historyName(name: string): string | undefined;
  isBuiltin(name: string): boolean;
  /** The value a name or dotted path has in the notebook (session first, then builtins). */
  valueOf(path: string): { found: boolean; value: unknown };
  /** Static types (or declarations, for types) of names, as the checker sees them. */
  describe(names: string[]): Map<string, string>;
  /** One line summarising a value. */
  summary(value: unknown): string;
  remove(name: string): void;
  resetOut(): number;
  resetIn(): void;
  closure(fn: (...args: never[]) => unknown): CapturedVariable[];
}

export interface NamespaceTarget {
  namespace: Namespace;
}

/** Keeps the start and the end of a long text, as `%whos` shows values. */
export function elideMiddle(text: string, width: number): string {
  if (text.length <= width) return text;
  const head = Math.ceil((width - 1) / 2);
  return `${text.slice(0, head)}…${text.slice(text.length - (width - 1 - head))}`;
}

function kindsFilter(args: string[], magic: string): (e: NamespaceEntry) => boolean {
  for (const a of args) {
    if (!USER_KINDS.includes(a as UserKind)) {
      throw new UsageError(`%${magic}: "${a}" is not a kind of declaration; use one or more of ${USER_KINDS.join(", ")}`);
    }
  }
  return (e) => args.length === 0 || args.includes(e.kind);
}

function sortedNames(entries: NamespaceEntry[]): string[] {
  return entries.map((e) => e.name).sort();
}

const EMPTY = "Interactive namespace is empty.\n";
const KINDS_USAGE = `KIND is one of ${USER_KINDS.join(", ")}.`;

export const whoMagic: Magic<NamespaceTarget> = {
  name: "who",
  kind: "line",
  summary: "list the session's names, optionally only those declared as KIND",
  usage: `%who [KIND ...]\n${KINDS_USAGE}\nFor example: %who function class`,
  run({ args }, { namespace }) {
    const keep = kindsFilter(args, "who");
    const names = sortedNames(namespace.entries().filter(keep));
    return { output: names.length === 0 ? EMPTY : `${names.join("\t")}\n` };
  },
};

export const whoLsMagic: Magic<NamespaceTarget> = {
  name: "who_ls",
  kind: "line",
  summary: "return the session's names, sorted, as an array",
  usage: `%who_ls [KIND ...]\n${KINDS_USAGE}\nThe array is the cell's result: const names = _ in the next cell keeps it.`,
  run({ args }, { namespace }) {
    const keep = kindsFilter(args, "who_ls");
    return { value: sortedNames(namespace.entries().filter(keep)), type: { text: "string[]", names: [] } };
  },
};

export const whosMagic: Magic<NamespaceTarget> = {
  name: "whos",
  kind: "line",
  summary: "table of the session's names: kind, TypeScript type and value",
  usage: `%whos [KIND ...]\n${KINDS_USAGE}`,
  run({ args }, { namespace }) {
    const keep = kindsFilter(args, "whos");
    const entries = namespace.entries().filter(keep).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (entries.length === 0) return { output: EMPTY };
    const types = namespace.describe(entries.map((e) => e.name));
    const rows = entries.map((e) => [
      e.name,
      e.kind,
      elideMiddle(types.get(e.name) ?? "", 50),
      e.typeOnly ? "" : elideMiddle(namespace.summary(e.value), 40),
    ]);
    const header = ["Name", "Kind", "Type", "Value"];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join("   ").trimEnd();
    return { output: `${[line(header), widths.map((w) => "-".repeat(w)).join("   "), ...rows.map(line)].join("\n")}\n` };
  },
};

/** A destructive magic without -f says what it would do, since a notebook cannot be asked to confirm. */
function confirmFirst(what: string, command: string): { output: string } {
  return { output: `${what} Once deleted, they cannot be recovered; to go ahead, run: ${command}\n` };
}

export const resetMagic: Magic<NamespaceTarget> = {
  name: "reset",
  kind: "line",
  summary: "delete every session name, or empty Out or In",
  usage:
    "%reset [-f] [in | out]\n" +
    "  (none)  delete every name the session's cells declared, and empty Out\n" +
    "  out     empty Out and _n, _, __, ___\n" +
    "  in      empty In and _i<n>, _i, _ii, _iii\n" +
    "  -f      do it; without -f, %reset only says what it would delete",
  options: { force: { type: "boolean", short: "f" } },
  run({ args, options }, { namespace }) {
    const force = options.force === true;
    if (args.length > 1 || (args.length === 1 && args[0] !== "in" && args[0] !== "out")) {
      throw new UsageError(`%reset takes "in", "out" or nothing, not "${args.join(" ")}"; for example: %reset -f out`);
    }
    if (args[0] === "out") {
      if (!force) return confirmFirst("This empties the output history (Out).", "%reset -f out");
      return { output: `Flushing output cache (${namespace.resetOut()} entries)\n` };
    }
    if (args[0] === "in") {
      if (!force) return confirmFirst("This empties the input history (In).", "%reset -f in");
      namespace.resetIn();
      return { output: "Flushing input history\n" };
    }
    const names = namespace.entries().map((e) => e.name);
    if (!force) return confirmFirst(`This deletes ${names.length} session name${names.length === 1 ? "" : "s"} and empties Out.`, "%reset -f");
    for (const n of names) namespace.remove(n);
    namespace.resetOut();
    return { output: `Deleted ${names.length} session name${names.length === 1 ? "" : "s"}.\n` };
  },
};

export const resetSelectiveMagic: Magic<NamespaceTarget> = {
  name: "reset_selective",
  kind: "line",
  summary: "delete the session names that match a regular expression",
  usage:
    "%reset_selective [-f] REGEX\n" +
    "Deletes every session name REGEX matches (anywhere in the name: use ^ and $ to anchor).\n" +
    "Without -f, says which names it would delete.\nFor example: %reset_selective -f ^tmp",
  options: { force: { type: "boolean", short: "f" } },
  run({ args, options }, { namespace }) {
    if (args.length !== 1) throw new UsageError(`%reset_selective takes one regular expression, for example: %reset_selective -f ^tmp`);
    let pattern: RegExp;
    try {
      pattern = new RegExp(args[0]);
    } catch (e) {
      throw new UsageError(`%reset_selective: ${(e as Error).message}; write a JavaScript regular expression, for example ^tmp`);
    }
    const names = namespace.entries().map((e) => e.name).filter((n) => pattern.test(n)).sort();
    if (names.length === 0) return { output: `No session name matches /${args[0]}/.\n` };
    if (options.force !== true) return confirmFirst(`This deletes ${names.join(", ")}.`, `%reset_selective -f ${args[0]}`);
    for (const n of names) namespace.remove(n);
    return { output: `Deleted ${names.join(", ")}.\n` };
  },
};

export const xdelMagic: Magic<NamespaceTarget> = {
  name: "xdel",
  kind: "line",
  summary: "delete a session name, and the Out entries that hold its value",
  usage: "%xdel NAME\nIf NAME shadowed a builtin (const JSON = 1), the builtin is visible again.",
  run({ args }, { namespace }) {
    if (args.length !== 1) throw new UsageError("%xdel takes one name, for example: %xdel data");
    const name = args[0];
    if (!namespace.entry(name)) throw new UsageError(`%xdel: ${name} is not a session name; %who lists them`);
    namespace.remove(name);
    return namespace.isBuiltin(name) ? { output: `The builtin ${name} is visible again.\n` } : undefined;
  },
};

export const scopeMagic: Magic<NamespaceTarget> = {
  name: "scope",
  kind: "line",
  summary: "say where a name resolves from in the notebook: session, import, history, builtin or unbound",
  usage:
    "%scope NAME\n" +
    "Says whether NAME is a session global (and which cell declared it, and as what), an import (from which\n" +
    "module), a history name (Out, _3, _i2...), a builtin (a property of globalThis) or unbound, with its type.",
  run({ args }, { namespace }) {
    if (args.length !== 1 || !/^[A-Za-z_$][\w$]*$/.test(args[0])) throw new UsageError("%scope takes one name, for example: %scope total");
    const name = args[0];
    const entry = namespace.entry(name);
    const history = entry ? undefined : namespace.historyName(name);
    const builtin = namespace.isBuiltin(name);
    let where: string;
    if (entry?.kind === "import") {
      where = `imported${entry.module === undefined ? "" : ` from "${entry.module}"`} in cell ${entry.cell}`;
    } else if (entry) {
      // `declare const x` has no value: the checker alone knows it, until code defines one.
      where = entry.kind === "declare" ? `session global: declared (declare, no value of its own) in cell ${entry.cell}` : `session global: ${entry.kind} declared in cell ${entry.cell}`;
    } else if (history) {
      where = `history: ${history}`;
    } else if (builtin) {
      where = "builtin: a property of globalThis";
    } else {
      return { output: `${name}: unbound (no session global, history name or builtin has this name)\n` };
    }
    const lines = [`${name}: ${where}`];
    if (entry && builtin) lines.push(`  shadows the builtin ${name} (%xdel ${name} makes the builtin visible again)`);
    const type = namespace.describe([name]).get(name);
    if (type !== undefined) lines.push(`  type: ${type}`);
    return { output: `${lines.join("\n")}\n` };
  },
};

export const closureMagic: Magic<NamespaceTarget> = {
  name: "closure",
  kind: "line",
  summary: "list the variables a function has captured, with their current values",
  usage:
    "%closure FUNCTION\n" +
    "FUNCTION is a name or a dotted path (counter, obj.method). Lists the variables of enclosing scopes\n" +
    "that it uses (Python's __closure__): session globals, read live, and variables of the functions it was made in.",
  run({ args }, { namespace }) {
    if (args.length !== 1) throw new UsageError("%closure takes one function, for example: %closure counter");
    const path = args[0];
    const { found, value } = namespace.valueOf(path);
    if (!found) throw new UsageError(`%closure: ${path} is not defined; %who lists the session's names`);
    if (typeof value !== "function") throw new UsageError(`%closure: ${path} is ${elideMiddle(namespace.summary(value), 60)}, not a function`);
    const captured = namespace.closure(value as (...args: never[]) => unknown);
    if (captured.length === 0) return { output: `${path} captures no variables.\n` };
    const width = Math.max(...captured.map((c) => c.name.length));
    const lines = captured.map((c) => {
      const from = "sessionCell" in c.from ? `session global, cell ${c.from.sessionCell}` : c.from.scope ? `from ${c.from.scope}` : "from an enclosing block";
      return `  ${c.name.padEnd(width)} = ${elideMiddle(namespace.summary(c.value), 60)}   (${from})`;
    });
    return { output: `${path} captures ${captured.length} variable${captured.length === 1 ? "" : "s"}:\n${lines.join("\n")}\n` };
  },
};

export const namespaceMagics = [whoMagic, whoLsMagic, whosMagic, resetMagic, resetSelectiveMagic, xdelMagic, scopeMagic, closureMagic];
