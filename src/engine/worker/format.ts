// A value as a MIME bundle, for cell results and display() alike. In order: a renderer registered for
// the value's class, the value's own [Symbol.for("Jupyter.display")](), then the defaults (an HTML
// table for an array of records). text/plain is always there, unless a renderer gives an empty bundle,
// and never larger than PLAIN_TEXT_CAP.
import type { MimeBundle } from "../engine.js";
import { checkBundle, describeType } from "../../display/bundle.js";
import { elide, plainText, type ErrorText } from "../../display/plain-text.js";
import { recordsTable } from "../../display/records-table.js";
import { FormatterRegistry } from "../../display/registry.js";

export const DISPLAY_SYMBOL = Symbol.for("Jupyter.display");

export const formatters = new FormatterRegistry();

let errorText: ErrorText | undefined;

/** How errors shown as values read: the worker passes one that names cell lines and hides kernel frames. */
export function useErrorText(describe: ErrorText): void {
  errorText = describe;
}

export interface Rendered {
  data: MimeBundle;
  metadata: Record<string, unknown>;
}

function nameOf(value: object): string {
  return (value as { constructor?: { name?: string } }).constructor?.name || "object";
}

/** What the value's renderer gives, or undefined when it has none; a failing renderer is reported and skipped. */
function customBundle(value: unknown): MimeBundle | undefined {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return undefined;
  let source: string;
  let render: () => unknown;
  try {
    const registered = formatters.find(value);
    const method = registered ? undefined : (value as Record<symbol, unknown>)[DISPLAY_SYMBOL];
    if (registered) {
      source = `the renderer registered with display.register for ${registered.className}`;
      render = () => registered.render(value as never);
    } else if (typeof method === "function") {
      source = `[Symbol.for("Jupyter.display")]() of ${nameOf(value)}`;
      render = () => method.call(value);
    } else {
      return undefined;
    }
  } catch {
    return undefined;
  }
  try {
    const bundle = render();
    if (bundle instanceof Promise) throw new TypeError("it returned a Promise; return the MIME bundle itself");
    return checkBundle(bundle, "its result");
  } catch (e) {
    const reason = e instanceof Error ? `${e.name}: ${e.message}` : describeType(e);
    process.stderr.write(`Warning: ${source} failed (${reason}); showing the value as text/plain instead.\n`);
    return undefined;
  }
}

function safePlainText(value: unknown): string {
  try {
    return plainText(value, errorText);
  } catch (e) {
    return `[the value could not be shown as text: ${e instanceof Error ? e.message : describeType(e)}]`;
  }
}

function defaultBundle(value: unknown): MimeBundle {
  try {
    const table = recordsTable(value);
    return table ? { "text/html": table } : {};
  } catch {
    // A revoked proxy, or one whose traps throw, is not an array of records: text/plain alone shows it.
    return {};
  }
}

export function mimeBundle(value: unknown): Rendered {
  const custom = customBundle(value);
  // A renderer that gives an empty bundle means "nothing to show" (a cell's result is then not published).
  if (custom !== undefined && Object.keys(custom).length === 0) return { data: {}, metadata: {} };
  const data = custom ?? defaultBundle(value);
  const text = data["text/plain"];
  data["text/plain"] = elide(typeof text === "string" ? text : safePlainText(value));
  return { data, metadata: {} };
}
