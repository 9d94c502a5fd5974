// %%sh, %%bash and `!cmd` (%system): a shell command whose output streams into the cell as it comes.
import { spawn } from "node:child_process";
import { StringDecoder } from "node:string_decoder";
import type { ErrorInfo } from "../engine/engine.js";
import { CellFailure } from "./timing.js";
import type { CellOutput } from "./output-cells.js";
import { UsageError, type Magic } from "./registry.js";

export interface ShellTarget extends CellOutput {
  /** Rejects when the cell is interrupted. */
  cancelled: Promise<never>;
}

/** Runs a script with a shell, streaming its output; resolves with its exit status. */
async function runShell(shell: string, script: string, { output, cancelled }: ShellTarget): Promise<number> {
  const child = spawn(shell, ["-c", script], { stdio: ["ignore", "pipe", "pipe"] });
  for (const name of ["stdout", "stderr"] as const) {
    const decoder = new StringDecoder("utf8");
    child[name].on("data", (chunk: Buffer) => output.write(name, decoder.write(chunk)));
    child[name].on("end", () => {
      const rest = decoder.end();
      if (rest) output.write(name, rest);
    });
  }
  const exited = new Promise<number>((resolve, reject) => {
    child.once("error", (e) => reject(new UsageError(`cannot run ${shell}: ${e.message}`)));
    // "close" comes after the output streams ended, so nothing printed is lost.
    child.once("close", (code, signal) => resolve(code ?? 128 + (signal === "SIGKILL" ? 9 : 15)));
  });
  try {
    return await Promise.race([exited, cancelled]);
  } catch (e) {
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), 1000).unref();
    throw e;
  }
}

function scriptMagic(name: string, shell: string): Magic<ShellTarget> {
  return {
    name,
    kind: "cell",
    summary: `run the cell's body with ${shell}, streaming its output`,
    usage:
      `%%${name} [--no-raise-error]\nSCRIPT\n` +
      "The script runs in the kernel's working directory with the session's environment (%env).\n" +
      "A non-zero exit status fails the cell (CalledProcessError) unless --no-raise-error is given.",
    options: { "no-raise-error": { type: "boolean" } },
    async run({ args, options, body }, target) {
      if (args.length > 0) throw new UsageError(`%%${name} takes no arguments besides --no-raise-error; put the script below its line`);
      const status = await runShell(shell, body, target);
      if (status !== 0 && options["no-raise-error"] !== true) {
        const info: ErrorInfo = {
          ename: "CalledProcessError",
          evalue: `Command '${shell}' returned non-zero exit status ${status}.`,
          traceback: [`CalledProcessError: the %%${name} script exited with status ${status}`],
        };
        throw new CellFailure(info);
      }
      return undefined;
    },
  };
}

export const systemMagic: Magic<ShellTarget> = {
  name: "system",
  kind: "line",
  summary: "run a shell command (also written !COMMAND), streaming its output",
  usage: "%system COMMAND   or   !COMMAND\nA non-zero exit status is reported on stderr; the cell goes on.",
  takesCode: true,
  async run({ lineCode }, target) {
    const command = lineCode.trim();
    if (command === "") throw new UsageError("%system needs a command, for example: !ls -la");
    const status = await runShell("sh", command, target);
    if (status !== 0) target.output.write("stderr", `(the command exited with status ${status})\n`);
    return undefined;
  },
};

export const shellMagics = [scriptMagic("sh", "sh"), scriptMagic("bash", "bash"), systemMagic];
