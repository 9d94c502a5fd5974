// The engine worker: the thread where cells are compiled and user code runs, so that the main thread
// stays free to answer heartbeats, control requests and interrupts.
import { parentPort, workerData } from "node:worker_threads";
import inspector from "node:inspector";
import type { ExecuteOutcome } from "../engine.js";
import { CONTROL, type FromWorker, type ToWorker } from "../worker-protocol.js";
import { OutputRouter } from "./output.js";
import { Session } from "./session.js";
import { CellRegistry, runtimeError } from "./traceback.js";
import { CellRunner, CellState } from "./runner.js";
import { asInterrupt, Interrupted, InterruptToken } from "./interrupted.js";
import { installDisplay } from "./display.js";
import { installInput } from "./input.js";
import { CommHub } from "./comms.js";
import { notebookDirectory, provideKernelModule, sessionRequire, setNotebookDir } from "./imports.js";
import { CallbackContext } from "./callback-context.js";
import { useErrorText } from "./format.js";
import { inspectErrorsWith } from "../../display/plain-text.js";
import { StreamRing } from "../stream-ring.js";
import { MainThread } from "./main-thread.js";
import { CellChecker } from "../../language/cell-checker.js";
import { KERNEL_GLOBALS_DTS } from "../../language/kernel-globals.js";
import { whereLookedFor } from "./modules/resolve.js";
import { CompilerPractice } from "./compiler-practice.js";
import { keepFactoriesUnoptimized } from "../../language/factory-tiering.js";
import { installProcessChdir } from "./process-chdir.js";

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
const mainThread = new MainThread(post);
installProcessChdir((m, transfer) => port.postMessage(m, transfer));
const comms = new CommHub(router, (text) => post({ type: "log", text }));
Object.assign(globalThis, { comms: comms.api });
provideKernelModule("tskernel", { ...installDisplay(router, notebookDirectory), ...installInput(router, mainThread), comms: comms.api });
Object.assign(globalThis, { require: sessionRequire(shared.notebookDir) });

const tiering = keepFactoriesUnoptimized();
if (tiering) post({ type: "log", text: tiering });

const session = new Session();
const cells = new CellRegistry();
// An error shown as a value or printed: its message and frames, without the excerpt a traceback adds.
const errorText = (e: Error) => runtimeError(e, cells).traceback.filter((part) => !part.startsWith("\n")).join("\n");
useErrorText(errorText);
inspectErrorsWith(errorText);
setNotebookDir(shared.notebookDir);
/** True while `handle` runs: the only stack on which a cell's synchronous part may be terminated. */
let inMessageTurn = false;
const checker = new CellChecker(shared.notebookDir, KERNEL_GLOBALS_DTS, {
  whereLooked: (specifier) => whereLookedFor(specifier, shared.notebookDir),
  whenIdle: (task) => whenIdle(task),
  cancellation: new InterruptToken(control, () => current?.id),
});
const runner = new CellRunner(session, router, cells, control, checker, mainThread, () => inMessageTurn, (problem) => post({ type: "log", text: problem }));
let current: CellState | undefined;

/** How long the worker must have had nothing to do before work that can wait (warming caches) runs. */
const IDLE_AFTER_MS = 100;
const idleWork: (() => void)[] = [];
let idleTimer: NodeJS.Timeout | undefined;

/**
 * Runs work that can wait one task at a time, each once no request has come for IDLE_AFTER_MS and no
 * cell runs: cells sent back to back (nbclient, `tskernel run`) do not wait for it.
 */
function whenIdle(...tasks: (() => void)[]): void {
  idleWork.push(...tasks);
  armIdle();
}

function armIdle(): void {
  clearTimeout(idleTimer);
  if (idleWork.length === 0) return;
  idleTimer = setTimeout(() => {
    if (!current) idleWork.shift()!();
    armIdle();
  }, IDLE_AFTER_MS);
}

const practice = new CompilerPractice((drill) => runner.practise(drill), (text) => post({ type: "log", text }));

/** One practice drill per idle moment, until practice is over (see compiler-practice.ts). */
function practiseWhileIdle(): void {
  if (practice.next()) whenIdle(practiseWhileIdle);
}

/**
 * Turns the debugger on and off once. The first time it is turned on, V8 prepares every script loaded
 * so far, TypeScript's 9 MB among them (measured: 125 ms; 6 ms each time after): done now, that is not
 * paid by the first interrupt, which pauses this thread in the debugger (see ../interrupt-progress.ts).
 */
function warmDebugger(): void {
  const session = new inspector.Session();
  session.connect();
  session.post("Debugger.enable");
  session.post("Debugger.disable");
  session.disconnect();
}

/** Ends a run of user code (a cell, or a comm message's handlers) with what its request is answered. */
function finish(state: CellState, outcome: ExecuteOutcome | undefined): void {
  if (state.phase === "done") return;
  state.phase = "done";
  post({ type: "reply", id: state.id, value: outcome });
  if (current === state) current = undefined;
  armIdle();
}

function failed(error: unknown): ExecuteOutcome {
  return { status: "error", payload: [], userExpressions: {}, ...runtimeError(asInterrupt(error), cells) };
}

/** An error from a callback that outlived its cell goes to the stderr of the cell that started it; the session goes on. */
function reportStray(kind: string, error: unknown): void {
  const info = runtimeError(error, cells);
  router.write("stderr", `${kind}: ${info.traceback.join("\n")}\n`, callbacks.originOf(error));
}
process.on("uncaughtException", (e) => reportStray("Uncaught exception in a callback", e));
process.on("unhandledRejection", (e) => reportStray("Unhandled promise rejection", e));

port.on("message", (m: ToWorker) => {
  armIdle();
  inMessageTurn = true;
  try {
    handle(m);
  } finally {
    inMessageTurn = false;
  }
});

function handle(m: ToWorker): void {
  switch (m.type) {
    case "execute": {
      practice.stop();
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
      // A terminated synchronous part leaves its async context behind: reset it.
      router.cellContext.enterWith(0);
      const state = current;
      if (!state) break;
      runner.modules.registry.forgetInterruptedLoads();
      // Still "sync" while we handle a message means the synchronous part was terminated.
      if (state.phase === "sync") {
        state.onTerminated?.();
        finish(state, failed(new Interrupted()));
      }
      else state.cancel(new Interrupted());
      break;
    }
    case "comm": {
      const state = new CellState(m.id);
      state.phase = "async";
      current = state;
      const handled = router.cellContext.run(m.id, () => comms.receive(m.message));
      Promise.race([handled, state.cancelled]).then(
        () => finish(state, undefined),
        // Only an interrupt rejects here (handler errors are reported by the hub); async work cannot be
        // cancelled, so the kernel stops waiting for it.
        () => {
          router.write("stderr", `KeyboardInterrupt: stopped waiting for the ${m.message.type} handlers; work they started may still finish later\n`, m.id);
          finish(state, undefined);
        },
      );
      break;
    }
    case "commInfo":
      post({ type: "reply", id: m.id, value: comms.info(m.targetName) });
      break;
    case "complete":
      post({ type: "reply", id: m.id, value: runner.introspection.complete(m.code, m.cursor) });
      break;
    case "inspect":
      post({ type: "reply", id: m.id, value: runner.introspection.inspect(m.code, m.cursor, m.detail) });
      break;
    case "answer":
      mainThread.answered(m);
      break;
  }
}

post({ type: "ready" });
setImmediate(() => {
  runner.warmUp();
  whenIdle(() => runner.warmLanguageService(), warmDebugger, practiseWhileIdle);
});
