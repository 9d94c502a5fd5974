// Imported first by tests that start real kernels: their cells go to a history file of their own in a
// temporary directory, never into the history of the user who runs the tests.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "tskernel-history-"));
process.env.TSKERNEL_HISTORY_FILE = join(dir, "history.jsonl");
process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
