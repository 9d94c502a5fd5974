// The magic registry: each magic declared once, with its name, kind, help, options and implementation.
// A cell whose lines are all `%name args` runs those line magics; a cell whose first line is
// `%%name args` runs that cell magic over the rest (line magics among code: see mixed-cell.ts).
// Magics run instead of compiling, so they never reach the type checker.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { splitArgs } from "./split-args.js";
import type { ResultType } from "../language/cell-checker.js";

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export interface MagicCall {
  /** Positional arguments, after options. */
  args: string[];
  /** The options given, by long name. */
  options: Record<string, string | boolean | undefined>;
  /** The text after the magic's name, as written. */
  line: string;
  /** A cell magic's body: the lines after the first. */
  body: string;
  /**
   * For magics that take code: the code on the magic's line after its options, and the body, each
   * padded with blank lines and spaces so that positions in it are positions in the cell.
   */
  lineCode: string;
  bodyCode: string;
}

export interface MagicResult {
  /** Text for the cell's stdout. */
  output?: string;
  /** A value to show and store as the cell's result, as IPython does for `%who_ls`. */
  value?: unknown;
  /** The value's static type, which `_n` then has; without one it is `any`. */
  type?: ResultType;
  /** Payloads for the execute_reply (`set_next_input` for %load). */
  payload?: { source: string; [key: string]: unknown }[];
}

export interface Magic<C> {
  name: string;
  kind: "line" | "cell";
  /** One line for `%lsmagic`. */
  summary: string;
  /** The usage line and details, for `%name -h` and usage errors. */
  usage: string;
  /** Options in node:util parseArgs form; `-h` / `--help` are always understood. */
  options?: ParseArgsConfig["options"];
  /** The line is options, then code (`%timeit -n 10 f(x)`): the code is not split into words. */
  takesCode?: boolean;
  /** Its words are all arguments, also those that start with `-` (`%aimport -./setup` names a module). */
  takesDashedArguments?: boolean;
  run(call: MagicCall, context: C): MagicResult | undefined | Promise<MagicResult | undefined>;
}

const LINE_MAGIC = /^\s*%([A-Za-z_][\w-]*)(?:[ \t]+(.*?))?\s*$/;
/** `!cmd`: IPython's shorthand for %system. */
const SHELL_LINE = /^(\s*!)(.*)$/;
const CELL_MAGIC = /^\s*%%([A-Za-z_][\w-]*)(?:[ \t]+(.*?))?[ \t]*(?:\r?\n|$)/;

/** What a cell asks of the registry: magics to run in order, or nothing (ordinary code). */
export interface MagicInvocation {
  name: string;
  kind: "line" | "cell";
  line: string;
  body: string;
  /** Where `line` starts in the cell: 0-based line and column. */
  at: { line: number; column: number };
}

/**
 * For an error on line `line` (1-based) of a code cell: if that line is written as a magic or a shell
 * command, what to do (a line magic runs between statements; a cell magic only on a first line).
 */
export function magicAmongCode(code: string, line: number): string | undefined {
  const text = code.split(/\r?\n/)[line - 1] ?? "";
  const unnamed = /^\s*(%%?)(?![%A-Za-z_])/.exec(text);
  if (unnamed) return `Line ${line} starts with ${unnamed[1]} but no magic's name follows it: write the name right after it (${unnamed[1]}time); %lsmagic lists them.`;
  if (/^\s*%%/.test(text)) return `Line ${line} is a cell magic (${text.trim().split(/\s/)[0]}): it must be the first line of its cell. Put it at the top of a new cell.`;
  const magic = LINE_MAGIC.exec(text);
  if (magic) return `Line ${line} is a magic (%${magic[1]}): a line magic runs between the statements of a code cell, not inside a statement or a cell magic's body. Move it there.`;
  // `!x` is also code (a negation): only perhaps meant as a command.
  if (SHELL_LINE.test(text)) return `If line ${line} is meant as a shell command (!…): shell commands run in a cell of their own (one per line), not among code. Put it in a new cell.`;
  return undefined;
}

/** Splits a cell into magic invocations, if it is made of magics; undefined for ordinary code. */
export function parseMagicCell(code: string): MagicInvocation[] | undefined {
  const cell = CELL_MAGIC.exec(code);
  if (cell) {
    const line = cell[2] ?? "";
    return [{ name: cell[1], kind: "cell", line, body: code.slice(cell[0].length), at: { line: 0, column: columnOf(cell[0], line, cell[1]) } }];
  }
  const calls: MagicInvocation[] = [];
  const lines = code.split(/\r?\n/);
  for (const [index, text] of lines.entries()) {
    if (text.trim() === "") continue;
    const shell = SHELL_LINE.exec(text);
    if (shell) {
      calls.push({ name: "system", kind: "line", line: shell[2], body: "", at: { line: index, column: shell[1].length } });
      continue;
    }
    const m = LINE_MAGIC.exec(text);
    if (!m || text.trimStart().startsWith("%%")) return undefined;
    const line = m[2] ?? "";
    calls.push({ name: m[1], kind: "line", line, body: "", at: { line: index, column: columnOf(text, line, m[1]) } });
  }
  return calls.length === 0 ? undefined : calls;
}

/** Where the argument text starts on the magic's line (after `%name` and its blanks). */
function columnOf(text: string, args: string, name: string): number {
  return args === "" ? 0 : text.indexOf(args, text.indexOf(name) + name.length);
}

/** Blank lines and spaces that put text at a position of the cell. */
function padTo(at: { line: number; column: number }, text: string): string {
  return "\n".repeat(at.line) + " ".repeat(at.column) + text;
}

/** For a magic that takes code: the option words at the start of its line, and where the code begins. */
function leadingOptions(line: string, options: ParseArgsConfig["options"] = {}): { words: string[]; codeStart: number } {
  const words: string[] = [];
  const token = /\s*(\S+)/y;
  let at = 0;
  for (;;) {
    token.lastIndex = at;
    const m = token.exec(line);
    if (!m || !m[1].startsWith("-")) break;
    const spec = Object.entries(options).find(([long, o]) => m[1] === `--${long}` || (o.short !== undefined && m[1] === `-${o.short}`));
    if (!spec) break;
    words.push(m[1]);
    at = token.lastIndex;
    if (spec[1].type === "string") {
      const value = token.exec(line);
      if (!value) break;
      words.push(value[1]);
      at = token.lastIndex;
    }
  }
  const rest = /^\s*/.exec(line.slice(at))![0].length;
  return { words, codeStart: at + rest };
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}

const prefix = (kind: "line" | "cell") => (kind === "line" ? "%" : "%%");

export class MagicRegistry<C> {
  private readonly magics = new Map<string, Magic<C>>();

  private key(kind: "line" | "cell", name: string): string {
    return prefix(kind) + name;
  }

  register(...magics: Magic<C>[]): this {
    for (const magic of magics) this.magics.set(this.key(magic.kind, magic.name), magic);
    return this;
  }

  /** Every magic, line magics first, each kind by name. */
  list(): Magic<C>[] {
    return [...this.magics.values()].sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === "line" ? -1 : 1));
  }

  /** The magic a cell names, or a UsageError that says what was meant. */
  find(invocation: MagicInvocation): Magic<C> {
    const magic = this.magics.get(this.key(invocation.kind, invocation.name));
    if (magic) return magic;
    const written = this.key(invocation.kind, invocation.name);
    const other = this.magics.get(this.key(invocation.kind === "line" ? "cell" : "line", invocation.name));
    if (other) {
      throw new UsageError(`${written} is a ${other.kind} magic: write it as ${prefix(other.kind)}${other.name}${other.kind === "cell" ? " on the cell's first line" : ""}`);
    }
    const near = [...this.magics.keys()]
      .map((k) => ({ k, d: editDistance(written, k) }))
      .filter(({ d }) => d <= 2)
      .sort((a, b) => a.d - b.d)[0];
    throw new UsageError(`unknown magic ${written}${near ? `; did you mean ${near.k}?` : ""} (%lsmagic lists them all)`);
  }

  /** Parses the invocation's arguments for its magic: `-h` gives help, bad options a UsageError with the usage. */
  parse(magic: Magic<C>, invocation: MagicInvocation): MagicCall | { help: string } {
    const name = `${prefix(magic.kind)}${magic.name}`;
    if (/^\s*(-h|--help)\s*$/.test(invocation.line)) return { help: `${name}: ${magic.summary}\nUsage: ${magic.usage}\n` };
    let words: string[];
    let lineCode = "";
    if (magic.takesCode) {
      // Code is not split into words: only the options before it are.
      const { words: optionWords, codeStart } = leadingOptions(invocation.line, magic.options);
      words = optionWords;
      lineCode = padTo({ line: invocation.at.line, column: invocation.at.column + codeStart }, invocation.line.slice(codeStart));
    } else {
      try {
        words = splitArgs(invocation.line);
      } catch (e) {
        throw new UsageError(`${name}: ${(e as Error).message}\nUsage: ${magic.usage}`);
      }
    }
    const bodyCode = invocation.kind === "cell" ? padTo({ line: invocation.at.line + 1, column: 0 }, invocation.body) : "";
    if (magic.takesDashedArguments) return { args: words, options: {}, line: invocation.line, body: invocation.body, lineCode, bodyCode };
    try {
      const { values, positionals } = parseArgs({ args: words, options: magic.options ?? {}, allowPositionals: true, strict: true });
      return { args: positionals, options: values as MagicCall["options"], line: invocation.line, body: invocation.body, lineCode, bodyCode };
    } catch (e) {
      const reason = (e as Error).message.replace(/\. To specify a positional argument.*$/s, "");
      throw new UsageError(`${name}: ${reason}\nUsage: ${magic.usage}`);
    }
  }
}
