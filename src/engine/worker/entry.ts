// The engine worker: the thread where cells are compiled and user code runs, so that the main thread
// stays free to answer heartbeats, control requests and interrupts.
import { parentPort, workerData } from "node:worker_threads";
import type { ExecuteOutcome } from "../engine.js";
import { CONTROL, type FromWorker, type ToWorker } from "../worker-protocol.js";
import { OutputRouter } from "./output.js";
import { Session } from "./session.js";
import { CellRegistry, runtimeError } from "./traceback.js";
import { CellRunner, CellState, Interrupted } from "./runner.js";
import { complete, inspectAt } from "./introspect.js";
import { installDisplay } from "./display.js";
import { notebookDirectory, provideKernelModule, sessionRequire, setNotebookDir } from "./imports.js";
import { CallbackContext } from "./callback-context.js";
import { useErrorText } from "./format.js";
import { StreamRing } from "../stream-ring.js";
import { MainThread } from "./main-thread.js";
import { CellChecker } from "../../language/cell-checker.js";
import { KERNEL_GLOBALS_DTS } from "../../language/kernel-globals.js";

if (!parentPort) throw new Error("the engine must run in a worker thread");
const port = parentPort;
const shared = workerData as { control: SharedArrayBuffer; streams: SharedArrayBuffer; notebookDir: string };
const control = new Int32Array(shared.control);
const post = (m: FromWorker) => port.postMessage(m);

const router = new OutputRouter(
  new StreamRing(shared.streams),
  (cell, event) => post({ type: "output", cell, event }),
  (urgent) => post({ type: "drain", urgent }),
);
router.install();
const callbacks = new CallbackContext(router);
callbacks.install();
provideKernelModule("tskernel", installDisplay(router, notebookDirectory));
Object.assign(globalThis, { require: sessionRequire(shared.notebookDir) });

const session = new Session();
const cells = new CellRegistry();
// An error shown as a value: its message and frames, without the excerpt a traceback adds.
useErrorText((e) => runtimeError(e, cells).traceback.filter((part) => !part.startsWith("\n")).join("\n"));
setNotebookDir(shared.notebookDir);
const mainThread = new MainThread(post);
const runner = new CellRunner(session, router, cells, control, new CellChecker(shared.notebookDir, KERNEL_GLOBALS_DTS), mainThread);
let current: CellState | undefined;

function finish(state: CellState, outcome: ExecuteOutcome): void {
  if (state.phase === "done") return;
  state.phase = "done";
  post({ type: "reply", id: state.id, value: outcome });
  if (current === state) current = undefined;
}

function failed(error: unknown): ExecuteOutcome {
  return { status: "error", payload: [], userExpressions: {}, ...runtimeError(error, cells) };
}

/** An error from a callback that outlived its cell goes to the stderr of the cell that started it; the session goes on. */
function reportStray(kind: string, error: unknown): void {
  const info = runtimeError(error, cells);
  router.write("stderr", `${kind}: ${info.traceback.join("\n")}\n`, callbacks.originOf(error));
}
process.on("uncaughtException", (e) => reportStray("Uncaught exception in a callback", e));
process.on("unhandledRejection", (e) => reportStray("Unhandled promise rejection", e));

port.on("message", (m: ToWorker) => {
  switch (m.type) {
    case "execute": {
      const state = new CellState(m.id);
      current = state;
      router.cellStarted(m.id);
      runner.execute(m.id, m.input, state).then(
        (outcome) => finish(state, outcome),
        (e: unknown) => finish(state, failed(e)),
      );
      break;
    }
    case "interrupt": {
      Atomics.store(control, CONTROL.REGION, CONTROL.IDLE);
      Atomics.store(control, CONTROL.SYNC, CONTROL.SYNC_OFF);
      // A terminated synchronous part leaves its async context behind: reset it.
      router.cellContext.enterWith(0);
      const state = current;
      if (!state) break;
      // Still "sync" while we handle a message means the synchronous part was terminated.
      if (state.phase === "sync") {
        state.onTerminated?.();
        finish(state, failed(new Interrupted()));
      }
      else state.cancel(new Interrupted());
      break;
    }
    case "complete":
      post({ type: "reply", id: m.id, value: complete(m.code, m.cursor, session) });
      break;
    case "inspect":
      post({ type: "reply", id: m.id, value: inspectAt(m.code, m.cursor, m.detail, session) });
      break;
    case "answer":
      mainThread.answered(m);
      break;
  }
});

post({ type: "ready" });
setImmediate(() => runner.warmUp());
