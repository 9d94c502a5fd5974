// %time / %%time (wall and CPU time of one run, returning its value) and %timeit / %%timeit
// (auto-ranging loops, repeated runs, mean ± standard deviation per loop), as IPython's.
import { inspect } from "node:util";
import type { ErrorInfo } from "../engine/engine.js";
import type { ResultType } from "../language/cell-checker.js";
import { UsageError, type Magic, type MagicCall } from "./registry.js";

/** Code a magic ran failed: the cell fails with this error, as if the code had been the cell. */
export class CellFailure extends Error {
  constructor(readonly info: ErrorInfo) {
    super(info.evalue);
    this.name = info.ename;
  }
}

/** Code run as part of the cell that invoked the magic: checked, compiled and bound to the session. */
export interface CodeExecution {
  /** Runs code once; its declarations join the session. Throws CellFailure. `compileMs`: checking and compiling it, before the run. */
  run(code: string): Promise<{ value: unknown; type: ResultType | undefined; wallMs: number; cpu: NodeJS.CpuUsage; compileMs: number }>;
  /** Compiles code to run many times: `time(loops)` gives the milliseconds `loops` runs took. Throws CellFailure. */
  repeatable(code: string): { time(loops: number): Promise<number>; finish(): void };
}

export interface ExecutionTarget {
  execution: CodeExecution;
}

/** A duration in the unit that suits it, with three significant digits: "1.23 ms". */
export function formatDuration(seconds: number): string {
  if (seconds >= 60) {
    const minutes = Math.floor(seconds / 60);
    return `${minutes}min ${formatDuration(seconds - minutes * 60)}`;
  }
  const units: [string, number][] = [["s", 1], ["ms", 1e-3], ["µs", 1e-6], ["ns", 1e-9]];
  const [unit, scale] = units.find(([, s]) => seconds >= s) ?? units[units.length - 1];
  return `${Number((seconds / scale).toPrecision(3))} ${unit}`;
}

/** Checking and compiling the timed code are said apart when they took longer than this, as IPython does. */
const SHOWN_COMPILE_MS = 100;

function codeOf(call: MagicCall, kind: "line" | "cell"): string {
  const code = kind === "cell" ? call.bodyCode : call.lineCode;
  if (code.trim() === "") throw new UsageError(kind === "cell" ? "%%time needs code in the cell below its first line" : "%time needs code to run, for example: %time fib(25)");
  return code;
}

function timeMagic(kind: "line" | "cell"): Magic<ExecutionTarget> {
  const name = kind === "line" ? "%time" : "%%time";
  return {
    name: "time",
    kind,
    summary: kind === "line" ? "run a statement once and show its wall and CPU time" : "run the cell once and show its wall and CPU time",
    usage: `${kind === "line" ? "%time STATEMENT" : "%%time\nCODE"}\nThe value of the code is the cell's result. CPU time is the kernel process's (all its threads). The times are the run's; checking and compiling the code come apart, as "Compiler", when they took over ${SHOWN_COMPILE_MS} ms.`,
    takesCode: true,
    async run(call, { execution }) {
      if (kind === "cell" && call.lineCode.trim() !== "") throw new UsageError(`${name} takes no arguments on its line; put the code below it`);
      const { value, type, wallMs, cpu, compileMs } = await execution.run(codeOf(call, kind));
      const user = cpu.user / 1e6;
      const system = cpu.system / 1e6;
      const output =
        `CPU times: user ${formatDuration(user)}, sys: ${formatDuration(system)}, total: ${formatDuration(user + system)}\n` +
        `Wall time: ${formatDuration(wallMs / 1e3)}\n` +
        (compileMs > SHOWN_COMPILE_MS ? `Compiler : ${formatDuration(compileMs / 1e3)}\n` : "");
      return value === undefined ? { output } : { output, value, ...(type ? { type } : {}) };
    },
  };
}

/** What %timeit -o returns: every run's time, and the per-loop statistics. Times are in seconds. */
export class TimeitResult {
  readonly average: number;
  readonly stdev: number;
  readonly best: number;
  readonly worst: number;
  constructor(
    readonly loops: number,
    readonly repeat: number,
    /** The total time of each run of `loops` loops. */
    readonly allRuns: number[],
  ) {
    const perLoop = allRuns.map((t) => t / loops);
    this.average = perLoop.reduce((a, b) => a + b, 0) / perLoop.length;
    this.stdev = Math.sqrt(perLoop.reduce((a, t) => a + (t - this.average) ** 2, 0) / perLoop.length);
    this.best = Math.min(...perLoop);
    this.worst = Math.max(...perLoop);
  }

  toString(): string {
    const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
    const spread = this.repeat === 1 ? `(mean of ${plural(this.repeat, "run")}` : `(mean ± std. dev. of ${plural(this.repeat, "run")}`;
    const deviation = this.repeat === 1 ? "" : ` ± ${formatDuration(this.stdev)}`;
    return `${formatDuration(this.average)}${deviation} per loop ${spread}, ${plural(this.loops, "loop")} each)`;
  }

  [inspect.custom](): string {
    return `<TimeitResult : ${this.toString()}>`;
  }
}

function positiveInteger(value: string | boolean | undefined, option: string, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name}: ${option} takes a whole number of at least 1, not "${String(value)}"`);
  return n;
}

/** IPython's auto-range: 1, 2, 5, 10, 20, 50... loops until one run takes at least 0.2 s. */
async function autorange(time: (loops: number) => Promise<number>): Promise<number> {
  for (let scale = 1; ; scale *= 10) {
    for (const step of [1, 2, 5]) {
      const loops = step * scale;
      if ((await time(loops)) >= 200 || loops >= 1e9) return loops;
    }
  }
}

function timeitMagic(kind: "line" | "cell"): Magic<ExecutionTarget> {
  const name = kind === "line" ? "%timeit" : "%%timeit";
  return {
    name: "timeit",
    kind,
    summary: kind === "line" ? "time a statement over many loops: mean ± std. dev. per loop" : "time the cell over many loops: mean ± std. dev. per loop",
    usage:
      `${kind === "line" ? "%timeit [-n N] [-r R] [-q] [-o] STATEMENT" : "%%timeit [-n N] [-r R] [-q] [-o] [SETUP]\nCODE"}\n` +
      "  -n N  loops per run (default: as many as make a run last at least 0.2 s)\n" +
      "  -r R  runs (default 7); the result is the mean ± std. dev. of the runs' times per loop\n" +
      "  -q    print nothing\n" +
      "  -o    return the result (a TimeitResult: average, stdev, best, worst, allRuns, loops, repeat)" +
      (kind === "cell" ? "\nSETUP, on the first line, runs once first, in the session." : ""),
    takesCode: true,
    options: {
      number: { type: "string", short: "n" },
      repeat: { type: "string", short: "r" },
      quiet: { type: "boolean", short: "q" },
      output: { type: "boolean", short: "o" },
    },
    async run(call, { execution }) {
      const loops = positiveInteger(call.options.number, "-n", name);
      const repeat = positiveInteger(call.options.repeat, "-r", name) ?? 7;
      if (kind === "cell" && call.lineCode.trim() !== "") await execution.run(call.lineCode);
      const timed = execution.repeatable(codeOf(call, kind));
      try {
        const perRun = loops ?? (await autorange(timed.time));
        const runs: number[] = [];
        for (let r = 0; r < repeat; r++) runs.push((await timed.time(perRun)) / 1e3);
        const result = new TimeitResult(perRun, repeat, runs);
        let output: string | undefined;
        if (call.options.quiet !== true) {
          const warning =
            result.worst > 4 * result.best && result.worst > 1e-6
              ? `The slowest run took ${(result.worst / result.best).toFixed(2)} times longer than the fastest. This could mean that an intermediate result is being cached.\n`
              : "";
          output = `${warning}${result.toString()}\n`;
        }
        return call.options.output === true ? { output, value: result } : { output };
      } finally {
        timed.finish();
      }
    },
  };
}

export const timingMagics = [timeMagic("line"), timeMagic("cell"), timeitMagic("line"), timeitMagic("cell")];
