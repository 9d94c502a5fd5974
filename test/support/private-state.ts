// Imported first by tests that start kernels: their cells go to a history file of their own, and the
// modules they compile to a module cache of their own, in a temporary directory, never into the
// history or the cache of the user who runs the tests.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "tskernel-state-"));
process.env.TSKERNEL_HISTORY_FILE = join(dir, "history.jsonl");
process.env.TSKERNEL_CACHE_DIR = join(dir, "cache");
process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
