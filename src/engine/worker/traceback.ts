// Errors as a notebook user reads them: positions in the cell's TypeScript (`Cell In[3], line 2`),
// a few lines of the cell around the failure, and no frames from the kernel itself.
import { SourceMap } from "node:module";
import { fileURLToPath } from "node:url";
import { dirname } from "node:path";
import { inspect } from "node:util";
import type { ErrorInfo } from "../engine.js";
import type { CellDiagnostic } from "../compile/cell-compiler.js";
import { CELL_FUNCTION } from "../compile/cell-frame.js";
import { cellColumn, type ColumnShift } from "../../language/object-literal-cell.js";

export const CELL_FILE_PREFIX = "tskernel:cell/";
/** The kernel's own code (engine, magics, language): its frames are not the user's. */
const KERNEL_DIR = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

interface CellRecord {
  label: string;
  source: string;
  map: SourceMap | undefined;
  /** A function when the map is made only if a frame needs it. */
  mapText: string | (() => string);
  /** Characters the runner put before the emitted code's first line (a module's wrapper). */
  firstLineShift: number;
  /** Where the compiled text has a column more than the cell. */
  shift?: ColumnShift;
}

/** Module runs whose maps are kept: a module's text can be large, and reloads add runs. */
const MODULE_RUNS_KEPT = 200;

type Location = { cell: CellRecord; line: number; column: number };

/** Undefined without a map: the emitted code's position would name the wrong line of the source. */
function mapped(cell: CellRecord, line: number, column: number): Location | undefined {
  if (typeof cell.mapText === "function") cell.mapText = cell.mapText();
  cell.map ??= cell.mapText ? new SourceMap(JSON.parse(cell.mapText)) : undefined;
  if (!cell.map) return undefined;
  const emittedColumn = line === 1 ? column - cell.firstLineShift : column;
  const entry = cell.map.findEntry(line - 1, emittedColumn - 1) as { originalLine?: number; originalColumn?: number } | undefined;
  if (!entry || entry.originalLine === undefined) return { cell, line, column };
  const originalLine = entry.originalLine + 1;
  return { cell, line: originalLine, column: cellColumn(originalLine, (entry.originalColumn ?? 0) + 1, cell.shift) };
}

/**
 * Source and source map of recent cells, and of recent runs of the session's local modules (a reload
 * is a new run), so a frame in any of them can be shown in TypeScript terms.
 */
export class CellRegistry {
  private readonly cells = new Map<number, CellRecord>();
  private readonly modules = new Map<string, CellRecord>();
  constructor(private readonly capacity = 2000) {}

  add(token: number, label: string, source: string, mapText: string, shift?: ColumnShift): void {
    this.cells.set(token, { label, source, map: undefined, mapText, firstLineShift: 0, shift });
    if (this.cells.size > this.capacity) this.cells.delete(this.cells.keys().next().value as number);
  }

  /** A local module's code as it runs under the name `file`: its frames are shown as `label` at positions in `source`. */
  addModule(file: string, label: string, source: string, mapText: string | (() => string), firstLineShift: number): void {
    this.modules.set(file, { label, source, map: undefined, mapText, firstLineShift });
    if (this.modules.size > MODULE_RUNS_KEPT) this.modules.delete(this.modules.keys().next().value as string);
  }

  /** 1-based line and column in the cell for a 1-based position in its emitted script. */
  locate(token: number, line: number, column: number): Location | undefined {
    const cell = this.cells.get(token);
    // A cell's emit always has a map; were one missing, the frame would still be the cell's.
    return cell && (mapped(cell, line, column) ?? { cell, line, column });
  }

  /** The same for a frame in a local module's file. */
  locateInModule(file: string, line: number, column: number): Location | undefined {
    const module = this.modules.get(file);
    return module && mapped(module, line, column);
  }
}

/** The numbered lines around `line`, with an arrow at it (and a caret under `column`, if given). */
export function excerpt(source: string, line: number, column?: number, context = 2): string {
  const lines = source.split("\n");
  const from = Math.max(1, line - context);
  const to = Math.min(lines.length, line + context);
  const width = String(to).length;
  const out: string[] = [];
  for (let n = from; n <= to; n++) {
    const mark = n === line ? "---->" : "     ";
    out.push(`${mark} ${String(n).padStart(width)} | ${lines[n - 1]}`);
    if (n === line && column !== undefined) out.push(`${" ".repeat(6 + width)} | ${" ".repeat(Math.max(0, column - 1))}^`);
  }
  return out.join("\n");
}

// "at async f (file:1:2)" and "at async file:1:2" are frames of awaiting callers: the same frames to a user.
const FRAME = /^\s*at (?:async )?(?:(.*?) \()?(.*?):(\d+):(\d+)\)?$/;

function isKernelFrame(file: string): boolean {
  return (
    file.startsWith("node:") ||
    file.startsWith(KERNEL_DIR) ||
    file.startsWith(`file://${KERNEL_DIR}`) ||
    file === "evalmachine.<anonymous>" ||
    file === "<anonymous>"
  );
}

/** Node's head of the stack of a file's parse error: `path:line`, the line's text, a caret under the place. */
export const PARSE_PLACE = /^((?:file:\/\/)?[^\n]+):(\d+)\n([^\n]*)\n([ \t]*\^+)[ \t]*\n\n/;

/** What a TypeScript file among a package's files needs said: Node runs JavaScript only. */
const TYPESCRIPT_IN_PACKAGE =
  "\nThis is a TypeScript file, which Node.js does not compile: the kernel compiles your local modules, not packages. " +
  "Build the package to JavaScript, or import its source by a relative path as a local module.";

/** Where a SyntaxError from a file Node loaded (a broken package) is, from the head of its stack. */
function parsePlace(ename: string, stack: string | undefined): string[] {
  const place = ename === "SyntaxError" ? PARSE_PLACE.exec(stack ?? "") : null;
  if (!place) return [];
  const [, file, line, text, caret] = place;
  return [`\n${file}, line ${line}:\n${text}\n${caret}${/\.[mc]?tsx?$/.test(file) ? TYPESCRIPT_IN_PACKAGE : ""}`];
}

function errorParts(error: unknown): { ename: string; evalue: string; stack: string | undefined } {
  if (error instanceof Error || (typeof error === "object" && error !== null && "message" in error)) {
    const e = error as Error;
    const ename = typeof e.name === "string" && e.name ? e.name : (e.constructor?.name ?? "Error");
    return { ename, evalue: String(e.message ?? ""), stack: typeof e.stack === "string" ? e.stack : undefined };
  }
  // A thrown value that is not an Error is shown as the REPL shows a value: `{ code: 3 }`, not [object Object].
  const shown = typeof error === "string" ? error : inspect(error, { depth: 2, breakLength: Number.POSITIVE_INFINITY, colors: false });
  return { ename: "Uncaught", evalue: shown, stack: undefined };
}

/** A recursion's frames, one line each, as Python shows them: the line once, then how often it repeats. */
function collapseRepeats(frames: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < frames.length; ) {
    let j = i + 1;
    while (j < frames.length && frames[j] === frames[i]) j++;
    out.push(frames[i]);
    if (j - i > 2) out.push(`    [the frame above repeated ${j - i - 1} more times]`);
    else if (j - i === 2) out.push(frames[i]);
    i = j;
  }
  return out;
}

export function runtimeError(error: unknown, cells: CellRegistry): ErrorInfo {
  const { ename, evalue, stack } = errorParts(error);
  const frames: string[] = [];
  let innermost: Location | undefined;
  for (const raw of (stack ?? "").split("\n")) {
    const m = FRAME.exec(raw);
    if (!m) continue;
    const [, fn, file, line, column] = m;
    if (file.startsWith(CELL_FILE_PREFIX)) {
      const at = cells.locate(Number(file.slice(CELL_FILE_PREFIX.length)), Number(line), Number(column));
      if (!at) continue;
      innermost ??= at;
      const where = `${at.cell.label}, line ${at.line}, column ${at.column}`;
      // The cell's own code is shown by its place alone, as a script's top level is.
      frames.push(fn && fn !== CELL_FUNCTION && !fn.startsWith("Object.") ? `    at ${fn} (${where})` : `    at ${where}`);
    } else if (!isKernelFrame(file)) {
      const at = cells.locateInModule(file, Number(line), Number(column));
      if (at) {
        innermost ??= at;
        const where = `${at.cell.label}, line ${at.line}, column ${at.column}`;
        frames.push(fn && !fn.startsWith("Object.") ? `    at ${fn} (${where})` : `    at ${where}`);
      } else {
        frames.push(raw.replace(/^\s*/, "    "));
      }
    }
  }
  // An error in a module's top-level code: the modules whose imports led to it, as frames.
  const importers = (error as { importers?: unknown } | null)?.importers;
  if (Array.isArray(importers)) for (const path of importers) frames.push(`    imported by ${String(path)}`);
  const traceback = [`${ename}: ${evalue}`, ...parsePlace(ename, stack)];
  if (frames.length > 0) traceback.push(collapseRepeats(frames).join("\n"));
  if (innermost) traceback.push(`\n${innermost.cell.label}, line ${innermost.line}:\n${excerpt(innermost.cell.source, innermost.line)}`);
  return { ename, evalue, traceback };
}

/**
 * Compiler diagnostics (syntax or type errors) as an error: each with its cell position and code
 * excerpt; `advice` says what to do, when TypeScript's own messages do not.
 */
export function diagnosticsError(ename: string, label: string, source: string, diagnostics: CellDiagnostic[], advice?: string): ErrorInfo {
  const first = diagnostics[0];
  const evalue = `${first.message} (${label}, line ${first.line}, column ${first.column}, TS${first.code})`;
  return {
    ename,
    evalue: advice ? `${evalue}\n${advice}` : evalue,
    traceback: [`${ename}: ${first.message}`, ...diagnosticLines(label, source, diagnostics), ...(advice ? [advice] : [])],
  };
}

export function diagnosticLines(label: string, source: string, diagnostics: CellDiagnostic[]): string[] {
  return diagnostics.map(
    (d) => `${label}, line ${d.line}, column ${d.column}: ${d.message} (TS${d.code})\n${excerpt(source, d.line, d.column)}`,
  );
}
