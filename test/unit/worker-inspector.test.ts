// The main thread's protocol client for the engine worker, against a stand-in inspector session.
import { test } from "node:test";
import assert from "node:assert/strict";
import type inspector from "node:inspector";
import { WorkerInspector } from "../../src/engine/worker-inspector.js";

const WORKER_URL = "file:///engine/worker/entry.js";

type Handler = (message: { params: Record<string, unknown> }) => void;

/**
 * A session whose worker answers each command before `post` returns, as a worker paused in the
 * debugger can: its answer is delivered while the main thread is still posting.
 */
function answeringAtOnce(): inspector.Session {
  const handlers = new Map<string, Handler>();
  const fake = {
    on(event: string, handler: Handler) {
      handlers.set(event, handler);
      return fake;
    },
    post(method: string, params: { message?: string }) {
      if (method === "NodeWorker.enable") {
        handlers.get("NodeWorker.attachedToWorker")?.({ params: { sessionId: "s1", workerInfo: { url: WORKER_URL } } });
      } else if (method === "NodeWorker.sendMessageToWorker") {
        const { id, method: command } = JSON.parse(params.message!) as { id: number; method: string };
        const message = JSON.stringify({ id, result: { answered: command } });
        handlers.get("NodeWorker.receivedMessageFromWorker")?.({ params: { sessionId: "s1", message } });
      }
    },
  };
  return fake as unknown as inspector.Session;
}

test("an answer that arrives while its command is still being posted resolves the call", async () => {
  const worker = new WorkerInspector(answeringAtOnce(), WORKER_URL);
  const answer = await Promise.race([
    worker.call("Debugger.evaluateOnCallFrame"),
    new Promise((resolve) => setTimeout(() => resolve("no answer"), 1000)),
  ]);
  assert.deepEqual(answer, { answered: "Debugger.evaluateOnCallFrame" });
});

test("a call made before the worker is attached is refused at once", async () => {
  const session = { on: () => session, post: () => undefined } as unknown as inspector.Session;
  await assert.rejects(new WorkerInspector(session, WORKER_URL).call("Debugger.pause"), /no inspector session yet/);
});
