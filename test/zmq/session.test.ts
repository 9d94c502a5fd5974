// The session's semantics, cell after cell, in the real kernel process over zeromq: the same table
// the in-memory server tests run (test/support/session-sequences.ts).
import "../support/private-state.js";
import { after, before, describe, test } from "node:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchKernel, type LaunchedKernel } from "../../src/client/launch.js";
import { SEQUENCES, checkStep } from "../support/session-sequences.js";

describe("session semantics over zeromq (real kernel process)", () => {
  let kernel: LaunchedKernel;
  // A fresh notebook directory: the repository's own tsconfig.json must not apply to test cells.
  before(async () => (kernel = await launchKernel({ cwd: mkdtempSync(join(tmpdir(), "tsk-notebook-")) })));
  after(() => kernel.shutdown());

  for (const [name, steps] of Object.entries(SEQUENCES)) {
    test(name, async () => {
      for (const step of steps) checkStep(step, await kernel.client.execute(step[0]));
    });
  }
});
