// The durable history: one JSON-lines file that every kernel appends to and reads back.
//
// Why this shape: Node has no built-in SQLite and tskernel takes no native dependency. Each record is
// one line written by a single O_APPEND write, which a local filesystem places at the end of the file
// atomically, so kernels writing at once never interleave bytes and need no lock (a lock would need
// stale-lock recovery after a crash; appends need nothing). A kernel's session number is the position of
// its start record among all start records: the file's own order decides it, with no counter to race
// on. Records name their session by a random id, so writing never needs the number, and starting a
// kernel costs one append; readers work the numbers out lazily, on the first question.
import { randomBytes } from "node:crypto";
import { appendFileSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import { forEachLine, forEachLineBackward, readAt } from "./file-lines.js";
import { lineKey, type HistoryEntry, type SearchSelection } from "./history.js";
import { makeDirectories } from "../files/make-directories.js";

type HistoryRecord =
  | { t: "session"; id: string; time: string }
  | { t: "in"; id: string; line: number; input: string }
  | { t: "out"; id: string; line: number; output: string };

// JSON escapes every quote inside a string, so this text only ever occurs where a record begins.
const RECORD_START = '{"t":"';
const SESSION_MARK = Buffer.from('{"t":"session"');
const INPUT_MARK = '{"t":"in"';

function isRecord(v: unknown): v is HistoryRecord {
  if (typeof v !== "object" || v === null) return false;
  const r = v as Record<string, unknown>;
  if (typeof r.id !== "string") return false;
  if (r.t === "session") return true;
  if (!Number.isInteger(r.line)) return false;
  return (r.t === "in" && typeof r.input === "string") || (r.t === "out" && typeof r.output === "string");
}

function tryParse(text: string): HistoryRecord | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return isRecord(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** A line's record, or undefined for garbage. A write cut short leaves its start glued to the next record: that record still counts. */
export function parseRecord(line: Buffer): HistoryRecord | undefined {
  const text = line.toString("utf8");
  const whole = tryParse(text);
  if (whole) return whole;
  const last = text.lastIndexOf(RECORD_START);
  return last > 0 ? tryParse(text.slice(last)) : undefined;
}

export class HistoryFile {
  /** This kernel's session id: random, so two kernels starting at the same moment never share one. */
  readonly id = randomBytes(8).toString("hex");
  /** Session ids in file order (number n is at n - 1), and the offset of each start record. */
  private readonly sessions: string[] = [];
  private readonly sessionStarts = new Map<string, { number: number; offset: number }>();
  private scannedTo = 0;

  constructor(readonly path: string) {}

  /** Writes this kernel's start record, creating the file and its directory; throws when it cannot. */
  start(): void {
    makeDirectories(dirname(this.path));
    this.append({ t: "session", id: this.id, time: new Date().toISOString() });
  }

  appendInput(line: number, input: string): void {
    this.append({ t: "in", id: this.id, line, input });
  }

  appendOutput(line: number, output: string): void {
    this.append({ t: "out", id: this.id, line, output });
  }

  private append(record: HistoryRecord): void {
    appendFileSync(this.path, `${JSON.stringify(record)}\n`, { mode: 0o600 });
  }

  /** This kernel's session number. */
  async sessionNumber(): Promise<number> {
    return this.read(async (_file, _size, own) => own);
  }

  /** The last `n` inputs written, by any session, newest last. Reads back only as far as it must. */
  async tail(n: number): Promise<HistoryEntry[]> {
    if (n <= 0) return [];
    return this.read(async (file, size) => {
      const outputs = new Map<string, string>();
      const found: HistoryEntry[] = [];
      await forEachLineBackward(file, size, (line) => {
        const r = parseRecord(line);
        const session = r && this.sessionStarts.get(r.id)?.number;
        if (!r || session === undefined) return false;
        // Reading backwards, a cell's output comes before its input; the first seen is the newest.
        if (r.t === "out" && !outputs.has(lineKey(session, r.line))) outputs.set(lineKey(session, r.line), r.output);
        if (r.t === "in") found.push(withOutput({ session, line: r.line, input: r.input }, outputs.get(lineKey(session, r.line))));
        return found.length >= n;
      });
      return found.reverse();
    });
  }

  /** Session `session`'s inputs with lines in [start, stop), read from where that session started. */
  async range(session: number, start: number, stop: number | null): Promise<HistoryEntry[]> {
    return this.read(async (file, size) => {
      const id = this.sessions[session - 1];
      const from = id === undefined ? undefined : this.sessionStarts.get(id)?.offset;
      if (id === undefined || from === undefined) return [];
      const mark = Buffer.from(`"id":"${id}"`);
      const last = stop ?? Number.POSITIVE_INFINITY;
      const found = new Map<number, HistoryEntry>();
      const visit = (line: Buffer): void => {
        const r = parseRecord(line);
        if (!r || r.id !== id || r.t === "session" || r.line < start || r.line >= last) return;
        if (r.t === "in") {
          found.set(r.line, { session, line: r.line, input: r.input });
        } else {
          const entry = found.get(r.line);
          if (entry) entry.output = r.output;
        }
      };
      await forEachLine(file, from, size, visit, mark);
      return [...found.values()];
    });
  }

  /** Offers every input in the file, oldest first, to `selection`; with `outputs`, their outputs too. */
  async search(selection: SearchSelection, outputs: boolean): Promise<void> {
    // Without outputs, only lines holding an input that can match need parsing.
    const needle = outputs ? undefined : Buffer.from(selection.literal ?? INPUT_MARK);
    const visit = (line: Buffer): void => {
      const r = parseRecord(line);
      const session = r && this.sessionStarts.get(r.id)?.number;
      if (!r || session === undefined) return;
      if (r.t === "in") selection.offer({ session, line: r.line, input: r.input });
      else if (r.t === "out") selection.setOutput(session, r.line, r.output);
    };
    await this.read((file, size) => forEachLine(file, 0, size, visit, needle));
  }

  /** Opens the file, learns of sessions started since the last look, and runs `body` on one size snapshot. */
  private async read<T>(body: (file: FileHandle, size: number, own: number) => Promise<T>): Promise<T> {
    const file = await open(this.path, "r");
    try {
      const { size } = await file.stat();
      if (size < this.scannedTo) throw new Error("it shrank while the kernel ran (was it truncated or replaced?)");
      const learn = (line: Buffer, offset: number): void => {
        const at = line.indexOf(SESSION_MARK);
        const r = parseRecord(line.subarray(at));
        if (r?.t !== "session" || this.sessionStarts.has(r.id)) return;
        this.sessions.push(r.id);
        this.sessionStarts.set(r.id, { number: this.sessions.length, offset: offset + at });
      };
      this.scannedTo = await forEachLine(file, this.scannedTo, size, learn, SESSION_MARK);
      return await body(file, this.scannedTo, await this.ownNumber(file));
    } finally {
      await file.close();
    }
  }

  /** This session's number; what was learned of the file holds only while its start record is where it was found. */
  private async ownNumber(file: FileHandle): Promise<number> {
    const own = this.sessionStarts.get(this.id);
    const expected = Buffer.from(`{"t":"session","id":"${this.id}"`);
    if (!own || !(await readAt(file, own.offset, expected.length)).equals(expected)) {
      throw new Error("it no longer holds this kernel's session record (was the file removed or replaced?)");
    }
    return own.number;
  }
}

function withOutput(entry: HistoryEntry, output: string | undefined): HistoryEntry {
  return output === undefined ? entry : { ...entry, output };
}
