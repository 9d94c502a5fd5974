// `tskernel run`: executes a notebook's code cells with a fresh kernel and writes the outputs back, like nbclient.
import { once } from "node:events";
import { constants } from "node:os";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ExecuteTimeoutError, type ExecuteResult } from "../client/kernel-client.js";
import { launchKernel, type LaunchedKernel } from "../client/launch.js";
import { makeDirectories } from "../files/make-directories.js";
import {
  CellOutputs,
  DisplayRegistry,
  NotebookError,
  joinSource,
  readNotebook,
  setKernelMetadata,
  writeNotebook,
  type CodeCell,
  type Notebook,
  type Output,
} from "../client/notebook.js";

const USAGE = `Usage: tskernel run NOTEBOOK.ipynb [-o OUT.ipynb] [--timeout SECONDS]

Runs every code cell in order in a new tskernel started in the notebook's directory,
stops at the first error, and writes the outputs into the notebook.

Options:
  -o, --output OUT.ipynb  write the executed notebook here instead of in place
  --timeout SECONDS       time limit per cell (default 600, 0 for none); a cell that
                          exceeds it is interrupted and counts as failed
  -h, --help              show this help

Exit status: 0 when every cell ran without error, 1 when a cell failed or the kernel
could not run, 2 for bad arguments or a missing or invalid notebook.
`;

const DEFAULT_TIMEOUT_S = 600;
/** After interrupting a timed-out cell, how long to wait for the outputs the interrupt produces. */
const AFTER_INTERRUPT_MS = 5000;
const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
type StopSignal = (typeof STOP_SIGNALS)[number];

interface Failure {
  cellIndex: number;
  ename: string;
  evalue: string;
  traceback: string[];
  /** Reported by the kernel, rather than made up here for a timeout or a dead kernel. */
  kernelError?: boolean;
}

export async function runCommand(argv: string[]): Promise<number> {
  let values: { output?: string; timeout?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: {
        output: { type: "string", short: "o" },
        timeout: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: true,
    }));
  } catch (e) {
    return usageError((e as Error).message);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    return usageError(positionals.length === 0 ? "no notebook given" : `expected one notebook, got ${positionals.length}`);
  }
  const timeoutS = values.timeout === undefined ? DEFAULT_TIMEOUT_S : Number(values.timeout);
  if (values.timeout?.trim() === "" || !Number.isFinite(timeoutS) || timeoutS < 0) {
    return usageError(`--timeout must be a number of seconds, not ${JSON.stringify(values.timeout)}`);
  }
  const notebookPath = resolve(positionals[0]);
  const outPath = values.output === undefined ? notebookPath : resolve(values.output);

  let nb: Notebook;
  try {
    nb = readNotebook(notebookPath);
  } catch (e) {
    if (e instanceof NotebookError) return fail(2, e.message);
    throw e;
  }
  // Made before running, so a long notebook is not run only to find nowhere to write it.
  try {
    makeDirectories(dirname(outPath));
  } catch (e) {
    return fail(2, `cannot write ${values.output}: ${(e as Error).message}`);
  }

  return new Runner(nb, notebookPath, outPath, timeoutS === 0 ? undefined : timeoutS * 1000).run();
}

class Runner {
  private readonly out = new Terminal(process.stdout);
  private stopSignal: StopSignal | undefined;
  private readonly stopped: Promise<void>;
  private stop!: () => void;

  constructor(
    private readonly nb: Notebook,
    private readonly notebookPath: string,
    private readonly outPath: string,
    private readonly timeoutMs: number | undefined,
  ) {
    this.stopped = new Promise((resolve) => (this.stop = resolve));
  }

  async run(): Promise<number> {
    const onSignal = (signal: StopSignal): void => {
      if (this.stopSignal) {
        // A second Ctrl-C: stop waiting for a polite shutdown; the launcher's exit hook kills the kernel.
        process.exit(128 + constants.signals[signal]);
      }
      this.stopSignal = signal;
      this.stop();
    };
    for (const s of STOP_SIGNALS) process.on(s, onSignal);
    const launching = launchKernel({ cwd: dirname(this.notebookPath) });
    try {
      const started = await Promise.race([
        launching.then(
          (kernel) => kernel,
          (e: Error) => e,
        ),
        this.stopped.then(() => undefined),
      ]);
      if (started === undefined || this.stopSignal) return this.interrupted();
      if (started instanceof Error) return fail(1, `cannot start the kernel: ${started.message}`);

      const failure = await this.runCells(started);
      if (this.stopSignal) return this.interrupted();
      setKernelMetadata(this.nb, started.kernelInfo.content);
      try {
        await writeNotebook(this.outPath, this.nb);
      } catch (e) {
        return fail(1, `cannot write ${this.outPath}: ${(e as Error).message}`);
      }
      const written = displayPath(this.outPath);
      if (failure) {
        const cell = this.nb.cells[failure.cellIndex];
        return fail(
          1,
          `cell ${failure.cellIndex + 1} failed (${firstLine(joinSource(cell.source))}): ` +
            `${failure.ename}: ${failure.evalue}\noutputs so far written to ${written}`,
        );
      }
      this.out.line(`all cells ran; wrote ${written}`);
      return 0;
    } finally {
      // Also when a signal came during start-up: the kernel that then finishes starting is shut down as well.
      const kernel = await launching.catch(() => undefined);
      await kernel?.shutdown();
      for (const s of STOP_SIGNALS) process.off(s, onSignal);
    }
  }

  /** Runs the code cells in order; returns the first failure, or undefined when all ran (or a signal stopped them). */
  private async runCells(kernel: LaunchedKernel): Promise<Failure | undefined> {
    const codeCells = this.nb.cells.flatMap((cell, index) => (cell.cell_type === "code" ? [{ cell, index }] : []));
    // Shared by all cells: update_display_data may change an output of an earlier cell.
    const displays = new DisplayRegistry();
    const died = new Promise<void>((resolve) => {
      if (kernel.child.exitCode !== null || kernel.child.signalCode !== null) resolve();
      else kernel.child.once("exit", () => resolve());
    });

    for (const [k, { cell, index }] of codeCells.entries()) {
      const source = joinSource(cell.source);
      const summary = firstLine(source);
      this.out.write(`[${k + 1}/${codeCells.length}] cell ${index + 1} ${summary ? `${this.out.dim(summary)} ` : ""}… `);
      if (source.trim() === "") {
        // nbclient skips empty cells too; they only lose stale outputs.
        cell.outputs = [];
        cell.execution_count = null;
        this.out.line("skipped (empty)");
        continue;
      }
      const collected = new CellOutputs(displays);
      cell.outputs = collected.outputs;
      const t0 = performance.now();
      const outcome = await Promise.race([
        kernel.client
          .execute(source, {
            store_history: true,
            allow_stdin: false,
            stop_on_error: true,
            timeoutMs: this.timeoutMs,
            onIopub: (msg) => collected.add(msg),
          })
          .then(
            (result) => ({ kind: "done" as const, result }),
            (error: Error) => ({ kind: "error" as const, error }),
          ),
        died.then(() => ({ kind: "died" as const })),
        this.stopped.then(() => ({ kind: "stopped" as const })),
      ]);
      const elapsed = `${Math.round(performance.now() - t0)} ms`;

      let failure: Failure;
      switch (outcome.kind) {
        case "stopped":
          this.out.line("interrupted");
          return undefined;
        case "done": {
          const reply = outcome.result.reply.content;
          cell.execution_count = countOf(outcome.result, collected);
          if (reply.status === "ok") {
            this.out.line(`${this.out.green("ok")} (${elapsed})`);
            continue;
          }
          // nbclient's convention: a cell tagged raises-exception shows its error and the run goes on.
          if (raisesException(cell)) {
            this.out.line(`error, as its raises-exception tag expects (${elapsed})`);
            continue;
          }
          failure = {
            cellIndex: index,
            ename: String(reply.ename ?? reply.status),
            evalue: String(reply.evalue ?? ""),
            traceback: Array.isArray(reply.traceback) ? reply.traceback.map(String) : [],
            kernelError: true,
          };
          break;
        }
        case "died": {
          // The stderr pipe may still hold the kernel's last words when 'exit' fires.
          await Promise.race([once(kernel.child, "close"), delay(500)]);
          const how = kernel.child.exitCode !== null ? `code ${kernel.child.exitCode}` : kernel.child.signalCode;
          const stderr = kernel.stderr().trim();
          failure = {
            cellIndex: index,
            ename: "DeadKernelError",
            evalue: `the kernel exited (${how}) while running this cell`,
            traceback: stderr ? ["the kernel's stderr ends with:", ...stderr.split("\n").slice(-20)] : [],
          };
          collected.outputs.push(errorOutput(failure));
          break;
        }
        case "error":
          if (outcome.error instanceof ExecuteTimeoutError) {
            failure = await this.timedOut(kernel, outcome.error, index, cell, collected, died);
          } else {
            failure = { cellIndex: index, ename: "KernelError", evalue: outcome.error.message, traceback: [] };
            collected.outputs.push(errorOutput(failure));
          }
          break;
      }
      this.out.line(`${this.out.red("FAILED")} (${elapsed})`);
      // A kernel's traceback ends with the error itself; the errors made here have only the name and message.
      this.out.block(
        failure.kernelError && failure.traceback.length > 0
          ? failure.traceback.join("\n")
          : [`${failure.ename}: ${failure.evalue}`, ...failure.traceback].join("\n"),
      );
      return failure;
    }
    return undefined;
  }

  /** Interrupts the kernel as nbclient does on a timeout, keeps what the interrupt printed, and records the timeout. */
  private async timedOut(
    kernel: LaunchedKernel,
    timeout: ExecuteTimeoutError,
    cellIndex: number,
    cell: CodeCell,
    collected: CellOutputs,
    died: Promise<void>,
  ): Promise<Failure> {
    await kernel.client
      .request("control", "interrupt_request", {}, {}, { timeoutMs: AFTER_INTERRUPT_MS })
      .catch(() => undefined);
    const settled = await Promise.race([
      timeout.completion.catch(() => undefined),
      died.then(() => undefined),
      delay(AFTER_INTERRUPT_MS),
    ]);
    cell.execution_count = settled ? countOf(settled, collected) : collected.executionCount;
    const seconds = timeout.timeoutMs / 1000;
    const failure: Failure = {
      cellIndex,
      ename: "CellTimeoutError",
      evalue: `the cell did not finish within ${seconds} s (--timeout ${seconds}), so the kernel was interrupted`,
      traceback: [],
    };
    collected.outputs.push(errorOutput(failure));
    return failure;
  }

  private interrupted(): number {
    const signal = this.stopSignal ?? "SIGINT";
    process.stderr.write(`tskernel run: stopped by ${signal}; ${displayPath(this.outPath)} was not written\n`);
    return 128 + constants.signals[signal];
  }
}

/** The count the kernel gave this cell: from the reply, else from execute_input. */
function countOf(result: ExecuteResult, collected: CellOutputs): number | null {
  const count = result.reply.content.execution_count;
  return typeof count === "number" ? count : collected.executionCount;
}

function errorOutput({ ename, evalue, traceback }: Failure): Output {
  return { output_type: "error", ename, evalue, traceback };
}

function firstLine(source: string): string {
  const line = source.trim().split("\n")[0] ?? "";
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}

/** Relative to the current directory when inside it, else absolute. */
function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}

function usageError(message: string): number {
  process.stderr.write(`tskernel run: ${message}\n\n${USAGE}`);
  return 2;
}

function fail(code: number, message: string): number {
  process.stderr.write(`tskernel run: ${message}\n`);
  return code;
}

function delay(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), ms).unref());
}

/** Progress output: colours only on a terminal that wants them; tracebacks lose their colour codes elsewhere. */
class Terminal {
  private readonly color: boolean;
  constructor(private readonly stream: NodeJS.WriteStream) {
    this.color = stream.isTTY === true && !process.env.NO_COLOR;
  }
  write(text: string): void {
    this.stream.write(text);
  }
  line(text: string): void {
    this.stream.write(text + "\n");
  }
  block(text: string): void {
    const plain = this.color ? text : text.replace(/\x1b\[[0-9;?]*[ -\/]*[@-~]/g, "");
    this.line(plain.replace(/^/gm, "    "));
  }
  green(text: string): string {
    return this.color ? `\x1b[32m${text}\x1b[0m` : text;
  }
  red(text: string): string {
    return this.color ? `\x1b[31m${text}\x1b[0m` : text;
  }
  dim(text: string): string {
    return this.color ? `\x1b[2m${text}\x1b[0m` : text;
  }
}

function raisesException(cell: CodeCell): boolean {
  const tags = cell.metadata.tags;
  return Array.isArray(tags) && tags.includes("raises-exception");
}
