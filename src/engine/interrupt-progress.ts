// An interrupt terminates a cell's synchronous part, and termination skips the cell's own end, where
// its mirrors (locals that stand for session variables, see compile/rewrite.ts) are written back.
// So before terminating, the worker is paused in the debugger and the cell's write-back is evaluated
// in the cell function's frame: a stopped loop keeps the values it reached, and the loop itself runs
// with no check for interrupts at all.
import { CELL_FUNCTION, WRITE_BACK_PROBE } from "./compile/cell-frame.js";
import type { WorkerInspector } from "./worker-inspector.js";

/**
 * How long the worker may take to pause. JavaScript pauses within microseconds; a worker that does not
 * is inside a native call, which termination has to wait for as well, and is terminated without.
 */
const PAUSE_WAIT_MS = 250;

interface CallFrame {
  callFrameId: string;
  functionName: string;
}

export type WriteBack = "written" | "nothing to write" | "not paused" | "no cell on the stack";

/**
 * Writes the running cell's mirrors back from its paused frame; the worker runs on afterwards (the
 * caller terminates it). Whatever happens, the debugger is off again when this resolves.
 */
export async function writeBackMirrors(inspector: WorkerInspector): Promise<WriteBack> {
  const paused = inspector.nextEvent("Debugger.paused", PAUSE_WAIT_MS);
  // The debugger keeps no sources of scripts that were collected: cells come and go.
  inspector.send("Debugger.enable", { maxScriptsCacheSize: 0 });
  inspector.send("Debugger.pause");
  try {
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
  } finally {
    // Disabling also drops a pause that was requested but has not happened yet.
    inspector.send("Debugger.resume");
    inspector.send("Debugger.disable");
  }
}
