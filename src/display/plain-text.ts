// The text/plain form of a value: util.inspect without colour codes, with readable forms for the values
// it shows poorly (errors, dates, bytes), and never more than a notebook can usefully hold.
import { inspect, types } from "node:util";

/** The most text/plain a value may take; beyond it the text is cut and the cut is said. */
export const PLAIN_TEXT_CAP = 100_000;
/** Bytes of a Buffer shown in its hex dump. */
export const HEX_DUMP_CAP = 512;

const INSPECT_OPTIONS = {
  colors: false,
  depth: 4,
  maxArrayLength: 200,
  maxStringLength: 20_000,
  breakLength: 100,
} as const;

/** How an error reads in a notebook; the worker swaps in one that maps cell frames and drops kernel frames. */
export type ErrorText = (error: Error) => string;

const defaultErrorText: ErrorText = (e) => (typeof e.stack === "string" && e.stack ? e.stack : `${e.name}: ${e.message}`);

function hexDump(bytes: Uint8Array): string {
  const lines = [`<Buffer, ${bytes.length.toLocaleString("en-US")} bytes>`];
  const shown = bytes.subarray(0, HEX_DUMP_CAP);
  for (let at = 0; at < shown.length; at += 16) {
    const row = shown.subarray(at, at + 16);
    const hex = [...row].map((b) => b.toString(16).padStart(2, "0"));
    const left = hex.slice(0, 8).join(" ");
    const right = hex.slice(8).join(" ");
    const ascii = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".")).join("");
    lines.push(`${at.toString(16).padStart(8, "0")}  ${left.padEnd(23)}  ${right.padEnd(23)}  |${ascii}|`);
  }
  if (bytes.length > shown.length) lines.push(`… ${(bytes.length - shown.length).toLocaleString("en-US")} more bytes`);
  return lines.join("\n");
}

/** Own enumerable fields an error carries beyond its message (`code`, `errno`, `path`...). */
function errorFields(error: Error): string {
  const fields = Object.fromEntries(Object.entries(error).filter(([k]) => k !== "stack" && k !== "message"));
  // An AggregateError's errors are its own property, but not an enumerable one.
  if (error instanceof AggregateError) fields.errors = error.errors;
  return Object.keys(fields).length > 0 ? `\n${inspect(fields, INSPECT_OPTIONS)}` : "";
}

/**
 * Errors whose text is being made. Each error a field holds is shown by an inspect call of its own,
 * which knows nothing of the others: this set stops cycles (an error that holds itself) and depth.
 */
const beingShown = new Set<Error>();
const NESTED_ERRORS_SHOWN = 4;

function errorPlainText(error: Error, errorText: ErrorText, depth = 0): string {
  if (beingShown.has(error) || beingShown.size >= NESTED_ERRORS_SHOWN) return `[${beingShown.has(error) ? "Circular " : ""}${error.name}: ${error.message}]`;
  beingShown.add(error);
  try {
    let text = errorText(error) + errorFields(error);
    const cause = (error as { cause?: unknown }).cause;
    if (cause !== undefined && depth < 3) {
      text += `\nCaused by: ${cause instanceof Error ? errorPlainText(cause, errorText, depth + 1) : inspect(cause, INSPECT_OPTIONS)}`;
    }
    return text;
  } finally {
    beingShown.delete(error);
  }
}

/**
 * Errors util.inspect meets anywhere (`console.log(e)`, a rejected promise, an array of errors) read as
 * an error shown as a value does, through `errorText`: the worker's names cell lines, not its own files.
 */
export function inspectErrorsWith(errorText: ErrorText): void {
  Object.defineProperty(Error.prototype, inspect.custom, {
    value(this: Error) {
      return errorPlainText(this, errorText);
    },
    writable: true,
    configurable: true,
    enumerable: false,
  });
}

/** Properties Node's async hooks put on promises (the kernel tracks which cell runs): not the user's data. */
const ASYNC_BOOKKEEPING = new Set(["async_id_symbol", "trigger_async_id_symbol", "kResourceStore"]);

function hideBookkeeping(promise: Promise<unknown>): void {
  for (const key of Object.getOwnPropertySymbols(promise)) {
    if (key.description !== undefined && ASYNC_BOOKKEEPING.has(key.description)) Object.defineProperty(promise, key, { enumerable: false });
  }
}

/**
 * Hides the async hooks' properties of a promise, or of the promises an array or object holds, from
 * util.inspect, which lists every enumerable symbol (`Promise { <pending>, [Symbol(async_id_symbol)]: 326 }`).
 */
export function hideAsyncBookkeeping(value: unknown): void {
  if (types.isPromise(value)) return hideBookkeeping(value);
  if (typeof value !== "object" || value === null || types.isProxy(value)) return;
  const items = Array.isArray(value) ? value : Object.getPrototypeOf(value) === Object.prototype ? Object.values(value) : [];
  for (const item of items.slice(0, 1000)) if (types.isPromise(item)) hideBookkeeping(item);
}

export function plainText(value: unknown, errorText: ErrorText = defaultErrorText): string {
  // util.inspect shows a proxy's target without running its traps (a revoked one as `<Revoked Proxy>`).
  if (types.isProxy(value)) return inspect(value, INSPECT_OPTIONS);
  hideAsyncBookkeeping(value);
  if (value instanceof Error) return errorPlainText(value, errorText);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
  if (Buffer.isBuffer(value)) return hexDump(value);
  return inspect(value, INSPECT_OPTIONS);
}

/** `text` cut to `cap` characters (at a line end when one is near), with a line saying how much was left out. */
export function elide(text: string, cap = PLAIN_TEXT_CAP): string {
  if (text.length <= cap) return text;
  const lineEnd = text.lastIndexOf("\n", cap);
  const cut = lineEnd > cap * 0.9 ? lineEnd : cap;
  const left = text.length - cut;
  return (
    `${text.slice(0, cut)}\n… [${left.toLocaleString("en-US")} more characters elided: the text of this value is ` +
    `${text.length.toLocaleString("en-US")} characters, more than the ${cap.toLocaleString("en-US")} shown; show a part of it instead]`
  );
}
