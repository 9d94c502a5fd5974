// %history: this session's inputs (and outputs), a range of any session, or a search across sessions,
// from the same durable store history_request answers from.
import type { HistoryRequest, HistoryRow } from "../server/history.js";
import { UsageError, type Magic } from "./registry.js";

export interface HistoryTarget {
  history(request: HistoryRequest): Promise<HistoryRow[]>;
}

const RANGE = /^(?:(~?)(\d+)\/)?(\d+)(?:-(\d+))?$/;

/** `5`, `4-6` (inclusive), `2/1-3` (session 2), `~1/4` (the session before this one). */
function rangeRequest(text: string, output: boolean): Extract<HistoryRequest, { kind: "range" }> {
  const m = RANGE.exec(text);
  if (!m) throw new UsageError(`%history: "${text}" is not a range; write N, N-M, SESSION/N-M or ~BACK/N-M, for example 4-6`);
  const session = m[2] === undefined ? 0 : m[1] === "~" ? -Number(m[2]) : Number(m[2]);
  const start = Number(m[3]);
  const end = m[4] === undefined ? start : Number(m[4]);
  if (end < start) throw new UsageError(`%history: the range ${text} ends before it starts`);
  return { kind: "range", session, start, stop: end + 1, output };
}

function render(rows: HistoryRow[], numbered: boolean, withSession: boolean): string {
  const lines: string[] = [];
  for (const [session, line, entry] of rows) {
    const [input, output] = typeof entry === "string" ? [entry, null] : entry;
    const label = withSession ? `${session}/${line}: ` : numbered ? `${String(line).padStart(3)}: ` : "";
    const indent = " ".repeat(label.length);
    // A cell sent with a final line break has no empty last line to show.
    lines.push(label + input.trimEnd().split("\n").join(`\n${indent}`));
    if (output !== null) lines.push(`${indent}-> ${output.split("\n").join(`\n${indent}   `)}`);
  }
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

export const historyMagic: Magic<HistoryTarget> = {
  name: "history",
  kind: "line",
  summary: "show this session's inputs, a range of any session, or search all sessions",
  usage:
    "%history [-n] [-o] [-l N] [-g PATTERN] [RANGE ...]\n" +
    "  -n          number the lines\n" +
    "  -o          show each cell's output too\n" +
    "  -l N        only the last N cells (across sessions)\n" +
    "  -g PATTERN  search every session with a glob (* any text, ? one character), shown as session/line\n" +
    "  RANGE       N, N-M, SESSION/N-M or ~BACK/N-M (~1 is the session before this one)\n" +
    "Without arguments, the whole of this session.",
  options: {
    numbers: { type: "boolean", short: "n" },
    output: { type: "boolean", short: "o" },
    limit: { type: "string", short: "l" },
    grep: { type: "string", short: "g" },
  },
  async run({ args, options }, { history }) {
    const output = options.output === true;
    const numbered = options.numbers === true;
    let limit: number | null = null;
    if (options.limit !== undefined) {
      limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`%history: -l takes a whole number of at least 1, not "${String(options.limit)}"`);
    }
    if (typeof options.grep === "string") {
      if (args.length > 0) throw new UsageError("%history: -g searches every session; it takes no RANGE");
      const pattern = /[*?]/.test(options.grep) ? options.grep : `*${options.grep}*`;
      const rows = await history({ kind: "search", pattern, n: limit, unique: false, output });
      return { output: render(rows, numbered, true) };
    }
    if (limit !== null) {
      if (args.length > 0) throw new UsageError("%history: -l takes the last cells; give either -l N or a RANGE");
      return { output: render(await history({ kind: "tail", n: limit, output }), numbered, false) };
    }
    const requests: Extract<HistoryRequest, { kind: "range" }>[] =
      args.length === 0 ? [{ kind: "range", session: 0, start: 1, stop: null, output }] : args.map((a) => rangeRequest(a, output));
    const rows: HistoryRow[] = [];
    for (const request of requests) rows.push(...(await history(request)));
    const otherSession = requests.some((r) => r.session !== 0);
    return { output: render(rows, numbered, otherSession) };
  },
};
