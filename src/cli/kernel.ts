// `tskernel kernel -f CONNECTION_FILE`: composes transport, codec, engine and server, and runs until shutdown.
import { parseArgs } from "node:util";
import { ConnectionError, readConnectionFile } from "../protocol/connection.js";
import { WireCodec, WireError } from "../protocol/wire.js";
import { ZmqTransport } from "../transport/zmq.js";
import { KernelServer } from "../server/kernel-server.js";
import { kernelInfoContent } from "../server/kernel-info.js";
import { stderrLogger } from "../server/log.js";
import { killDescendants } from "../server/children.js";
import { WorkerEngine } from "../engine/worker-engine.js";
import { DurableHistory } from "../server/durable-history.js";
import { historyFilePath } from "./jupyter-paths.js";

/** The process must be gone within a second of a shutdown request, whatever user code left running. */
const EXIT_DEADLINE_MS = 800;

/**
 * A kernel whose launcher died (killed without shutting it down) is re-parented: it then exits, as
 * ipykernel's parent poller does, instead of living on, possibly spinning in a cell, with nobody to serve.
 */
function exitWithParent(log: ReturnType<typeof stderrLogger>, exit: () => Promise<void>): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      log.warn(`the kernel's parent process ${parent} has gone: shutting down`);
      void exit();
    }
  }, 1000);
  timer.unref();
}

export async function kernelCommand(argv: string[]): Promise<number> {
  let file: string | undefined;
  try {
    const { values } = parseArgs({ args: argv, options: { "connection-file": { type: "string", short: "f" } } });
    file = values["connection-file"];
  } catch (e) {
    process.stderr.write(`tskernel kernel: ${(e as Error).message}\nUsage: tskernel kernel -f CONNECTION_FILE\n`);
    return 2;
  }
  if (!file) {
    process.stderr.write("tskernel kernel: missing -f CONNECTION_FILE (Jupyter passes it through the kernelspec's {connection_file})\n");
    return 2;
  }
  const log = stderrLogger();
  let info;
  let codec;
  try {
    info = readConnectionFile(file);
    codec = new WireCodec(info.key, info.signature_scheme);
  } catch (e) {
    if (e instanceof ConnectionError || e instanceof WireError) {
      process.stderr.write(`tskernel kernel: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  if (!codec.signing) log.warn("the connection file has an empty key: messages are not signed (unsigned mode)");

  const transport = new ZmqTransport(info);
  const history = new DurableHistory(historyFilePath(), log);
  const engine = new WorkerEngine(log, process.cwd(), { history });
  // A session thread stuck in a native call (a cell reading a pipe nobody writes to) can neither
  // be terminated nor joined, and process.exit would wait for it forever: such a process is killed.
  const end = () => (engine.stopped ? process.exit(0) : process.kill(process.pid, "SIGKILL"));
  const exit = async () => {
    setTimeout(() => process.kill(process.pid, "SIGKILL"), EXIT_DEADLINE_MS).unref();
    killDescendants();
    await Promise.allSettled([transport.close(), engine.close()]);
    end();
  };
  const server = new KernelServer({
    transport,
    codec,
    engine,
    kernelInfo: kernelInfoContent(),
    log,
    history,
    onShutdown: () => void exit(),
  });
  try {
    await server.start();
  } catch (e) {
    process.stderr.write(`tskernel kernel: cannot bind the sockets of ${file}: ${(e as Error).message}\n`);
    await engine.close();
    return 1;
  }
  engine.start();
  process.on("SIGINT", () => engine.interrupt());
  process.on("SIGTERM", () => void exit());
  exitWithParent(log, exit);
  return -1;
}
