// A directory and its missing parents, made one level at a time. Node.js 20's own
// `mkdirSync(dir, { recursive: true })` never returns when mkdir fails with ENOENT under a parent
// that exists (as it does in procfs: /proc/x/y): it makes the parent again and again, and a kernel
// thread stuck in that native loop cannot even be interrupted.
import { existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";

/** Makes `dir` and the directories above it that are missing; throws (ENOENT, EACCES...) where one cannot be made. */
export function makeDirectories(dir: string, mode?: number): void {
  const missing: string[] = [];
  for (let d = dir; !existsSync(d) && dirname(d) !== d; d = dirname(d)) missing.push(d);
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d, mode === undefined ? {} : { mode });
    } catch (error) {
      // Made meanwhile by another process: as good.
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
}
