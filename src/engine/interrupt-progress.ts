// An interrupt terminates a cell's synchronous part, and termination skips the cell's own end, where
// its mirrors (locals that stand for session variables, see compile/rewrite.ts) are written back.
// So before terminating, the worker is paused in the debugger and the cell's write-back is evaluated
// in the cell function's frame: a stopped loop keeps the values it reached, and the loop itself runs
// with no check for interrupts at all.
import { CELL_FUNCTION, WRITE_BACK_PROBE } from "./compile/cell-frame.js";
import type { WorkerInspector } from "./worker-inspector.js";

/**
 * How long the worker may take to pause. JavaScript pauses within microseconds once the debugger is on
 * (turning it on takes ~150 ms the first time, more on a loaded machine); a worker that does not pause
 * is inside a native call, which termination has to wait for as well, and is terminated without.
 */
const PAUSE_WAIT_MS = 500;
/**
 * The most a write-back may take in all; the caller adds this to the time it gives the cell to stop.
 * Past it the worker is resumed and terminated without its progress: an interrupt always ends.
 */
export const WRITE_BACK_LIMIT_MS = 1000;

interface CallFrame {
  callFrameId: string;
  functionName: string;
}

/** The protocol calls the write-back makes: WorkerInspector's, or a stand-in in tests. */
export type Inspecting = Pick<WorkerInspector, "send" | "call" | "nextEvent">;

export type WriteBack = "written" | "nothing to write" | "not paused" | "no cell on the stack" | "too slow";

/**
 * Writes the running cell's mirrors back from its paused frame, then calls `beforeResume` (the caller
 * asks for termination there: a loop resumed first would run on, changing the objects it mutates after
 * its variables were written back). Whatever happens, the debugger is off again when this resolves.
 */
export async function writeBackMirrors(inspector: Inspecting, limitMs = WRITE_BACK_LIMIT_MS, beforeResume: () => void = () => undefined): Promise<WriteBack> {
  let timer: NodeJS.Timeout | undefined;
  const tooSlow = new Promise<"too slow">((resolve) => (timer = setTimeout(() => resolve("too slow"), limitMs)));
  try {
    return await Promise.race([pauseAndWriteBack(inspector, Math.min(PAUSE_WAIT_MS, limitMs / 2)), tooSlow]);
  } finally {
    clearTimeout(timer);
    beforeResume();
    // Also when too slow: a worker left paused in the debugger could never be terminated.
    // Disabling also drops a pause that was requested but has not happened yet.
    inspector.send("Debugger.resume");
    inspector.send("Debugger.disable");
  }
}

async function pauseAndWriteBack(inspector: Inspecting, pauseWaitMs: number): Promise<WriteBack> {
  const paused = inspector.nextEvent("Debugger.paused", pauseWaitMs);
  // The debugger keeps no sources of scripts that were collected: cells come and go.
  inspector.send("Debugger.enable", { maxScriptsCacheSize: 0 });
  inspector.send("Debugger.pause");
  const at = await paused;
  if (!at) return "not paused";
  // The innermost cell function: a function the cell called (from an earlier cell, a library) may be above it.
  const frame = (at.callFrames as CallFrame[]).find((f) => f.functionName === CELL_FUNCTION);
  if (!frame) return "no cell on the stack";
  const evaluate = (expression: string, returnByValue: boolean) =>
    inspector.call("Debugger.evaluateOnCallFrame", { callFrameId: frame.callFrameId, expression, returnByValue, silent: true });
  const probe = (await evaluate(WRITE_BACK_PROBE, true)).result as { value?: unknown };
  if (typeof probe.value !== "string" || probe.value === "") return "nothing to write";
  const written = await evaluate(probe.value, false);
  if (written.exceptionDetails) throw new Error(`the write-back failed: ${JSON.stringify(written.exceptionDetails)}`);
  return "written";
}
