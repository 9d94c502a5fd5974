// An interrupted cell keeps the values its top-level variables reached (the write-back from its paused
// frame, see src/engine/interrupt-progress.ts), over the in-memory transport with the real engine worker.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryKernel, resultText, type Exchange } from "../support/memory-kernel.js";
import { WorkerEngine } from "../../src/engine/worker-engine.js";

describe("an interrupted cell keeps its progress", () => {
  /** The engine's warnings: one says when an interrupt could not keep a loop's progress. */
  const warnings: string[] = [];
  const notebookDir = mkdtempSync(join(tmpdir(), "tsk-notebook-"));
  const engine = new WorkerEngine({ info() {}, warn: (t) => warnings.push(t), limited() {} }, notebookDir);
  const k = new MemoryKernel(engine);
  before(() => k.start());
  after(() => k.close());

  /** Runs `code`, which prints once before it loops forever, and interrupts it while it loops. */
  async function interrupted(code: string): Promise<Exchange> {
    const req = k.request("shell", "execute_request", { code });
    // Interrupt once the loop runs, not while the cell is still being compiled.
    await k.waitFor(() => k.outputsOf(req).some((s) => s.msg.header.msg_type === "stream"));
    await new Promise((r) => setTimeout(r, 30));
    await k.call("control", "interrupt_request", {});
    const ex = await k.settle(req);
    assert.equal(ex.reply.content.ename, "KeyboardInterrupt", `${code}: ${JSON.stringify(ex.reply.content)}`);
    assert.deepEqual(warnings, [], "the write-back did not fail");
    return ex;
  }

  async function value(code: string): Promise<string | undefined> {
    const ex = await k.execute(code);
    assert.equal(ex.reply.content.status, "ok", `${code}: ${JSON.stringify(ex.reply.content)}`);
    return resultText(ex);
  }

  test("a `let` accumulated by a top-level loop keeps the value it reached, with its type", async () => {
    await interrupted("let acc = 0;\nconsole.log('looping');\nfor (let i = 0; i < 1e12; i++) acc += i;");
    assert.ok(Number(await value("acc")) > 0);
    const typed = await k.execute("const asText: string = acc;");
    assert.equal(typed.reply.content.ename, "TypeCheckError");
    assert.match(String(typed.reply.content.evalue), /Type 'number' is not assignable to type 'string'/);
  });

  test("an interrupt stops a module's slow top-level code in place, by import or require; fixed, it loads again", async () => {
    const spinning = "console.log('module running');\nlet spins = 0;\nwhile (true) spins++;\nexport const ready = spins;\n";
    writeFileSync(join(notebookDir, "slow-import.ts"), spinning);
    writeFileSync(join(notebookDir, "slow-require.ts"), spinning);
    await value("const beforeModules = 'kept'");
    await interrupted("import { ready } from './slow-import';");
    await interrupted("const viaRequire = require('./slow-require');");
    assert.equal(await value("beforeModules"), "'kept'", "the session was not restarted");
    writeFileSync(join(notebookDir, "slow-import.ts"), "export const ready = 'imported now';\n");
    writeFileSync(join(notebookDir, "slow-require.ts"), "export const ready = 'required now';\n");
    assert.equal(await value("import { ready } from './slow-import'; ready"), "'imported now'");
    assert.equal(await value("require('./slow-require').ready"), "'required now'");
  });

  test("variables written together are kept as of one moment", async () => {
    await interrupted("let ones = 0, twos = 0;\nconsole.log('looping');\nfor (;;) { ones += 1; twos += 2; }");
    // The pause may fall between the two statements of an iteration: then `twos` is one step behind.
    assert.equal(await value("ones > 0 && (twos === 2 * ones || twos === 2 * ones - 2)"), "true");
  });

  test("a `var` counter, a reassigned object and a mutated array keep their progress", async () => {
    await interrupted(
      "var steps = 0;\nlet latest = { step: 0 };\nconst recent: number[] = [];\nconsole.log('looping');\n" +
        "while (true) { steps++; latest = { step: steps }; recent[steps % 3] = steps; }",
    );
    // Each is as the loop left it, wherever in an iteration the pause fell.
    assert.equal(await value("steps > 0 && steps - latest.step <= 1 && (recent.includes(steps) || recent.includes(steps - 1))"), "true");
  });

  test("a `const` after the loop stays undeclared; the names before it keep their progress", async () => {
    await interrupted("let before = 0;\nconsole.log('looping');\nwhile (before >= 0) before++;\nconst later = before;");
    assert.ok(Number(await value("before")) > 0);
    const after = await k.execute("later");
    assert.equal(after.reply.content.status, "error");
    assert.match(String(after.reply.content.evalue), /later/);
  });

  test("interrupted inside a function from an earlier cell, the cell's own variables keep their progress", async () => {
    await value("function spin(limit: number) { let x = 0; for (let i = 0; i < limit; i++) x += i; return x; }");
    await interrupted("let calls = 0;\nfor (; calls < 3; calls++) spin(10);\nconsole.log('looping');\nspin(Infinity);");
    assert.equal(await value("calls"), "3");
  });

  test("the synchronous part of an async cell keeps its progress too", async () => {
    await interrupted("let ticks = 0;\nconsole.log('looping');\nwhile (ticks >= 0) ticks++;\nawait null;");
    assert.ok(Number(await value("ticks")) > 0);
  });

  test("a cell interrupted 20 times in a row keeps working", async () => {
    await value("let rounds = 0;");
    for (let i = 0; i < 20; i++) await interrupted("rounds++;\nlet spins = 0;\nconsole.log('looping');\nwhile (true) spins++;");
    assert.equal(await value("[rounds, spins > 0]"), "[ 20, true ]");
    assert.equal(await value("rounds * 2"), "40");
  });

  test("an interrupted cell's top-level using resources are disposed, in a loop and at a pending await", async () => {
    assert.equal(await value("const released: string[] = []; released.length"), "0");
    await interrupted("using inLoop = { [Symbol.dispose]() { released.push('loop') } };\nconsole.log('looping');\nwhile (true) {}");
    assert.equal(await value("released.join()"), "'loop'");
    await interrupted("await using atAwait = { async [Symbol.asyncDispose]() { released.push('await') } };\nconsole.log('waiting');\nawait new Promise(() => {});");
    assert.equal(await value("released.join()"), "'loop,await'");
    const req = k.request("shell", "execute_request", { code: "using failing = { [Symbol.dispose]() { throw new Error('cannot release') } };\nconsole.log('looping');\nwhile (true) {}" });
    await k.waitFor(() => k.outputsOf(req).some((s) => s.msg.header.msg_type === "stream"));
    await k.call("control", "interrupt_request", {});
    const stderr = () => k.outputsOf(req).filter((s) => s.msg.header.msg_type === "stream" && s.msg.content.name === "stderr").map((s) => s.msg.content.text as string).join("");
    await k.waitFor(() => stderr().includes("cannot release"));
    assert.match(stderr(), /^Disposing a resource after the interrupt failed: Error: cannot release\n\s+at \[?.*Cell In\[\d+\], line 1/);
  });
});
