// The resources a cell's top-level `using` and `await using` declarations hold (see
// ../compile/using.ts), disposed last to first when the cell ends, with JavaScript's rules: a
// disposal error does not stop the others, and errors are chained through SuppressedError.

interface Resource {
  value: unknown;
  dispose: (() => unknown) | undefined;
  isAsync: boolean;
}

/** Node 20 has no SuppressedError; later versions do, and theirs is used. */
class SuppressedErrorShim extends Error {
  constructor(
    readonly error: unknown,
    readonly suppressed: unknown,
    message: string,
  ) {
    super(message);
    this.name = "SuppressedError";
  }
}

const described = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/** `error` thrown by a disposal, after `suppressed` (the cell's error, or an earlier disposal's). */
function suppressedError(error: unknown, suppressed: unknown): Error {
  const message = `Disposing a resource threw ${described(error)}, after ${described(suppressed)} (see .error and .suppressed)`;
  const native = (globalThis as { SuppressedError?: new (e: unknown, s: unknown, m: string) => Error }).SuppressedError;
  return native ? new native(error, suppressed, message) : new SuppressedErrorShim(error, suppressed, message);
}

function disposeMethod(value: object, isAsync: boolean): (() => unknown) | undefined {
  const holder = value as Record<symbol, unknown>;
  const method = (isAsync ? holder[Symbol.asyncDispose] : undefined) ?? holder[Symbol.dispose];
  return typeof method === "function" ? (method as () => unknown) : undefined;
}

export class CellResources {
  private readonly stack: Resource[] = [];
  private error: { value: unknown } | undefined;

  /** `using x = value` (`await using` when `isAsync`): checked now, as JavaScript does, and kept for the end. */
  use<T>(value: T, isAsync: boolean): T {
    if (value === null || value === undefined) {
      // `await using x = null` still awaits once at the end.
      if (isAsync) this.stack.push({ value, dispose: undefined, isAsync });
      return value;
    }
    if (typeof value !== "object" && typeof value !== "function") {
      throw new TypeError(`${isAsync ? "await using" : "using"} needs an object (or null or undefined), not a ${typeof value}.`);
    }
    const dispose = disposeMethod(value, isAsync);
    if (!dispose) {
      const wanted = isAsync ? "[Symbol.asyncDispose]() or [Symbol.dispose]()" : "[Symbol.dispose]()";
      throw new TypeError(`The value of a ${isAsync ? "'await using'" : "'using'"} declaration has no ${wanted} method.`);
    }
    this.stack.push({ value, dispose, isAsync });
    return value;
  }

  /** The cell threw: a disposal error will carry it as `suppressed`. */
  failed(error: unknown): void {
    this.error = { value: error };
  }

  /** Disposes every resource, last first; throws if a disposal threw. */
  dispose(): void {
    const outcome = new Outcome(this.error);
    for (let r = this.stack.pop(); r; r = this.stack.pop()) {
      try {
        r.dispose?.call(r.value);
      } catch (e) {
        outcome.add(e);
      }
    }
    outcome.settle();
  }

  /**
   * The cell was interrupted: its own `finally` will not run (a terminated loop) or not soon (a pending
   * await). Disposes what it still holds, last first, without waiting for asynchronous disposals;
   * `report` gets each error. A cell that resumes later finds nothing left to dispose.
   */
  abandon(report: (error: unknown) => void): void {
    for (let r = this.stack.pop(); r; r = this.stack.pop()) {
      try {
        const result = r.dispose?.call(r.value);
        if (r.isAsync) Promise.resolve(result).catch(report);
      } catch (e) {
        report(e);
      }
    }
  }

  /** As dispose, awaiting each `await using` resource's disposal (the cell has one). */
  async disposeAsync(): Promise<void> {
    const outcome = new Outcome(this.error);
    for (let r = this.stack.pop(); r; r = this.stack.pop()) {
      try {
        const result = r.dispose?.call(r.value);
        if (r.isAsync) await result;
      } catch (e) {
        outcome.add(e);
      }
    }
    outcome.settle();
  }
}

/** The errors of one disposal, each new one wrapping the one before (the cell's own error first). */
class Outcome {
  private thrown = false;
  private error: unknown;
  constructor(private readonly cellError: { value: unknown } | undefined) {
    this.error = cellError?.value;
  }
  add(e: unknown): void {
    this.error = this.thrown || this.cellError ? suppressedError(e, this.error) : e;
    this.thrown = true;
  }
  settle(): void {
    if (this.thrown) throw this.error;
  }
}
