// History that survives restarts: this session in memory, every session in the history file. When the
// file cannot be written or read, the kernel says so once and carries on with this session in memory.
import { HistoryFile } from "./history-file.js";
import {
  SearchSelection,
  SessionHistory,
  resolveSession,
  toRow,
  type History,
  type HistoryEntry,
  type HistoryRequest,
  type HistoryRow,
} from "./history.js";
import type { Logger } from "./log.js";

export class DurableHistory implements History {
  private readonly memory = new SessionHistory();
  private readonly file: HistoryFile;
  private usable = true;

  /** Starts this kernel's session in the file at `path` (one append: reading waits for the first question). */
  constructor(
    path: string,
    private readonly log: Logger,
  ) {
    this.file = new HistoryFile(path);
    this.write(() => this.file.start());
  }

  record(line: number, input: string): void {
    this.memory.record(line, input);
    this.write(() => this.file.appendInput(line, input));
  }

  recordOutput(line: number, output: string): void {
    this.memory.recordOutput(line, output);
    this.write(() => this.file.appendOutput(line, output));
  }

  async query(request: HistoryRequest): Promise<HistoryRow[]> {
    if (this.usable) {
      try {
        return await this.fromFile(request);
      } catch (e) {
        this.giveUp("read", e);
      }
    }
    return this.memory.select(request);
  }

  private async fromFile(request: HistoryRequest): Promise<HistoryRow[]> {
    const current = await this.file.sessionNumber();
    this.memory.session = current;
    let entries: HistoryEntry[];
    if (request.kind === "tail") {
      entries = await this.file.tail(request.n);
    } else if (request.kind === "range") {
      const session = resolveSession(request.session, current);
      // This session is in memory, complete: no need to read the file for it.
      if (session === current) return this.memory.select({ ...request, session: 0 });
      entries = await this.file.range(session, request.start, request.stop);
    } else {
      const selection = new SearchSelection(request.pattern, request.n, request.unique);
      await this.file.search(selection, request.output);
      entries = selection.entries();
    }
    return entries.map((e) => toRow(e, request.output));
  }

  private write(append: () => void): void {
    if (!this.usable) return;
    try {
      append();
    } catch (e) {
      this.giveUp("write", e);
    }
  }

  /** Once the file has failed, it is not touched again: the file and memory would disagree. */
  private giveUp(action: "read" | "write", e: unknown): void {
    if (!this.usable) return;
    this.usable = false;
    this.log.warn(
      `history: cannot ${action} the history file ${this.file.path}: ${(e as Error).message ?? String(e)}. ` +
        "This session's history is kept in memory only and is lost when the kernel stops. " +
        "Make the file (and its directory) readable and writable, or set TSKERNEL_HISTORY_FILE to a file that is.",
    );
  }
}
