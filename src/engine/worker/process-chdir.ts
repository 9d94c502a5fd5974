// `process.chdir()` in a cell. Node refuses it in a worker thread (the working directory belongs to the
// process), but notebook code calls it as scripts do, and %cd already changes it from the main thread.
// This does the same synchronously, as process.chdir() returns: the worker posts the request with a
// port for the answer, waits on a shared flag, then reads the answer from the port.
import { MessageChannel, receiveMessageOnPort } from "node:worker_threads";
import type { ChdirAnswer, FromWorker } from "../worker-protocol.js";

type ChdirRequest = Extract<FromWorker, { type: "chdir" }>;

/** Long enough for a busy main thread; a chdir itself takes microseconds. */
const ANSWER_WITHIN_MS = 30_000;

export function installProcessChdir(post: (m: FromWorker, transfer: MessageChannel["port2"][]) => void): void {
  process.chdir = (directory: string): void => {
    if (typeof directory !== "string") throw new TypeError(`The "directory" argument must be of type string. Received ${typeof directory}`);
    const { port1, port2 } = new MessageChannel();
    const done = new Int32Array(new SharedArrayBuffer(4));
    try {
      post({ type: "chdir", directory, reply: port2, done: done.buffer as SharedArrayBuffer }, [port2]);
      if (Atomics.wait(done, 0, 0, ANSWER_WITHIN_MS) === "timed-out") throw new Error(`process.chdir(${JSON.stringify(directory)}): the kernel did not answer within ${ANSWER_WITHIN_MS / 1000} s`);
      const answer = receiveMessageOnPort(port1)?.message as ChdirAnswer | undefined;
      if (!answer) throw new Error(`process.chdir(${JSON.stringify(directory)}): the kernel's answer was lost`);
      if (answer.error) throw Object.assign(new Error(answer.error.message), answer.error.fields);
    } finally {
      port1.close();
    }
  };
}

/** The main thread's half: changes the directory, answers on the request's port, then wakes the worker. */
export function changeDirectoryFor(request: ChdirRequest): void {
  let answer: ChdirAnswer = {};
  try {
    process.chdir(request.directory);
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    const fields = Object.fromEntries(Object.entries(error).filter(([, v]) => ["string", "number"].includes(typeof v)));
    answer = { error: { message: error.message, fields } };
  }
  request.reply.postMessage(answer);
  request.reply.close();
  const done = new Int32Array(request.done);
  Atomics.store(done, 0, 1);
  Atomics.notify(done, 0);
}
