// Processes that user code started: on shutdown they are ended too, so the kernel leaves none behind.
import { readdirSync, readFileSync } from "node:fs";

/** Every live descendant of `pid`, read from /proc (Linux); elsewhere, none are known. */
export function descendants(pid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const e of entries) {
    try {
      const stat = readFileSync(`/proc/${e}/stat`, "utf8");
      // The command name may contain spaces and parentheses: fields resume after the last ")".
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(e));
      children.set(ppid, list);
    } catch {
      // The process ended while we looked.
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

export function killDescendants(pid = process.pid): void {
  for (const child of descendants(pid)) {
    try {
      process.kill(child, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}
