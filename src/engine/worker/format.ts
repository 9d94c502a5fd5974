// A value as a MIME bundle: `text/plain` always (util.inspect, no colour codes), richer types when the
// value renders itself through Symbol.for("Jupyter.display").
import { inspect } from "node:util";
import type { MimeBundle } from "../engine.js";

export const DISPLAY_SYMBOL = Symbol.for("Jupyter.display");

const INSPECT_OPTIONS = {
  colors: false,
  depth: 4,
  maxArrayLength: 200,
  maxStringLength: 20_000,
  breakLength: 100,
} as const;

export function plainText(value: unknown): string {
  return inspect(value, INSPECT_OPTIONS);
}

export function mimeBundle(value: unknown): { data: MimeBundle; metadata: Record<string, unknown> } {
  if (typeof value === "object" && value !== null && typeof (value as Record<symbol, unknown>)[DISPLAY_SYMBOL] === "function") {
    const bundle = (value as Record<symbol, () => unknown>)[DISPLAY_SYMBOL]();
    if (typeof bundle === "object" && bundle !== null) {
      const data = { ...(bundle as MimeBundle) };
      data["text/plain"] ??= plainText(value);
      return { data, metadata: {} };
    }
  }
  return { data: { "text/plain": plainText(value) }, metadata: {} };
}
