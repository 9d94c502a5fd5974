// Starts a tskernel process on a fresh connection file and connects a client to it, as jupyter_client does.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type AddressInfo, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ConnectionInfo } from "../protocol/connection.js";
import type { Message } from "../protocol/messages.js";
import { KernelClient } from "./kernel-client.js";
import { KERNEL_ENV } from "../cli/kernel-env.js";

export interface LaunchOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  transport?: "tcp" | "ipc";
  /** The signing key; random unless given (an empty key turns signing off). */
  key?: string;
  /** The kernel command line, as in a kernelspec: `{connection_file}` is replaced by the file's path. */
  kernelArgv?: string[];
  /** How long the kernel may take to answer its first kernel_info_request. */
  startTimeoutMs?: number;
}

export interface LaunchedKernel {
  client: KernelClient;
  info: ConnectionInfo;
  connectionFile: string;
  child: ChildProcess;
  /** The kernel_info_reply that showed the kernel was ready. */
  kernelInfo: Message;
  /** The end of what the kernel wrote to stderr, for error messages. */
  stderr(): string;
  /** Asks the kernel to shut down, kills it if it has not exited after 3 s, and removes the connection files. */
  shutdown(restart?: boolean): Promise<void>;
}

export class KernelStartError extends Error {}

const TSKERNEL_JS = fileURLToPath(new URL("../../kernel/tskernel.js", import.meta.url));
const STDERR_LIMIT = 64 * 1024;
const KILL_AFTER_MS = 3000;

export async function launchKernel(options: LaunchOptions = {}): Promise<LaunchedKernel> {
  const dir = await mkdtemp(join(tmpdir(), "tskernel-"));
  const transport = options.transport ?? "tcp";
  const ports = transport === "tcp" ? await freeTcpPorts(5, "127.0.0.1") : [1, 2, 3, 4, 5];
  const info: ConnectionInfo = {
    transport,
    // For ipc, `ip` is the path prefix of the socket files: <dir>/kernel-1 …
    ip: transport === "tcp" ? "127.0.0.1" : join(dir, "kernel"),
    shell_port: ports[0],
    control_port: ports[1],
    stdin_port: ports[2],
    iopub_port: ports[3],
    hb_port: ports[4],
    key: options.key ?? randomBytes(32).toString("hex"),
    signature_scheme: "hmac-sha256",
    kernel_name: "tskernel",
  };
  const connectionFile = join(dir, "kernel.json");
  await writeFile(connectionFile, JSON.stringify(info, null, 1) + "\n", { mode: 0o600 });

  const argv = (options.kernelArgv ?? [process.execPath, TSKERNEL_JS, "kernel", "-f", "{connection_file}"]).map((a) =>
    a.replaceAll("{connection_file}", connectionFile),
  );
  const child = spawn(argv[0], argv.slice(1), {
    cwd: options.cwd,
    // As the kernelspec starts it; a caller's env may override.
    env: { ...KERNEL_ENV, ...(options.env ?? process.env) },
    stdio: "pipe",
    // A session of its own, as jupyter_client does: Ctrl-C in the terminal must not reach the kernel directly.
    detached: process.platform !== "win32",
  });
  let stderrText = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderrText = (stderrText + chunk).slice(-STDERR_LIMIT);
  });
  // Unread pipes fill up and would block the kernel.
  child.stdout?.resume();
  const stopped = new AbortController();
  let spawnError: Error | undefined;
  child.once("error", (e) => {
    spawnError = e;
    stopped.abort();
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
  void exited.then(() => stopped.abort());
  // Never leave a kernel behind when this process ends without shutting it down.
  const killOnExit = (): void => {
    killHard(child);
  };
  process.once("exit", killOnExit);

  const client = KernelClient.connect(info);
  const cleanUp = async (): Promise<void> => {
    process.off("exit", killOnExit);
    client.close();
    await rm(dir, { recursive: true, force: true });
  };

  let kernelInfo: Message;
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  try {
    kernelInfo = await client.waitForReady({ timeoutMs: startTimeoutMs, signal: stopped.signal });
  } catch {
    killHard(child);
    // The stderr pipe can still hold the kernel's last words when 'exit' fires.
    await Promise.race([once(child, "close"), delay(500)]);
    await cleanUp();
    const why = spawnError
      ? `could not start ${argv[0]}: ${spawnError.message}`
      : child.exitCode !== null || (child.signalCode !== null && child.signalCode !== "SIGKILL")
        ? `the kernel exited (${child.exitCode !== null ? `code ${child.exitCode}` : child.signalCode}) before it answered kernel_info_request`
        : `the kernel did not answer kernel_info_request within ${startTimeoutMs / 1000} s`;
    const tail = stderrText.trim();
    throw new KernelStartError(tail ? `${why}; its stderr ends with:\n${tail}` : why);
  }

  let shuttingDown: Promise<void> | undefined;
  const shutdown = (restart = false): Promise<void> => {
    shuttingDown ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        client.request("control", "shutdown_request", { restart }).catch(() => undefined);
        const killer = setTimeout(() => killHard(child), KILL_AFTER_MS);
        await exited;
        clearTimeout(killer);
      }
      child.stdin?.end();
      await cleanUp();
    })();
    return shuttingDown;
  };

  return { client, info, connectionFile, child, kernelInfo, stderr: () => stderrText, shutdown };
}

/** Kills the kernel and anything it started: with `detached` it leads its own process group. */
function killHard(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    if (process.platform === "win32") child.kill("SIGKILL");
    else process.kill(-child.pid, "SIGKILL");
  } catch {
    child.kill("SIGKILL");
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Ports that were free a moment ago: bound all at once so they differ, then released for the kernel to bind. */
async function freeTcpPorts(count: number, host: string): Promise<number[]> {
  const listening = await Promise.allSettled(
    Array.from(
      { length: count },
      () =>
        new Promise<Server>((resolve, reject) => {
          const server = createServer();
          server.once("error", reject);
          server.listen(0, host, () => resolve(server));
        }),
    ),
  );
  const servers = listening.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  const failed = listening.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw new KernelStartError(`cannot find free ports on ${host}: ${(failed.reason as Error).message}`);
  return ports;
}
