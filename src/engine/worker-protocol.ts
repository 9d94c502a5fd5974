// Messages between the main thread (sockets) and the engine worker (compiler and user code).
import type { MessagePort } from "node:worker_threads";
import type { CommMessage, CommMessageType, ErrorInfo, ExecuteInput, ExecuteOutcome, MimeBundle } from "./engine.js";
import type { HistoryRequest, HistoryRow } from "../server/history.js";

export type ToWorker =
  | { type: "execute"; id: number; input: ExecuteInput }
  | { type: "complete"; id: number; code: string; cursor: number }
  | { type: "inspect"; id: number; code: string; cursor: number; detail: number }
  /** Runs the handlers of a comm message from the front end; replied to once they have settled. */
  | { type: "comm"; id: number; message: CommMessage }
  | { type: "commInfo"; id: number; targetName: string | undefined }
  /** Sent after every interrupt attempt: ends the running cell, whether it was terminated or awaiting. */
  | { type: "interrupt" }
  | { type: "answer"; id: number; ok: true; value: unknown }
  | { type: "answer"; id: number; ok: false; error: string };

/** What user code in the worker asks of the main thread (which owns the process and the sockets). */
export type WorkerRequest =
  | { kind: "chdir"; dir: string }
  | { kind: "history"; request: HistoryRequest }
  | { kind: "input"; prompt: string; password: boolean };

/** The main thread's answer to each request kind. */
export interface WorkerAnswers {
  /** The new working directory. */
  chdir: string;
  history: HistoryRow[];
  /** What the user typed. */
  input: string;
}

export type OutputEvent =
  | { kind: "stream"; name: "stdout" | "stderr"; text: string }
  | { kind: "display"; data: MimeBundle; metadata: Record<string, unknown>; displayId?: string; update: boolean }
  | { kind: "clear"; wait: boolean }
  | { kind: "result"; data: MimeBundle; metadata: Record<string, unknown> }
  | { kind: "comm"; type: CommMessageType; content: Record<string, unknown>; metadata: Record<string, unknown>; buffers: Uint8Array[] };

export type FromWorker =
  | { type: "ready" }
  /** The stream ring has data; `urgent` when it is full and the worker waits for room. */
  | { type: "drain"; urgent: boolean }
  | { type: "output"; cell: number; event: OutputEvent }
  | { type: "reply"; id: number; value: unknown }
  | { type: "log"; text: string }
  /** A request from the cell `cell` is running; answered with `answer` of the same id. */
  | { type: "ask"; id: number; cell: number; request: WorkerRequest }
  /** `process.chdir()` in user code: the worker waits on `done` (set to 1) for a ChdirAnswer on `reply`. */
  | { type: "chdir"; directory: string; reply: MessagePort; done: SharedArrayBuffer };

/** How `process.chdir()` went in the main thread: its error's message and fields (code, errno, syscall...). */
export interface ChdirAnswer {
  error?: { message: string; fields: Record<string, unknown> };
}

export type { ErrorInfo, ExecuteOutcome };

/** Layout of the shared control block (Int32Array). */
export const CONTROL = {
  /** Slot: where the worker is; main claims SAFE → TERMINATING before asking the inspector to terminate. */
  REGION: 0,
  IDLE: 0,
  /** Running a cell's synchronous part, entered from our own message handler: terminating is safe. */
  SAFE: 1,
  TERMINATING: 2,
  /** Slot: the id of the cell an interrupt was asked for, read while the worker checks it (see worker/interrupted.ts). */
  INTERRUPTED_CELL: 1,
  SIZE: 2,
} as const;
