// Completion, inspection and `name?` paging from the live session's values. The language-service
// versions build on these entry points.
import { inspect } from "node:util";
import type { CompleteResult, InspectResult, Payload } from "../engine.js";
import type { Session } from "./session.js";

const IDENT = "[A-Za-z_$][\\w$]*";
const PATH = new RegExp(`(${IDENT}(?:\\s*\\.\\s*${IDENT})*)`);
const MEMBER_BEFORE_CURSOR = new RegExp(`${PATH.source}\\s*\\.\\s*([\\w$]*)$`);
const WORD_BEFORE_CURSOR = /([A-Za-z_$][\w$]*)$/;
const PAGE = new RegExp(`^\\s*(?:(\\?\\??)\\s*${PATH.source}|${PATH.source}\\s*(\\?\\??))\\s*$`);
const KERNEL_NAME = /^(__tsk|__b\$)/;

const KEYWORDS = ("await break case catch class const continue debugger default delete do else enum export extends false " +
  "finally for function if import in instanceof interface let new null return super switch this throw true try type typeof " +
  "undefined var void while yield").split(" ");

/** The value a dotted name denotes in the session (session bindings first, then globals); getters may throw. */
function valueAt(path: string, session: Session): { found: boolean; value: unknown } {
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

export function complete(code: string, cursor: number, session: Session): CompleteResult {
  const before = code.slice(0, cursor);
  let prefix: string;
  let candidates: { text: string; type: string }[];
  const member = MEMBER_BEFORE_CURSOR.exec(before);
  if (member) {
    prefix = member[2];
    const target = valueAt(member[1], session);
    candidates = target.found
      ? propertyNames(target.value).map((text) => {
          let type = "property";
          try {
            type = typeof (target.value as Record<string, unknown>)[text] === "function" ? "method" : "property";
          } catch {
            // A throwing getter is still a property.
          }
          return { text, type };
        })
      : [];
  } else {
    prefix = WORD_BEFORE_CURSOR.exec(before)?.[1] ?? "";
    const seen = new Set<string>();
    candidates = [];
    const add = (text: string, type: string) => {
      if (!seen.has(text) && !KERNEL_NAME.test(text)) {
        seen.add(text);
        candidates.push({ text, type });
      }
    };
    for (const n of session.names()) add(n, typeLabel(session.lookup(n)?.value));
    for (const n of Object.getOwnPropertyNames(globalThis)) add(n, "global");
    for (const k of KEYWORDS) add(k, "keyword");
  }
  const matches = candidates.filter((c) => c.text.startsWith(prefix)).sort((a, b) => a.text.localeCompare(b.text));
  const start = cursor - prefix.length;
  return {
    matches: matches.map((m) => m.text),
    cursorStart: start,
    cursorEnd: cursor,
    metadata: {
      _jupyter_types_experimental: matches.map((m) => ({ start, end: cursor, text: m.text, type: m.type, signature: "" })),
    },
  };
}

/** The dotted name around the cursor. */
function pathAt(code: string, cursor: number): string | undefined {
  let end = cursor;
  while (end < code.length && /[\w$]/.test(code[end])) end++;
  const m = new RegExp(`${PATH.source}$`).exec(code.slice(0, end));
  return m?.[1].replace(/\s+/g, "");
}

function describe(path: string, value: unknown, session: Session, detail: number): string {
  const lines = [`${path}: ${typeLabel(value)}`];
  const binding = session.lookup(path);
  if (binding) lines.push(`Defined: ${binding.info.kind} in Cell In[${binding.info.cell}]`);
  if (typeof value === "function") {
    const source = Function.prototype.toString.call(value);
    const signature = source.slice(0, source.indexOf("{") >= 0 ? source.indexOf("{") : source.length).trim();
    lines.push(`Signature: ${signature}`);
    if (detail > 0) lines.push(`Source:\n${source}`);
  } else {
    lines.push(`Value: ${inspect(value, { colors: false, depth: detail > 0 ? 3 : 1, maxArrayLength: 20, breakLength: 100 })}`);
  }
  return lines.join("\n");
}

export function inspectAt(code: string, cursor: number, detail: number, session: Session): InspectResult {
  const path = pathAt(code, cursor);
  if (!path) return { found: false, data: {}, metadata: {} };
  const target = valueAt(path, session);
  if (!target.found) return { found: false, data: {}, metadata: {} };
  return { found: true, data: { "text/plain": describe(path, target.value, session, detail) }, metadata: {} };
}

/** `name?` and `name??` as a pager payload, as IPython shows them. */
export function pageFor(code: string, session: Session): Payload | undefined {
  const m = PAGE.exec(code);
  if (!m) return undefined;
  const marks = m[1] ?? m[4];
  const path = (m[2] ?? m[3]).replace(/\s+/g, "");
  const target = valueAt(path, session);
  const text = target.found ? describe(path, target.value, session, marks.length - 1) : `Object \`${path}\` not found.`;
  return { source: "page", data: { "text/plain": text }, start: 0 };
}
