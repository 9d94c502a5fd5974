// 10,000 cells of every common kind against one kernel: every reply and output arrives, no file
// descriptor, thread or handle leaks, and settled memory within 50 MB of what it was after 100 cells.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { launchWatched, openFds, resultText, settledRssMb, type WatchedKernel } from "./support.js";
import { soakCell } from "./soak-cells.js";

const CELLS = 10_000;
const WARM_UP = 100;
/**
 * Settled RSS after the run may exceed the reading after the first cells by at most this. Measured here:
 * about +34 MB; before idle heaps were compacted and malloc arenas limited, about +380 MB.
 */
const RSS_GROWTH_LIMIT_MB = 50;

describe("soak", () => {
  let kernel: WatchedKernel;
  before(async () => {
    kernel = await launchWatched();
  });
  after(() => kernel.shutdown());

  /** Threads of the kernel process (a leaked session worker would add some). */
  const threads = () => readdirSync(`/proc/${kernel.child.pid}/task`).length;
  /** Handles and requests the session's event loop holds, asked without touching the history. */
  const sessionHandles = async () => {
    const r = await kernel.client.execute("(process as any)._getActiveHandles().length + (process as any)._getActiveRequests().length", { store_history: false });
    return Number(resultText(r.iopub));
  };
  const reading = async () => ({ rss: await settledRssMb(kernel.child.pid!), fds: openFds(kernel.child.pid!), threads: threads(), handles: await sessionHandles() });

  test(`${CELLS} cells: every reply arrives, and memory, fds, threads and handles stay flat`, async (t) => {
    const readings = new Map<number, Awaited<ReturnType<typeof reading>>>();
    const t0 = Date.now();
    for (let i = 0; i < CELLS; i++) {
      const cell = soakCell(i);
      cell.check(await kernel.client.execute(cell.code, { timeoutMs: 60_000 }));
      if (i + 1 === WARM_UP || i + 1 === CELLS / 2 || i + 1 === CELLS) readings.set(i + 1, await reading());
    }
    const [start, , end] = [...readings.values()];
    const shown = [...readings].map(([n, r]) => `${n}: RSS ${r.rss.toFixed(0)} MB, ${r.fds} fds, ${r.threads} threads, ${r.handles} handles`);
    t.diagnostic(`${CELLS} cells in ${((Date.now() - t0) / 1000).toFixed(0)} s; after ${shown.join("; after ")}`);
    assert.equal(end.fds, start.fds, "no file descriptor leaks");
    assert.equal(end.threads, start.threads, "no thread leaks");
    assert.equal(end.handles, start.handles, "no handle leaks in the session");
    assert.ok(end.rss - start.rss <= RSS_GROWTH_LIMIT_MB, `RSS grew by ${(end.rss - start.rss).toFixed(0)} MB`);
  });
});
