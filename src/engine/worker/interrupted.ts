// An interrupt stops a cell however far it got: while its code runs, or while the compiler checks it
// or a module it imports. Checking can take seconds (a large module, heavy generic types), and the
// worker's event loop does not turn meanwhile: TypeScript's checker asks a cancellation token between
// declarations instead, and the token reads the interrupt the main thread writes to shared memory.
import ts from "../../language/typescript.js";
import { CONTROL } from "../worker-protocol.js";
import type { CompilerInterrupts } from "../../language/cell-checker.js";

export class Interrupted extends Error {
  constructor() {
    super("the cell was interrupted (interrupt_request or SIGINT); the session's variables are kept");
    this.name = "KeyboardInterrupt";
  }
}

/**
 * Leaves the region where the main thread may terminate the thread; true if it was in it. When the
 * main thread has already claimed this run for termination, waits here, where termination is safe.
 */
export function leaveSafeRegion(control: Int32Array): boolean {
  const was = Atomics.compareExchange(control, CONTROL.REGION, CONTROL.SAFE, CONTROL.IDLE);
  if (was === CONTROL.TERMINATING) for (;;);
  return was === CONTROL.SAFE;
}

/** TypeScript's cancellation as a cell's interrupt; any other error as it is. */
export function asInterrupt(error: unknown): unknown {
  return error instanceof ts.OperationCanceledException ? new Interrupted() : error;
}

/** Cancels what TypeScript is checking once the cell it is checking for is interrupted. */
export class InterruptToken implements CompilerInterrupts {
  /** `runningCell`: the id of the cell running now, if any (the main thread writes the interrupted one's). */
  constructor(
    private readonly control: Int32Array,
    private readonly runningCell: () => number | undefined,
  ) {}

  isCancellationRequested(): boolean {
    const cell = this.runningCell();
    return cell !== undefined && Atomics.load(this.control, CONTROL.INTERRUPTED_CELL) === cell;
  }

  throwIfCancellationRequested(): void {
    // TypeScript recognises its own exception: it then drops the checker it was using.
    if (this.isCancellationRequested()) throw new ts.OperationCanceledException();
  }

  /**
   * Runs the compiler outside the region where the main thread terminates a cell's code: terminated
   * while binding a file, TypeScript would leave it half bound in the cache every later program reads.
   */
  shielded<T>(compile: () => T): T {
    const wasSafe = leaveSafeRegion(this.control);
    try {
      return compile();
    } finally {
      if (wasSafe) Atomics.store(this.control, CONTROL.REGION, CONTROL.SAFE);
    }
  }
}
