// This session's input (and output) history, answering history_request's tail, range and search.

export interface HistoryEntry {
  line: number;
  input: string;
  output?: string;
}

export type HistoryRow = [number, number, string] | [number, number, [string, string | null]];

export interface HistoryQuery {
  hist_access_type?: string;
  output?: boolean;
  session?: number;
  start?: number;
  stop?: number;
  n?: number;
  pattern?: string;
  unique?: boolean;
}

/** Turns a history glob (`*` any run, `?` one character) into an anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[\\s\\S]*").replace(/\?/g, "[\\s\\S]");
  return new RegExp(`^${escaped}$`);
}

export class SessionHistory {
  private readonly entries: HistoryEntry[] = [];

  /** The session number rows carry; the durable store will give each kernel start its own. */
  constructor(readonly session = 1) {}

  record(line: number, input: string): void {
    this.entries.push({ line, input });
  }

  recordOutput(line: number, output: string): void {
    const entry = this.entries.findLast((e) => e.line === line);
    if (entry) entry.output = output;
  }

  query(q: HistoryQuery): HistoryRow[] {
    const kind = q.hist_access_type ?? "tail";
    let picked: HistoryEntry[];
    if (kind === "tail") {
      picked = this.entries.slice(-(q.n ?? 10));
    } else if (kind === "range") {
      // Only this session is held in memory: session 0 (or ours) is the current one.
      if (q.session !== undefined && q.session !== 0 && q.session !== this.session) return [];
      const start = q.start ?? 0;
      const stop = q.stop ?? Number.POSITIVE_INFINITY;
      picked = this.entries.filter((e) => e.line >= start && e.line < stop);
    } else if (kind === "search") {
      const re = globToRegExp(q.pattern ?? "*");
      picked = this.entries.filter((e) => re.test(e.input));
      if (q.unique) {
        const seen = new Set<string>();
        picked = picked.reverse().filter((e) => !seen.has(e.input) && seen.add(e.input) !== undefined).reverse();
      }
      if (q.n !== undefined && q.n !== null) picked = picked.slice(-q.n);
    } else {
      return [];
    }
    return picked.map((e): HistoryRow =>
      q.output ? [this.session, e.line, [e.input, e.output ?? null]] : [this.session, e.line, e.input],
    );
  }
}
