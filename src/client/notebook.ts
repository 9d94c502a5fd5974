// nbformat 4 notebooks: reading with clear errors, iopub messages → outputs, and writing as Jupyter does.
import { readFileSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import type { JsonObject, Message } from "../protocol/messages.js";

/** nbformat stores text either whole or as a list of lines that are joined without separators. */
export type MultilineString = string | string[];

export interface StreamOutput {
  output_type: "stream";
  name: string;
  text: MultilineString;
}

export interface DisplayDataOutput {
  output_type: "display_data";
  data: JsonObject;
  metadata: JsonObject;
}

export interface ExecuteResultOutput {
  output_type: "execute_result";
  execution_count: number | null;
  data: JsonObject;
  metadata: JsonObject;
}

export interface ErrorOutput {
  output_type: "error";
  ename: string;
  evalue: string;
  traceback: string[];
}

export type Output = StreamOutput | DisplayDataOutput | ExecuteResultOutput | ErrorOutput;

export interface CodeCell {
  cell_type: "code";
  id?: string;
  source: MultilineString;
  metadata: JsonObject;
  execution_count: number | null;
  outputs: Output[];
  [extra: string]: unknown;
}

export interface OtherCell {
  cell_type: "markdown" | "raw";
  id?: string;
  source: MultilineString;
  metadata: JsonObject;
  [extra: string]: unknown;
}

export type Cell = CodeCell | OtherCell;

export interface Notebook {
  nbformat: 4;
  nbformat_minor: number;
  metadata: JsonObject;
  cells: Cell[];
  [extra: string]: unknown;
}

export class NotebookError extends Error {}

export const KERNELSPEC_METADATA = {
  name: "tskernel",
  display_name: "TypeScript (tskernel)",
  language: "typescript",
} as const;

export function readNotebook(path: string): Notebook {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new NotebookError(err.code === "ENOENT" ? `${path}: no such file` : `cannot read ${path}: ${err.message}`);
  }
  return parseNotebook(text, path);
}

export function parseNotebook(text: string, source = "notebook"): Notebook {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new NotebookError(`${source} is not a notebook: not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(raw)) throw new NotebookError(`${source} is not a notebook: expected a JSON object`);
  if (raw.nbformat !== 4) {
    const found = raw.nbformat === undefined ? "no nbformat field" : `nbformat ${JSON.stringify(raw.nbformat)}`;
    throw new NotebookError(
      `${source}: ${found}; tskernel reads nbformat 4 notebooks (convert with \`jupyter nbconvert --to notebook --nbformat 4\`)`,
    );
  }
  if (!Array.isArray(raw.cells)) throw new NotebookError(`${source}: the notebook has no "cells" list`);
  raw.cells.forEach((cell: unknown, i: number) => {
    const where = `${source}: cell ${i + 1}`;
    if (!isObject(cell)) throw new NotebookError(`${where} is not a JSON object`);
    if (cell.cell_type !== "code" && cell.cell_type !== "markdown" && cell.cell_type !== "raw") {
      throw new NotebookError(`${where} has unknown cell_type ${JSON.stringify(cell.cell_type)}`);
    }
    if (!isMultiline(cell.source)) throw new NotebookError(`${where} has no source (a string or a list of strings)`);
    cell.metadata = isObject(cell.metadata) ? cell.metadata : {};
    if (cell.cell_type === "code") {
      cell.outputs = Array.isArray(cell.outputs) ? cell.outputs : [];
      cell.execution_count = typeof cell.execution_count === "number" ? cell.execution_count : null;
    }
  });
  if (!isObject(raw.metadata)) raw.metadata = {};
  if (typeof raw.nbformat_minor !== "number") raw.nbformat_minor = 4;
  return raw as unknown as Notebook;
}

/** The notebook as Jupyter writes it: sorted keys, 1-space indent, text split into lines, final newline. */
export function serializeNotebook(nb: Notebook): string {
  return JSON.stringify(sortKeys(splitNotebookLines(nb)), null, 1) + "\n";
}

/** Writes through a temporary file, so an interrupted write never leaves half a notebook. */
export async function writeNotebook(path: string, nb: Notebook): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, serializeNotebook(nb), "utf8");
  await rename(temp, path);
}

export function setKernelMetadata(nb: Notebook, kernelInfoReply?: JsonObject): void {
  nb.metadata.kernelspec = { ...KERNELSPEC_METADATA };
  const languageInfo = kernelInfoReply?.language_info;
  if (isObject(languageInfo)) nb.metadata.language_info = languageInfo;
}

export function joinSource(text: MultilineString): string {
  return Array.isArray(text) ? text.join("") : text;
}

/** Splits after each line break, keeping it, exactly like Python's str.splitlines(True) that nbformat uses. */
export function splitLines(text: string): string[] {
  return text.match(/[^\n\r\v\f\x1c-\x1e\x85\u2028\u2029]*(?:\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029])|[^\n\r\v\f\x1c-\x1e\x85\u2028\u2029]+$/g) ?? [];
}

/** Outputs keyed by display_id, shared by all cells of a notebook: an update may target an earlier cell. */
export class DisplayRegistry {
  private readonly byId = new Map<string, Array<DisplayDataOutput | ExecuteResultOutput>>();

  register(displayId: string, output: DisplayDataOutput | ExecuteResultOutput): void {
    const list = this.byId.get(displayId);
    if (list) list.push(output);
    else this.byId.set(displayId, [output]);
  }

  update(displayId: string, data: JsonObject, metadata: JsonObject): void {
    for (const output of this.byId.get(displayId) ?? []) {
      output.data = data;
      output.metadata = metadata;
    }
  }
}

/** Builds one code cell's outputs from the iopub messages of its execute request, as a front end renders them. */
export class CellOutputs {
  readonly outputs: Output[] = [];
  /** The count from execute_input, or null before it arrived. */
  executionCount: number | null = null;
  private clearBeforeNext = false;

  constructor(private readonly displays = new DisplayRegistry()) {}

  add(msg: Message): void {
    const c = msg.content;
    switch (msg.header.msg_type) {
      case "execute_input":
        if (typeof c.execution_count === "number") this.executionCount = c.execution_count;
        return;
      case "clear_output":
        // wait: true keeps the old output on screen until the next one arrives, avoiding flicker.
        if (c.wait === true) this.clearBeforeNext = true;
        else this.outputs.length = 0;
        return;
      case "stream": {
        this.clearIfPending();
        const name = String(c.name ?? "stdout");
        const text = String(c.text ?? "");
        const last = this.outputs.at(-1);
        if (last?.output_type === "stream" && last.name === name) last.text = joinSource(last.text) + text;
        else this.outputs.push({ output_type: "stream", name, text });
        return;
      }
      case "display_data":
      case "execute_result": {
        const data = isObject(c.data) ? c.data : {};
        const metadata = isObject(c.metadata) ? c.metadata : {};
        const displayId = displayIdOf(c);
        // A new display with a known id also refreshes the earlier ones, as JupyterLab and nbclient do.
        if (displayId !== undefined) this.displays.update(displayId, data, metadata);
        this.clearIfPending();
        const output: DisplayDataOutput | ExecuteResultOutput =
          msg.header.msg_type === "display_data"
            ? { output_type: "display_data", data, metadata }
            : {
                output_type: "execute_result",
                execution_count: typeof c.execution_count === "number" ? c.execution_count : null,
                data,
                metadata,
              };
        this.outputs.push(output);
        if (displayId !== undefined) this.displays.register(displayId, output);
        return;
      }
      case "update_display_data": {
        const displayId = displayIdOf(c);
        if (displayId !== undefined) {
          this.displays.update(displayId, isObject(c.data) ? c.data : {}, isObject(c.metadata) ? c.metadata : {});
        }
        return;
      }
      case "error":
        this.clearIfPending();
        this.outputs.push({
          output_type: "error",
          ename: String(c.ename ?? ""),
          evalue: String(c.evalue ?? ""),
          traceback: Array.isArray(c.traceback) ? c.traceback.map(String) : [],
        });
        return;
    }
  }

  private clearIfPending(): void {
    if (!this.clearBeforeNext) return;
    this.clearBeforeNext = false;
    this.outputs.length = 0;
  }
}

/** The outputs one request's iopub messages make; pass a registry to let updates reach other cells. */
export function outputsFromIopub(messages: readonly Message[], displays?: DisplayRegistry): Output[] {
  const cell = new CellOutputs(displays);
  for (const msg of messages) cell.add(msg);
  return cell.outputs;
}

function displayIdOf(content: JsonObject): string | undefined {
  const transient = content.transient;
  return isObject(transient) && typeof transient.display_id === "string" ? transient.display_id : undefined;
}

/** nbformat's split_lines: cell sources, stream text and the text (non-JSON) values of mime bundles. */
function splitNotebookLines(nb: Notebook): Notebook {
  const split = (text: MultilineString): string[] => splitLines(joinSource(text));
  const splitBundle = (bundle: JsonObject): JsonObject =>
    Object.fromEntries(
      Object.entries(bundle).map(([mime, value]) => [
        mime,
        isMultiline(value) && !isJsonMime(mime) ? split(value) : value,
      ]),
    );
  return {
    ...nb,
    cells: nb.cells.map((cell): Cell => {
      const attachments = isObject(cell.attachments)
        ? {
            attachments: Object.fromEntries(
              Object.entries(cell.attachments).map(([name, bundle]) => [
                name,
                isObject(bundle) ? splitBundle(bundle) : bundle,
              ]),
            ),
          }
        : {};
      if (cell.cell_type !== "code") return { ...cell, source: split(cell.source), ...attachments };
      return {
        ...cell,
        source: split(cell.source),
        ...attachments,
        outputs: cell.outputs.map((output): Output => {
          switch (output.output_type) {
            case "stream":
              return { ...output, text: split(output.text) };
            case "display_data":
            case "execute_result":
              return { ...output, data: splitBundle(output.data) };
            default:
              return output;
          }
        }),
      };
    }),
  };
}

function isJsonMime(mime: string): boolean {
  return mime === "application/json" || (mime.startsWith("application/") && mime.endsWith("+json"));
}

/** Python's json.dumps(sort_keys=True) sorts by code point, which plain string comparison also does for BMP keys. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortKeys(value[k])]),
  );
}

function isMultiline(v: unknown): v is MultilineString {
  return typeof v === "string" || (Array.isArray(v) && v.every((s) => typeof s === "string"));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
