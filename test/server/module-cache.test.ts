// The cache of compiled modules across sessions, through the real engine: a kernel started after
// another compiled a module takes it from the cache (%modules says so) and runs it as compiled, with
// errors still placed in the module's own lines; a change to the module or to anything it imports is
// checked again.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryKernel, resultText, silentLogger, streamText, type Exchange } from "../support/memory-kernel.js";
import { WorkerEngine } from "../../src/engine/worker-engine.js";

const dir = mkdtempSync(join(tmpdir(), "tsk-module-cache-"));
const write = (name: string, text: string) => writeFileSync(join(dir, name), text);

function ok(ex: Exchange): Exchange {
  assert.equal(ex.reply.content.status, "ok", `${String(ex.reply.content.ename)}: ${String(ex.reply.content.evalue)}`);
  return ex;
}

/** A session of its own on the notebook directory, as a restarted kernel is. */
async function session<T>(use: (run: (code: string) => Promise<Exchange>) => Promise<T>): Promise<T> {
  const k = new MemoryKernel(new WorkerEngine(silentLogger(), dir));
  await k.start();
  try {
    return await use((code) => k.execute(code));
  } finally {
    await k.close();
  }
}

/** The compiled column of the module's %modules row. */
async function compiledColumn(run: (code: string) => Promise<Exchange>, name: string): Promise<string | undefined> {
  const listing = streamText(ok(await run(`%modules ${name}`)));
  return new RegExp(`^\\./${name} +local ts .* (now|cache) +(no|yes)$`, "m").exec(listing)?.[1];
}

describe("the module cache across sessions (in-memory transport, real engine)", () => {
  write("rates.ts", "export const rate = 2;\n");
  write(
    "pricing.ts",
    "import { rate } from './rates';\n\nexport function price(n: number): number {\n  if (n < 0) throw new RangeError(`no negative prices: ${n}`);\n  return n * rate;\n}\nconsole.log('pricing ran');\n",
  );

  test("a restarted kernel takes an unchanged module from the cache, runs it, and places its errors in its lines", async () => {
    await session(async (run) => {
      const first = ok(await run("import { price } from './pricing'; price(3)"));
      assert.equal(resultText(first), "6");
      assert.equal(await compiledColumn(run, "pricing"), "now");
    });
    await session(async (run) => {
      const again = ok(await run("import { price } from './pricing'; price(4)"));
      assert.equal(resultText(again), "8");
      assert.equal(streamText(again), "pricing ran\n", "a cached module's code still runs once in each session");
      assert.equal(await compiledColumn(run, "pricing"), "cache");
      assert.equal(await compiledColumn(run, "rates"), "cache");
      const thrown = await run("price(-1)");
      assert.equal(thrown.reply.content.ename, "RangeError");
      assert.match((thrown.reply.content.traceback as string[]).join("\n"), /pricing\.ts, line 4\b/);
      const typed = await run("const s: string = price(1)");
      assert.equal(typed.reply.content.ename, "TypeCheckError", "the cell is still checked against the module's types");
    });
  });

  test("a change in what a module imports makes it checked again: the type error is found, not a stale compile", async () => {
    write("rates.ts", "export const rate = 'two';\n");
    await session(async (run) => {
      const broken = await run("import { price } from './pricing'");
      assert.equal(broken.reply.content.ename, "TypeCheckError");
      assert.match(broken.reply.content.evalue as string, /pricing\.ts, line 5, column 14, TS2363/);
    });
    write("rates.ts", "export const rate = 2;\n");
    await session(async (run) => {
      ok(await run("import { price } from './pricing'"));
      assert.equal(await compiledColumn(run, "pricing"), "cache", "back to the text a session compiled: the cache has it");
      write("pricing.ts", "import { rate } from './rates';\nexport const price = (n: number): number => n * rate * 10;\n");
      ok(await run("%reload ./pricing"));
      assert.equal(resultText(ok(await run("price(1)"))), "20");
      assert.equal(await compiledColumn(run, "pricing"), "now");
    });
  });
});
