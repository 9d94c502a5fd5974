// The connection file a front end writes for the kernel.
import { readFileSync } from "node:fs";
import { SUPPORTED_SCHEMES } from "./wire.js";

export interface ConnectionInfo {
  transport: "tcp" | "ipc";
  ip: string;
  shell_port: number;
  control_port: number;
  stdin_port: number;
  iopub_port: number;
  hb_port: number;
  key: string;
  signature_scheme: string;
  kernel_name?: string;
}

export type SocketName = "shell" | "control" | "stdin" | "iopub" | "hb";
export const SOCKET_NAMES: readonly SocketName[] = ["shell", "control", "stdin", "iopub", "hb"];

export class ConnectionError extends Error {}

export function readConnectionFile(path: string): ConnectionInfo {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ConnectionError(`cannot read connection file ${path}: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConnectionError(`connection file ${path} is not valid JSON: ${(e as Error).message}`);
  }
  return parseConnectionInfo(raw, path);
}

export function parseConnectionInfo(raw: unknown, source = "connection info"): ConnectionInfo {
  if (typeof raw !== "object" || raw === null) throw new ConnectionError(`${source}: expected a JSON object`);
  const r = raw as Record<string, unknown>;
  const transport = r.transport ?? "tcp";
  if (transport !== "tcp" && transport !== "ipc") {
    throw new ConnectionError(`${source}: transport must be "tcp" or "ipc", not ${JSON.stringify(transport)}`);
  }
  const ip = r.ip ?? "127.0.0.1";
  if (typeof ip !== "string" || ip === "") throw new ConnectionError(`${source}: "ip" must be a non-empty string`);
  const scheme = r.signature_scheme ?? "hmac-sha256";
  if (typeof scheme !== "string" || !SUPPORTED_SCHEMES.includes(scheme)) {
    throw new ConnectionError(
      `${source}: unsupported signature_scheme ${JSON.stringify(scheme)}; tskernel supports ${SUPPORTED_SCHEMES.join(", ")}`,
    );
  }
  const key = r.key ?? "";
  if (typeof key !== "string") throw new ConnectionError(`${source}: "key" must be a string`);
  const ports: Partial<Record<`${SocketName}_port`, number>> = {};
  for (const name of SOCKET_NAMES) {
    const p = r[`${name}_port`];
    if (typeof p !== "number" || !Number.isInteger(p) || p < 0 || p > 65535) {
      throw new ConnectionError(`${source}: "${name}_port" must be an integer port number`);
    }
    ports[`${name}_port`] = p;
  }
  return {
    transport,
    ip,
    key,
    signature_scheme: scheme,
    kernel_name: typeof r.kernel_name === "string" ? r.kernel_name : undefined,
    ...(ports as Record<`${SocketName}_port`, number>),
  };
}

/** The ZeroMQ endpoint of one socket: `tcp://ip:port`, or `ipc://ip-N` as jupyter_client names ipc files. */
export function endpoint(info: ConnectionInfo, name: SocketName): string {
  const port = info[`${name}_port`];
  return info.transport === "tcp" ? `tcp://${info.ip}:${port}` : `ipc://${info.ip}-${port}`;
}
