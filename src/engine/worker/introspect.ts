// Completion, inspection and `name?` paging: the TypeScript language service over the session for code,
// the magic registry and the file system on magic lines, and the live values for what the checker cannot
// see into (an `any`, a cell run with `%typecheck off`).
import { inspect } from "node:util";
import type { CompleteResult, InspectResult, Payload } from "../engine.js";
import type { Session } from "./session.js";
import type { CellChecker } from "../../language/cell-checker.js";
import { CellLanguage, type LanguageMatch, type QuickInfo } from "../../language/cell-language.js";
import { declarationSource } from "../../language/declarations.js";
import { completeMagicName, completePath, looksLikePath, magicSpot, type MagicSpot } from "../../magics/completion.js";
import type { Magic } from "../../magics/registry.js";
import type { ModuleListing } from "./modules/registry.js";

const IDENT = "[A-Za-z_$][\\w$]*";
const PATH = new RegExp(`(${IDENT}(?:\\s*\\.\\s*${IDENT})*)`);
const MEMBER_BEFORE_CURSOR = new RegExp(`${PATH.source}\\s*\\.\\s*([\\w$]*)$`);
const PAGE = new RegExp(`^\\s*(?:(\\?\\??)\\s*${PATH.source}|${PATH.source}\\s*(\\?\\??))\\s*$`);
/** Magics whose arguments are files or directories. */
const PATH_MAGICS = new Set(["load", "cd", "run", "writefile"]);
/** Magics whose arguments are loaded modules' specifiers: those complete, then paths. */
const MODULE_MAGICS = new Set(["reload", "aimport"]);
/** Magics that take shell code, not TypeScript: their words complete as paths. */
const SHELL_MAGICS = new Set(["system", "sh", "bash"]);

type MagicList = { list(): readonly Magic<never>[] };

interface Completion {
  start: number;
  end: number;
  matches: LanguageMatch[];
}

/** The value a dotted name denotes in the session (session bindings first, then globals); getters may throw. */
export function valueAt(path: string, session: Session): { found: boolean; value: unknown } {
  const [head, ...rest] = path.split(".").map((s) => s.trim());
  const binding = session.lookup(head);
  let value: unknown;
  if (binding) value = binding.value;
  else if (head in globalThis) value = (globalThis as Record<string, unknown>)[head];
  else return { found: false, value: undefined };
  for (const key of rest) {
    if (value === null || value === undefined) return { found: false, value: undefined };
    try {
      value = (value as Record<string, unknown>)[key];
    } catch {
      return { found: false, value: undefined };
    }
  }
  return { found: true, value };
}

function propertyNames(value: unknown): string[] {
  const names = new Set<string>();
  for (let o: unknown = value === null || value === undefined ? undefined : Object(value); o; o = Object.getPrototypeOf(o)) {
    for (const n of Object.getOwnPropertyNames(o)) if (!/^\d/.test(n)) names.add(n);
  }
  return [...names];
}

function typeLabel(value: unknown): string {
  if (typeof value === "function") return /^class\b/.test(Function.prototype.toString.call(value)) ? "class" : "function";
  if (typeof value === "object" && value !== null) return value.constructor?.name ?? "object";
  return typeof value;
}

/** Members of the live value before the cursor's `.`: for expressions the checker types as `any`. */
function runtimeMembers(before: string, cursor: number, session: Session): Completion | undefined {
  const member = MEMBER_BEFORE_CURSOR.exec(before);
  if (!member) return undefined;
  const target = valueAt(member[1].replace(/\s+/g, ""), session);
  if (!target.found) return undefined;
  const matches = propertyNames(target.value)
    .filter((text) => text.startsWith(member[2]))
    .sort((a, b) => a.localeCompare(b))
    .map((text): LanguageMatch => {
      let kind = "property";
      try {
        kind = typeof (target.value as Record<string, unknown>)[text] === "function" ? "method" : "property";
      } catch {
        // A throwing getter is still a property.
      }
      return { text, kind, signature: "" };
    });
  return { start: cursor - member[2].length, end: cursor, matches };
}

/**
 * Where the name to inspect ends: the end of the name the cursor is in or just after, or for a cursor
 * just inside a call's parenthesis (`greet(|`), the end of the function's name.
 */
function nameEnd(code: string, cursor: number): number {
  let end = cursor;
  while (end < code.length && /[\w$]/.test(code[end])) end++;
  if (end > 0 && /[\w$]/.test(code[end - 1])) return end;
  const call = /[\w$]\s*\(\s*$/.exec(code.slice(0, cursor));
  return call ? call.index + 1 : cursor;
}

/** The dotted name around the cursor. */
function pathAt(code: string, cursor: number): string | undefined {
  let end = cursor;
  while (end < code.length && /[\w$]/.test(code[end])) end++;
  const m = new RegExp(`${PATH.source}$`).exec(code.slice(0, end));
  return m?.[1].replace(/\s+/g, "");
}

/** Replaces a span with blanks (keeping line breaks), so that positions after it do not move. */
function blank(code: string, start: number, end: number): string {
  return code.slice(0, start) + code.slice(start, end).replace(/[^\n]/g, " ") + code.slice(end);
}

export class Introspection {
  private readonly language: CellLanguage;

  constructor(
    private readonly session: Session,
    checker: CellChecker,
    private readonly magics: MagicList,
    /** The module registry's listing: `%reload` and `%aimport` complete its local modules. */
    private readonly loadedModules: () => ModuleListing[],
    /** Where the language service failed: the request still answers, from the live values. */
    private readonly report: (problem: string) => void,
  ) {
    this.language = new CellLanguage(checker);
  }

  /** A cell ran: what it declared, installed or wrote may change what completes. */
  sessionChanged(): void {
    this.language.sessionChanged();
  }

  complete(code: string, cursor: number): CompleteResult {
    const c = this.completion(code, cursor) ?? { start: cursor, end: cursor, matches: [] };
    return {
      matches: c.matches.map((m) => m.text),
      cursorStart: c.start,
      cursorEnd: c.end,
      metadata: {
        _jupyter_types_experimental: c.matches.map((m) => ({ start: c.start, end: c.end, text: m.text, type: m.kind, signature: m.signature })),
      },
    };
  }

  /** The magic a spot belongs to, if the registry has it. */
  private magicAt(spot: Exclude<MagicSpot, { kind: "name" }>): Magic<never> | undefined {
    const kind = spot.kind === "body" || (spot.kind === "argument" && spot.cell) ? "cell" : "line";
    return this.magics.list().find((m) => m.name === spot.name && m.kind === kind);
  }

  /**
   * The code the language service should see for a cursor in the code of a magic (`%timeit arr.fla`, the
   * body of `%%time`): the magic's own text blanked, so positions stay. Undefined where there is no code.
   */
  private codeOf(code: string, spot: Exclude<MagicSpot, { kind: "name" }>): string | undefined {
    if (!this.magicAt(spot)?.takesCode || SHELL_MAGICS.has(spot.name)) return undefined;
    if (spot.kind === "body") return blank(code, 0, spot.bodyStart);
    const name = code.indexOf(spot.name, spot.line.start) + spot.name.length;
    return blank(blank(blank(code, spot.line.start, name), 0, spot.line.start), spot.line.end, code.length);
  }

  private completion(code: string, cursor: number): Completion | undefined {
    const spot = magicSpot(code, cursor);
    if (!spot) return this.codeCompletion(code, cursor);
    if (spot.kind === "name") {
      const matches = completeMagicName(spot.written, spot.firstLine, this.magics.list()).map((m) => ({ text: m.text, kind: "magic", signature: m.usage }));
      return { start: spot.start, end: cursor, matches };
    }
    const magicCode = this.codeOf(code, spot);
    if (magicCode !== undefined) return this.codeCompletion(magicCode, cursor);
    const modules = MODULE_MAGICS.has(spot.name) ? this.localSpecifiers(spot.written) : [];
    if (!PATH_MAGICS.has(spot.name) && !looksLikePath(spot.written) && modules.length === 0) return undefined;
    const paths = PATH_MAGICS.has(spot.name) || looksLikePath(spot.written) ? completePath(spot.written, process.cwd(), spot.name === "cd" ? "directory" : undefined) : [];
    const offered = new Set(modules.map((m) => m.text));
    const matches = [...modules, ...paths.filter((p) => !offered.has(p.text)).map((p) => ({ text: p.text, kind: "path", signature: "" }))];
    return { start: spot.start, end: cursor, matches };
  }

  /** Specifiers of the loaded local modules that complete `written` (which may open a quote), as cells wrote them. */
  private localSpecifiers(written: string): LanguageMatch[] {
    const quote = /^["']/.test(written) ? written[0] : "";
    const prefix = written.slice(quote.length);
    const specifiers = this.loadedModules()
      .filter((m) => m.changed !== undefined)
      .flatMap((m) => m.specifiers)
      .filter((s) => s.startsWith(prefix));
    return [...new Set(specifiers)].sort().map((s) => ({ text: quote + s, kind: "module", signature: "" }));
  }

  private codeCompletion(code: string, cursor: number): Completion | undefined {
    let typed: ReturnType<CellLanguage["complete"]> | undefined;
    try {
      typed = this.language.complete(code, cursor);
    } catch (e) {
      this.report(`completion from the type checker failed, completing from live values: ${(e as Error).stack ?? String(e)}`);
    }
    if (!typed || typed.matches.length === 0) {
      const live = runtimeMembers(code.slice(0, cursor), cursor, this.session);
      if (live || !typed) return live;
    }
    const matches = typed.matches.map((m): LanguageMatch => (m.kind === undefined ? { ...m, kind: this.sessionKind(m.text) } : m));
    return { start: typed.start, end: typed.end, matches };
  }

  /** A session name's kind as the user declared it; a variable holding a function is a function. */
  private sessionKind(name: string): string {
    const kind = this.session.userName(name)?.kind;
    if (kind === "let" || kind === "const" || kind === "var" || kind === undefined) {
      return typeof this.session.lookup(name)?.value === "function" ? "function" : "variable";
    }
    return kind;
  }

  inspect(code: string, cursor: number, detail: number): InspectResult {
    const text = this.describe(code, cursor, detail);
    return text === undefined ? { found: false, data: {}, metadata: {} } : { found: true, data: { "text/plain": text }, metadata: {} };
  }

  /** `name?` and `name??` as a pager payload, as IPython shows them. */
  page(code: string): Payload | undefined {
    const m = PAGE.exec(code);
    if (!m) return undefined;
    const marks = m[1] ?? m[4];
    const path = (m[2] ?? m[3]).replace(/\s+/g, "");
    const text = this.describe(path, path.length, marks.length - 1) ?? `Object \`${path}\` not found.`;
    return { source: "page", data: { "text/plain": text }, start: 0 };
  }

  private quickInfo(code: string, cursor: number): QuickInfo | undefined {
    try {
      return this.language.quickInfo(code, cursor);
    } catch (e) {
      this.report(`inspection from the type checker failed, inspecting the live value: ${(e as Error).stack ?? String(e)}`);
      return undefined;
    }
  }

  /** IPython's layout: signature, docstring, type, where it was defined, the value; detail 1 adds the source. */
  private describe(code: string, cursor: number, detail: number): string | undefined {
    const spot = magicSpot(code, cursor);
    if (spot) {
      const magicName = /^\s*%%?([\w-]*)/.exec(code.slice(code.lastIndexOf("\n", cursor - 1) + 1));
      if (spot.kind === "name" || (magicName && cursor <= code.lastIndexOf("\n", cursor - 1) + 1 + magicName[0].length)) {
        return this.describeMagic(spot.kind === "name" ? spot.written.replace(/^%%?/, "") : spot.name);
      }
      const magicCode = this.codeOf(code, spot);
      if (magicCode === undefined) return undefined;
      code = magicCode;
    }
    cursor = nameEnd(code, cursor);
    const path = pathAt(code, cursor);
    const info = this.quickInfo(code, cursor);
    const live = path ? valueAt(path, this.session) : { found: false, value: undefined };
    if (!info && !live.found) return undefined;
    const lines: string[] = [];
    const field = (label: string, value: string) => lines.push(value.includes("\n") ? `${label}:\n${value}` : `${`${label}:`.padEnd(11)}${value}`);
    if (info) field("Signature", info.signature);
    else if (typeof live.value === "function") field("Signature", runtimeSignature(live.value));
    if (info?.documentation) field("Docstring", info.documentation);
    if (live.found) field("Type", typeLabel(live.value));
    const user = path && !path.includes(".") ? this.session.userName(path) : undefined;
    if (user) field("Defined", `${user.kind} in Cell In[${user.cell}]`);
    if (live.found && typeof live.value !== "function") {
      field("Value", inspect(live.value, { colors: false, depth: detail > 0 ? 3 : 1, maxArrayLength: detail > 0 ? 100 : 20, breakLength: 100 }));
    }
    if (detail > 0) {
      const source = this.sourceOf(path, live);
      if (source) field("Source", source);
    }
    return lines.join("\n");
  }

  private describeMagic(name: string): string | undefined {
    const magic = this.magics.list().find((m) => m.name === name);
    return magic && `${magic.kind === "line" ? "%" : "%%"}${magic.name}: ${magic.summary}\nUsage: ${magic.usage}`;
  }

  /** A session name's declaration as its cell wrote it; a function's own source otherwise. */
  private sourceOf(path: string | undefined, live: { found: boolean; value: unknown }): string | undefined {
    const user = path && !path.includes(".") ? this.session.userName(path) : undefined;
    const cell = user ? this.session.inputs[user.cell] : undefined;
    const declared = user && cell !== undefined ? declarationSource(cell, user.name) : undefined;
    if (declared) return declared;
    if (typeof live.value !== "function") return undefined;
    const source = Function.prototype.toString.call(live.value);
    return /\{\s*\[native code\]\s*\}$/.test(source) ? undefined : source;
  }
}

function runtimeSignature(fn: unknown): string {
  const source = Function.prototype.toString.call(fn);
  const body = source.indexOf("{");
  return (body >= 0 ? source.slice(0, body) : source).trim();
}
