// The history model that the in-memory and the durable store share: what may be asked (tail, range,
// search), the rows that answer it, and this session's inputs and outputs kept in memory.

export interface HistoryEntry {
  session: number;
  line: number;
  input: string;
  /** The text/plain of the cell's execute_result, when it had one. */
  output?: string;
}

/** `[session, line, input]`, or `[session, line, [input, output]]` when outputs were asked for. */
export type HistoryRow = [number, number, string] | [number, number, [string, string | null]];

/**
 * A history question, as history_request asks it. Sessions: a positive number is that session, 0 the
 * current one, a negative number counts back from the current one (-1 is the one before), as IPython does.
 * Lines run from `start` up to, not including, `stop` (null: to the end).
 */
export type HistoryRequest =
  | { kind: "tail"; n: number; output: boolean }
  | { kind: "range"; session: number; start: number; stop: number | null; output: boolean }
  | { kind: "search"; pattern: string; n: number | null; unique: boolean; output: boolean };

/** What a reader of history needs: the server's history_request, and later a `%history` magic through it. */
export interface HistorySource {
  /** Rows in the order they were written, newest last. */
  query(request: HistoryRequest): Promise<HistoryRow[]>;
}

export interface History extends HistorySource {
  record(line: number, input: string): void;
  recordOutput(line: number, output: string): void;
}

/** Whether `part` (where `?` is any one character) matches `text` at `at`. */
function partAt(text: string, at: number, part: string): boolean {
  if (at + part.length > text.length) return false;
  for (let i = 0; i < part.length; i++) if (part[i] !== "?" && part[i] !== text[at + i]) return false;
  return true;
}

/**
 * A test for a history glob (`*` any run, `?` one character, everything else literally) over a whole
 * input. Each part between stars is taken at its first place that fits, which is always right for a
 * glob: an anchored regular expression backtracks instead, and took minutes on long inputs for a
 * pattern like `*(*[*`.
 */
export function globMatcher(glob: string): (text: string) => boolean {
  const parts = glob.split("*");
  if (parts.length === 1) return (text) => text.length === glob.length && partAt(text, 0, glob);
  const first = parts[0];
  const last = parts[parts.length - 1];
  const middle = parts.slice(1, -1).filter((part) => part !== "");
  return (text) => {
    const end = text.length - last.length;
    if (end < first.length || !partAt(text, 0, first) || !partAt(text, end, last)) return false;
    let at = first.length;
    for (const part of middle) {
      while (at + part.length <= end && !partAt(text, at, part)) at++;
      if (at + part.length > end) return false;
      at += part.length;
    }
    return true;
  };
}

/**
 * The longest run of plain characters every match of `glob` contains, taking only characters that JSON
 * writes unchanged (no quote, backslash, control character or surrogate): a stored line without it cannot match.
 */
export function globLiteral(glob: string): string | undefined {
  const runs = glob.split(/[*?"\\\u0000-\u001f\ud800-\udfff]/).filter((run) => run !== "");
  return runs.sort((a, b) => b.length - a.length)[0];
}

export function toRow(entry: HistoryEntry, output: boolean): HistoryRow {
  return output ? [entry.session, entry.line, [entry.input, entry.output ?? null]] : [entry.session, entry.line, entry.input];
}

/** The absolute session number a request names, given the current one. */
export function resolveSession(requested: number, current: number): number {
  return requested <= 0 ? current + requested : requested;
}

/**
 * The entries a search keeps while entries go past in write order. With `unique`, an input counts once,
 * at its newest occurrence; with `n`, only the newest n are kept, so a long history costs little memory.
 * Outputs are written after their input, so they are attached to kept entries as they arrive.
 */
export class SearchSelection {
  private readonly matches: (input: string) => boolean;
  /** Text every matching input contains, to skip other stored lines without parsing them. */
  readonly literal: string | undefined;
  private readonly kept = new Map<string, HistoryEntry>();
  private readonly byLine = new Map<string, string>();

  constructor(
    pattern: string,
    private readonly n: number | null,
    private readonly unique: boolean,
  ) {
    this.matches = globMatcher(pattern);
    this.literal = globLiteral(pattern);
  }

  offer(entry: HistoryEntry): void {
    if (!this.matches(entry.input)) return;
    const key = this.unique ? entry.input : lineKey(entry.session, entry.line);
    this.drop(key);
    this.kept.set(key, entry);
    this.byLine.set(lineKey(entry.session, entry.line), key);
    if (this.n !== null && this.kept.size > this.n) this.drop(this.kept.keys().next().value as string);
  }

  setOutput(session: number, line: number, output: string): void {
    const key = this.byLine.get(lineKey(session, line));
    const entry = key === undefined ? undefined : this.kept.get(key);
    if (entry) entry.output = output;
  }

  entries(): HistoryEntry[] {
    return [...this.kept.values()];
  }

  private drop(key: string): void {
    const old = this.kept.get(key);
    if (!old) return;
    this.kept.delete(key);
    this.byLine.delete(lineKey(old.session, old.line));
  }
}

export function lineKey(session: number | string, line: number): string {
  return `${session}:${line}`;
}

/** This session's history in memory: all a kernel has when no durable store can be used. */
export class SessionHistory implements History {
  private readonly entries: { line: number; input: string; output?: string }[] = [];

  /** The number rows carry; the durable store sets it once the session's place in the file is known. */
  constructor(public session = 1) {}

  record(line: number, input: string): void {
    this.entries.push({ line, input });
  }

  recordOutput(line: number, output: string): void {
    const entry = this.entries.findLast((e) => e.line === line);
    if (entry) entry.output = output;
  }

  async query(request: HistoryRequest): Promise<HistoryRow[]> {
    return this.select(request);
  }

  /** Answers from this session alone: a range of any other session is empty. */
  select(request: HistoryRequest): HistoryRow[] {
    const all = this.entries.map((e): HistoryEntry => ({ session: this.session, ...e }));
    let picked: HistoryEntry[];
    if (request.kind === "tail") {
      picked = request.n > 0 ? all.slice(-request.n) : [];
    } else if (request.kind === "range") {
      if (resolveSession(request.session, this.session) !== this.session) return [];
      const stop = request.stop ?? Number.POSITIVE_INFINITY;
      picked = all.filter((e) => e.line >= request.start && e.line < stop);
    } else {
      const selection = new SearchSelection(request.pattern, request.n, request.unique);
      for (const e of all) selection.offer(e);
      picked = selection.entries();
    }
    return picked.map((e) => toRow(e, request.output));
  }
}
