// Shared by the fault tests: a launched kernel whose whole stderr is kept, and readings of its process.
import "../support/private-state.js";
import { readdirSync, readFileSync } from "node:fs";
import { launchKernel, type LaunchedKernel, type LaunchOptions } from "../../src/client/launch.js";
import { IDLE_COMPACT_MS } from "../../src/engine/worker-engine.js";
import type { Message } from "../../src/protocol/messages.js";

export interface WatchedKernel extends LaunchedKernel {
  /** Everything the kernel wrote to stderr since it started (launchKernel keeps only the end). */
  fullStderr(): string;
}

export async function launchWatched(options: LaunchOptions = {}): Promise<WatchedKernel> {
  const kernel = await launchKernel(options);
  // Stderr written before the listener was added is in launchKernel's tail; start from there.
  let text = kernel.stderr();
  kernel.child.stderr?.on("data", (chunk: string) => (text += chunk));
  return { ...kernel, fullStderr: () => text };
}

export const parentId = (msg: Message): string | undefined => (msg.parent_header as { msg_id?: string }).msg_id;

export function resultText(iopub: Message[]): string | undefined {
  const r = iopub.find((m) => m.header.msg_type === "execute_result");
  return (r?.content.data as Record<string, string> | undefined)?.["text/plain"];
}

export function streamText(iopub: Message[], name: "stdout" | "stderr"): string {
  return iopub
    .filter((m) => m.header.msg_type === "stream" && m.content.name === name)
    .map((m) => m.content.text as string)
    .join("");
}

export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/**
 * RSS once the kernel has settled: an idle kernel compacts its heaps (after IDLE_COMPACT_MS), and the
 * memory comes back to the system over the following seconds, later on a busy machine; wait until RSS
 * has not fallen for 3 s.
 */
export async function settledRssMb(pid: number): Promise<number> {
  await new Promise((r) => setTimeout(r, IDLE_COMPACT_MS + 2000));
  const samples = [rssMb(pid)];
  const window = 13;
  while (samples.length < 120) {
    await new Promise((r) => setTimeout(r, 250));
    samples.push(rssMb(pid));
    const recent = samples.slice(-window);
    if (recent.length === window && recent[0] - Math.min(...recent) < 1) break;
  }
  return samples[samples.length - 1];
}

export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

export async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}
