// Checks a MIME bundle that user code hands the kernel and turns it into plain JSON data, so that it
// survives the trip to the main thread and the wire encoder (a BigInt or a cycle would break both).
import type { MimeBundle } from "../engine/engine.js";

const MIME_TYPE = /^[a-z0-9][\w.+-]*\/[\w.+-]+$/i;

/** application/json and every `+json` type carry a JSON value; all other types carry a string. */
export function isJsonMime(mime: string): boolean {
  return /^application\/(?:.+\+)?json$/i.test(mime);
}

/** What a value is, for error messages: "a string", "the number 42", "a Map", "undefined". */
export function describeType(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "object":
      return `a ${(value as object).constructor?.name ?? "object"}`;
    case "number":
    case "boolean":
      return `the ${typeof value} ${String(value)}`;
    case "bigint":
      return `the bigint ${String(value)}n`;
    default:
      return `a ${typeof value}`;
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The value as JSON data; `what` names it in the error when it has none (a cycle, a BigInt, a function). */
export function toJson(value: unknown, what: string): unknown {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (e) {
    throw new TypeError(`${what} cannot be converted to JSON (${(e as Error).message}); pass plain data: objects, arrays, strings, numbers, booleans, null`);
  }
  if (text === undefined) throw new TypeError(`${what} cannot be converted to JSON (it is ${describeType(value)}); pass plain data`);
  return JSON.parse(text);
}

/** A checked copy of `bundle`, or a TypeError that starts with `who` and says what was wrong. */
export function checkBundle(bundle: unknown, who: string): MimeBundle {
  if (!isPlainObject(bundle)) {
    throw new TypeError(`${who}: expected a MIME bundle, an object from MIME type to content such as { "text/html": "<b>hi</b>" }; got ${describeType(bundle)}`);
  }
  const data: MimeBundle = {};
  for (const [mime, value] of Object.entries(bundle)) {
    if (!MIME_TYPE.test(mime)) throw new TypeError(`${who}: "${mime}" is not a MIME type; keys look like "text/html" or "image/png"`);
    if (isJsonMime(mime)) data[mime] = toJson(value, `${who}: the "${mime}" content`);
    else if (typeof value === "string") data[mime] = value;
    else throw new TypeError(`${who}: the "${mime}" content must be a string (base64 for images); got ${describeType(value)}`);
  }
  return data;
}

export function checkMetadata(metadata: unknown, who: string): Record<string, unknown> {
  if (metadata === undefined) return {};
  if (!isPlainObject(metadata)) throw new TypeError(`${who}: metadata must be an object, such as { "image/png": { width: 200 } }; got ${describeType(metadata)}`);
  return toJson(metadata, `${who}: the metadata`) as Record<string, unknown>;
}
