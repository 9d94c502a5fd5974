// The practice schedule (src/engine/worker/compiler-practice.ts) with a stand-in for the compiler:
// every round's cells in turn, each as a cell and as a module, failures counted and never thrown, one
// report, and nothing more once the user's first cell has come.
import { test } from "node:test";
import assert from "node:assert/strict";
import { asModule, CompilerPractice, PRACTICE_CELLS, PRACTICE_ROUNDS, type Drill } from "../../src/engine/worker/compiler-practice.js";

const total = PRACTICE_CELLS.length * 2 * PRACTICE_ROUNDS;

function practiseAll(practice: CompilerPractice): number {
  let steps = 1;
  while (practice.next()) steps++;
  return steps;
}

test("practises every cell of every round in order, as a cell and then as a module, then reports once", () => {
  const seen: Drill[] = [];
  const logs: string[] = [];
  const practice = new CompilerPractice((drill) => seen.push(drill) > 0, (t) => logs.push(t));
  assert.equal(practiseAll(practice), total);
  const round = PRACTICE_CELLS.flatMap((code) => [{ as: "cell", code }, { as: "module", code: asModule(code) }]);
  assert.deepEqual(seen, Array.from({ length: PRACTICE_ROUNDS }, () => round).flat());
  assert.equal(logs.length, 1);
  assert.match(logs[0], new RegExp(`^compiler practice: ${total} cells and modules checked and compiled while idle in \\d+ ms, 0 failed$`));
  assert.equal(practice.next(), false, "nothing is practised twice");
  practice.stop();
  assert.equal(logs.length, 1, "stopping after the end says nothing");
});

test("a cell with errors or one that throws is counted as failed, and practice goes on", () => {
  const logs: string[] = [];
  let calls = 0;
  const practice = new CompilerPractice(
    () => {
      calls++;
      if (calls === 1) throw new Error("a shadowed builtin");
      return calls !== 2;
    },
    (t) => logs.push(t),
  );
  practiseAll(practice);
  assert.equal(calls, total);
  assert.match(logs[0], /, 2 failed$/);
});

test("the first cell stops practice for good", () => {
  const logs: string[] = [];
  let calls = 0;
  const practice = new CompilerPractice(() => ++calls > 0, (t) => logs.push(t));
  assert.equal(practice.next(), true);
  assert.equal(practice.next(), true);
  practice.stop();
  assert.equal(practice.next(), false);
  assert.equal(calls, 2);
  assert.deepEqual(logs.map((l) => l.replace(/\(\d+ ms\)/, "(N ms)")), [`compiler practice: stopped by the first cell after 2 of ${total} cells and modules (N ms)`]);
  practice.stop();
  assert.equal(logs.length, 1, "it is stopped once");
});

test("a practice cell as a module exports its top-level declarations and nothing nested", () => {
  const cell = "interface P { x: number }\nasync function load(): Promise<P> {\n  const p = { x: 1 };\n  return p;\n}\nabstract class A {}\nconst n = 1;\nlet m = 2;\nn + m";
  assert.equal(
    asModule(cell),
    "export interface P { x: number }\nexport async function load(): Promise<P> {\n  const p = { x: 1 };\n  return p;\n}\nexport abstract class A {}\nexport const n = 1;\nlet m = 2;\nn + m",
  );
});
