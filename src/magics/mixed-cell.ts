// A cell of code with line magics among its statements, as IPython allows: `%autoreload all` above the
// imports of a first cell. Each magic line runs in its place; the code between runs as a part of the
// cell, its text at its own positions (the other lines blanked), so errors name the cell's lines.
// `!cmd` lines stay code: `!done` is also a TypeScript expression.
import ts, { NODE_SYNTAX, parseErrorsOf } from "../language/typescript.js";
import { parseMagicCell, type MagicInvocation } from "./registry.js";
import { blankOut } from "../language/blank-out.js";

export type CellPart = { magic: MagicInvocation } | { code: string };

/** `text` with every line for which `keep` is false turned into blanks (line breaks kept). */
function keepingLines(lines: string[], keep: (index: number) => boolean): string {
  return lines.map((text, i) => (keep(i) ? text : blankOut(text))).join("");
}

/** The line's `%name args`, unless it is a cell magic or a shell command. */
function lineMagic(text: string, index: number): MagicInvocation | undefined {
  if (/^\s*%%/.test(text)) return undefined;
  const [call] = parseMagicCell(text.replace(/\r?\n$/, "")) ?? [];
  return call && call.name !== "system" ? { ...call, at: { line: index, column: call.at.column } } : undefined;
}

/**
 * The parts of a cell that mixes code and line magics, in order; undefined when it has no magic line
 * between its statements (a `%` line inside a template literal or a comment is not a magic).
 */
export function splitMixedCell(code: string): CellPart[] | undefined {
  // Every code cell comes here: most have no line that starts with `%`, and need no more.
  if (!/^[ \t]*%/m.test(code)) return undefined;
  const lines = code.split(/(?<=\n)/);
  const candidates = new Map<number, MagicInvocation>();
  lines.forEach((text, i) => {
    const call = lineMagic(text, i);
    if (call) candidates.set(i, call);
  });
  if (candidates.size === 0) return undefined;
  const withoutMagics = keepingLines(lines, (i) => !candidates.has(i));
  const sf = ts.createSourceFile("cell.ts", withoutMagics, NODE_SYNTAX, false, ts.ScriptKind.TS);
  const starts: number[] = [];
  for (let i = 0, at = 0; i < lines.length; at += lines[i].length, i++) starts.push(at);
  // Comments between statements too: a `%run` line in a block comment is documentation.
  const comments = [0, ...sf.statements.map((s) => s.end)].flatMap((at) => ts.getLeadingCommentRanges(withoutMagics, at) ?? []);
  const inside = (offset: number) =>
    sf.statements.some((s) => s.getStart(sf) < offset && offset < s.end) || comments.some((c) => c.pos < offset && offset < c.end);
  const magics = new Set([...candidates.keys()].filter((i) => !inside(starts[i])));
  if (magics.size === 0) return undefined;
  // A syntax error anywhere stops the whole cell before anything runs, as it does a cell of code alone:
  // the cell runs as one part, its magic lines blanked, and fails with the error at its own line.
  if (parseErrorsOf(sf).length > 0) return [{ code: withoutMagics }];
  const parts: CellPart[] = [];
  let group: number[] = [];
  const flush = () => {
    const members = new Set(group);
    const text = keepingLines(lines, (i) => members.has(i));
    if (text.trim() !== "") parts.push({ code: text });
    group = [];
  };
  lines.forEach((_, i) => {
    if (!magics.has(i)) return void group.push(i);
    flush();
    parts.push({ magic: candidates.get(i)! });
  });
  flush();
  return parts;
}
