// The interrupt's write-back against stand-in workers that misbehave: whatever the worker does, the
// write-back ends within its limit and leaves the worker resumed, since a worker left paused in the
// debugger can never be terminated (the kernel would hang on shutdown).
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeBackMirrors, type Inspecting } from "../../src/engine/interrupt-progress.js";
import { CELL_FUNCTION } from "../../src/engine/compile/cell-frame.js";
import type { ProtocolParams } from "../../src/engine/worker-inspector.js";

interface Behaviour {
  /** The call frames of the pause, or undefined for a worker that never pauses. */
  pausedIn?: string[];
  /** Answers to Debugger.evaluateOnCallFrame in order; a missing one is never answered. */
  answers?: ProtocolParams[];
}

function standIn(behaviour: Behaviour): Inspecting & { sent: string[] } {
  const sent: string[] = [];
  const answers = [...(behaviour.answers ?? [])];
  return {
    sent,
    send(method) {
      sent.push(method);
    },
    call(method) {
      sent.push(method);
      const answer = answers.shift();
      return answer ? Promise.resolve(answer) : new Promise(() => {});
    },
    nextEvent(_method, timeoutMs) {
      const frames = behaviour.pausedIn;
      if (!frames) return new Promise((resolve) => setTimeout(() => resolve(undefined), timeoutMs));
      return Promise.resolve({ callFrames: frames.map((functionName, i) => ({ callFrameId: String(i), functionName })) });
    },
  };
}

function assertResumedLast(sent: string[]): void {
  assert.deepEqual(sent.slice(-2), ["Debugger.resume", "Debugger.disable"]);
}

test("a worker that answers the probe and the write-back has its mirrors written", async () => {
  const worker = standIn({
    pausedIn: ["helper", CELL_FUNCTION, "run"],
    answers: [{ result: { value: "acc = box.acc" } }, { result: {} }],
  });
  assert.equal(await writeBackMirrors(worker), "written");
  assertResumedLast(worker.sent);
});

test("a worker that never pauses is left to be terminated, resumed and with its debugger off", async () => {
  const worker = standIn({});
  const started = Date.now();
  assert.equal(await writeBackMirrors(worker, 200), "not paused");
  assert.ok(Date.now() - started < 1000);
  assertResumedLast(worker.sent);
});

test("a worker paused outside any cell writes nothing back", async () => {
  const worker = standIn({ pausedIn: ["setTimeout callback"] });
  assert.equal(await writeBackMirrors(worker), "no cell on the stack");
  assertResumedLast(worker.sent);
});

test("a paused worker that never answers the write-back is resumed once the limit passes", async () => {
  const worker = standIn({ pausedIn: [CELL_FUNCTION], answers: [{ result: { value: "acc = box.acc" } }] });
  const started = Date.now();
  assert.equal(await writeBackMirrors(worker, 300), "too slow");
  const took = Date.now() - started;
  assert.ok(took >= 290 && took < 2000, `took ${took} ms`);
  assertResumedLast(worker.sent);
});

test("a write-back that throws in the worker is reported, and the worker is still resumed", async () => {
  const worker = standIn({
    pausedIn: [CELL_FUNCTION],
    answers: [{ result: { value: "acc = box.acc" } }, { result: {}, exceptionDetails: { text: "ReferenceError" } }],
  });
  await assert.rejects(writeBackMirrors(worker), /the write-back failed: .*ReferenceError/);
  assertResumedLast(worker.sent);
});
