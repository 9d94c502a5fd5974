// The cells of the soak test (and of the soak figure in `npm run bench`): the common kinds of cell, in
// a fixed cycle, each with what it must give.
import assert from "node:assert/strict";
import type { ExecuteResult } from "../../src/client/kernel-client.js";
import { resultText, streamText } from "./support.js";

/** Cell i of the soak and what it must give. Texts repeat every 100 cells, as re-run cells do. */
export function soakCell(i: number): { code: string; check(r: ExecuteResult): void } {
  const j = i % 100;
  const ok = (r: ExecuteResult) => assert.equal(r.reply.content.status, "ok", `cell ${i}`);
  const result = (text: string) => (r: ExecuteResult) => assert.equal(resultText(r.iopub), text, `cell ${i}`);
  const error = (ename: string) => (r: ExecuteResult) => assert.equal(r.reply.content.ename, ename, `cell ${i}`);
  switch (i % 10) {
    case 0: return { code: `${j} * 2`, check: result(String(j * 2)) };
    case 1: return { code: `let v${j} = ${j};`, check: ok };
    case 2: return { code: `console.log("line ${j}"); setTimeout(() => {}, 1);`, check: (r) => assert.equal(streamText(r.iopub, "stdout"), `line ${j}\n`) };
    case 3: return { code: `throw new Error("e${j}")`, check: error("Error") };
    case 4: return { code: `const bad${j}: number = "s";`, check: error("TypeCheckError") };
    case 5: return { code: `function f${j}(x: number) { return x + ${j}; }`, check: ok };
    case 6: return { code: `f${(i - 1) % 100}(1);`, check: ok };
    case 7: return { code: `({ a: ${j}, b: [1, 2, 3] });`, check: ok };
    case 8: return { code: `await new Promise((r) => setTimeout(r, 0)); ${j};`, check: ok };
    default: return { code: `v${(i - 8) % 100} + 1`, check: result(String(((i - 8) % 100) + 1)) };
  }
}
