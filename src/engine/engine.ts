// The seam between the protocol server and the language: what a cell run needs and gives back.
// Positions here are UTF-16 offsets (JavaScript string indices); the server converts code points.

export type MimeBundle = Record<string, unknown>;

export interface ExecuteInput {
  code: string;
  /** The count this cell runs as: its `Out[n]` and `Cell In[n]` number. */
  executionCount: number;
  storeHistory: boolean;
  silent: boolean;
  allowStdin: boolean;
  userExpressions: Record<string, string>;
}

/** Where a running cell's outputs go; bound to that cell's request, also for output that comes late. */
export interface OutputSink {
  stream(name: "stdout" | "stderr", text: string): void;
  displayData(data: MimeBundle, metadata: Record<string, unknown>, displayId?: string, update?: boolean): void;
  clearOutput(wait: boolean): void;
  executeResult(data: MimeBundle, metadata: Record<string, unknown>): void;
  /** Asks the front end that sent the request for a line of input; rejects with the reason when it cannot. */
  readInput(prompt: string, password: boolean): Promise<string>;
}

export interface ErrorInfo {
  ename: string;
  evalue: string;
  traceback: string[];
}

export interface Payload {
  source: string;
  [key: string]: unknown;
}

export type ExecuteOutcome =
  | { status: "ok"; payload: Payload[]; userExpressions: Record<string, unknown> }
  | ({ status: "error"; payload: Payload[]; userExpressions: Record<string, unknown> } & ErrorInfo);

export interface CompleteResult {
  matches: string[];
  cursorStart: number;
  cursorEnd: number;
  metadata: Record<string, unknown>;
}

export interface InspectResult {
  found: boolean;
  data: MimeBundle;
  metadata: Record<string, unknown>;
}

export type IsCompleteResult = { status: "complete" | "invalid" | "unknown" } | { status: "incomplete"; indent: string };

export interface Engine {
  execute(input: ExecuteInput, sink: OutputSink): Promise<ExecuteOutcome>;
  complete(code: string, cursor: number): Promise<CompleteResult>;
  inspect(code: string, cursor: number, detailLevel: number): Promise<InspectResult>;
  isComplete(code: string): Promise<IsCompleteResult>;
  /** Stop the running cell, if any; the session keeps its state. */
  interrupt(): void;
  close(): Promise<void>;
}
