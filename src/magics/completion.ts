// Completion on magic lines: magic names after `%` / `%%`, and file paths for their arguments.
import { readdirSync, statSync, type Dirent } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

/** Where the cursor is, when it is on a magic's line or in a cell magic's body. */
export type MagicSpot =
  /** Writing a magic's name: `written` is `%ti` or `%%wr`, starting at `start`. */
  | { kind: "name"; start: number; written: string; firstLine: boolean }
  /** In the arguments of magic `name` (`system` for `!cmd`): `written` is the word before the cursor. */
  | { kind: "argument"; name: string; cell: boolean; start: number; written: string; line: { start: number; end: number } }
  /** In the body of cell magic `name`, whose first line ends at `bodyStart`. */
  | { kind: "body"; name: string; bodyStart: number; start: number; written: string };

/** The word before the cursor: a quoted string still open, or the text since the last blank. */
const WORD = /(?:"[^"]*|'[^']*|[^\s"']*)$/;

export function magicSpot(code: string, cursor: number): MagicSpot | undefined {
  const lineStart = code.lastIndexOf("\n", cursor - 1) + 1;
  const lineEnd = code.indexOf("\n", cursor) < 0 ? code.length : code.indexOf("\n", cursor);
  const before = code.slice(lineStart, cursor);
  const firstLine = code.slice(0, lineStart).trim() === "";
  const written = WORD.exec(before)![0];
  const start = cursor - written.length;
  const cell = /^\s*%%([A-Za-z_][\w-]*)/.exec(code);
  if (cell && !firstLine) {
    const bodyStart = code.indexOf("\n", cell[0].length) + 1;
    return { kind: "body", name: cell[1], bodyStart, start, written };
  }
  const name = /^(\s*)(%%?[\w-]*)$/.exec(before);
  if (name) return name[2].startsWith("%%") && !firstLine ? undefined : { kind: "name", start: lineStart + name[1].length, written: name[2], firstLine };
  const args = /^\s*(%%?)([A-Za-z_][\w-]*)[ \t]/.exec(before);
  if (args) {
    const isCell = args[1] === "%%";
    return { kind: "argument", name: args[2], cell: isCell, start, written, line: { start: lineStart, end: lineEnd } };
  }
  if (/^\s*!/.test(before)) return { kind: "argument", name: "system", cell: false, start, written, line: { start: lineStart, end: lineEnd } };
  return undefined;
}

/** A word that reads as a file path: it has a `/`, or starts with `.` or `~`. */
export function looksLikePath(word: string): boolean {
  const bare = word.replace(/^["']/, "");
  return bare.includes("/") || /^[.~]/.test(bare);
}

export interface PathMatch {
  text: string;
  kind: "file" | "directory";
}

function isDirectory(dir: string, entry: Dirent): boolean {
  if (entry.isDirectory()) return true;
  if (!entry.isSymbolicLink()) return false;
  try {
    return statSync(join(dir, entry.name)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Paths that complete `written` (relative to `cwd`; `~/` is the home directory), each as the whole word
 * to put in its place: an open quote and the directories written stay, a directory ends with `/`.
 */
export function completePath(written: string, cwd: string, only?: "directory"): PathMatch[] {
  const quote = /^["']/.test(written) ? written[0] : "";
  const body = written.slice(quote.length);
  const slash = body.lastIndexOf("/");
  const dirPart = body.slice(0, slash + 1);
  const base = body.slice(slash + 1);
  const expanded = dirPart.startsWith("~/") ? join(homedir(), dirPart.slice(2)) : dirPart;
  const dir = resolve(cwd, expanded === "" ? "." : expanded);
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.name.startsWith(base) && (base.startsWith(".") || !e.name.startsWith(".")))
    .map((e): PathMatch => (isDirectory(dir, e) ? { text: `${quote}${dirPart}${e.name}/`, kind: "directory" } : { text: `${quote}${dirPart}${e.name}`, kind: "file" }))
    .filter((m) => only === undefined || m.kind === only)
    .sort((a, b) => a.text.localeCompare(b.text));
}

/** Magic names for `%…` (line magics, and cell magics on a cell's first line) or `%%…` (cell magics). */
export function completeMagicName(
  written: string,
  firstLine: boolean,
  magics: readonly { name: string; kind: "line" | "cell"; usage: string }[],
): { text: string; usage: string }[] {
  const cellOnly = written.startsWith("%%");
  const name = written.replace(/^%%?/, "");
  return magics
    .filter((m) => (m.kind === "line" ? !cellOnly : firstLine) && m.name.startsWith(name))
    .map((m) => ({ text: `${m.kind === "line" ? "%" : "%%"}${m.name}`, usage: m.usage }))
    .sort((a, b) => a.text.localeCompare(b.text));
}
