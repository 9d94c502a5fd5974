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

export type CommMessageType = "comm_open" | "comm_msg" | "comm_close";

/** A comm message from the front end, for the comm's handlers in the session. */
export interface CommMessage {
  type: CommMessageType;
  commId: string;
  /** The target a comm_open asks for ("" for comm_msg and comm_close). */
  targetName: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  /** Binary frames sent with the message. */
  buffers: Uint8Array[];
}

/** Where a running cell's outputs go; bound to that cell's request, also for output that comes late. */
export interface OutputSink {
  stream(name: "stdout" | "stderr", text: string): void;
  displayData(data: MimeBundle, metadata: Record<string, unknown>, displayId?: string, update?: boolean): void;
  clearOutput(wait: boolean): void;
  executeResult(data: MimeBundle, metadata: Record<string, unknown>): void;
  /** Asks the front end that sent the request for a line of input; rejects with the reason when it cannot. */
  readInput(prompt: string, password: boolean): Promise<string>;
  /** A comm message from the session to the front end (comm_open, comm_msg or comm_close content). */
  comm(type: CommMessageType, content: Record<string, unknown>, metadata: Record<string, unknown>, buffers: Uint8Array[]): void;
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
  /** Runs the session's handlers for a comm message from the front end; their output goes to `sink`. */
  commMessage(message: CommMessage, sink: OutputSink): Promise<void>;
  /** The open comms by id, only those of `targetName` when it is given. */
  commInfo(targetName: string | undefined): Promise<Record<string, { target_name: string }>>;
  /** Stop the running cell, if any; the session keeps its state. */
  interrupt(): void;
  close(): Promise<void>;
}
