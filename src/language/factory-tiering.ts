// Keeps V8 from optimizing TypeScript's per-program factories, which cost far more to optimize than
// they could ever gain.
import v8 from "node:v8";
import ts from "./typescript.js";

/**
 * createTypeChecker, createProgram and createPrinter each run once or twice a cell; their work is
 * creating the hundreds or thousands of closures they hold (createTypeChecker's own bytecode is 29 KB).
 * After about a thousand cells V8 optimizes them all the same. Measured with --trace-opt: 4.4 s,
 * 1.4 s and 0.5 s of a background thread's CPU, with graphs of 64 MiB and more built in malloc arenas,
 * where glibc kept a whole 64 MiB heap for the rest of the session in about a third of long runs.
 */
const FACTORIES = ["createTypeChecker", "createProgram", "createPrinter"] as const;

/**
 * Marks the factories never to be optimized, through V8's %NeverOptimizeFunction (natives syntax is
 * allowed just long enough to compile the one call). Returns why it could not, if it could not: the
 * session works either way.
 */
export function keepFactoriesUnoptimized(): string | undefined {
  try {
    v8.setFlagsFromString("--allow-natives-syntax");
    const neverOptimize = new Function("f", "%NeverOptimizeFunction(f)") as (f: unknown) => void;
    // createTypeChecker is exported at run time, though not in TypeScript's declarations.
    const factories = ts as unknown as Record<(typeof FACTORIES)[number], unknown>;
    for (const name of FACTORIES) {
      const factory = factories[name];
      // V8 aborts the process if the call gets anything but a plain function (a bound one, a proxy).
      if (typeof factory !== "function" || Function.prototype.toString.call(factory).includes("[native code]")) {
        throw new Error(`typescript's ${name} is not a plain function`);
      }
      neverOptimize(factory);
    }
    return undefined;
  } catch (e) {
    return `TypeScript's factories stay optimizable (${e instanceof Error ? e.message : String(e)}); long sessions may use more memory`;
  } finally {
    v8.setFlagsFromString("--no-allow-natives-syntax");
  }
}
