import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DurableHistory } from "../../src/server/durable-history.js";
import { HistoryFile, parseRecord } from "../../src/server/history-file.js";
import { forEachLine, forEachLineBackward } from "../../src/server/file-lines.js";
import type { HistoryRequest } from "../../src/server/history.js";
import type { Logger } from "../../src/server/log.js";

const WRITER = fileURLToPath(new URL("../support/history-writer.js", import.meta.url));

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "tsk-history-test-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (t) => lines.push(t), warn: (t) => lines.push(t), limited: (_k, t) => lines.push(t) };
}

const tail = (n: number, output = false): HistoryRequest => ({ kind: "tail", n, output });
const range = (session: number, start = 0, stop: number | null = null, output = false): HistoryRequest => ({ kind: "range", session, start, stop, output });
const search = (pattern: string, n: number | null = null, unique = false, output = false): HistoryRequest => ({ kind: "search", pattern, n, unique, output });

test("history survives a restart: sessions are numbered 1, 2, ... and queried across them", async (t) => {
  const path = join(tempDir(t), "nested", "dir", "history.jsonl");
  const log = recordingLogger();
  const first = new DurableHistory(path, log);
  first.record(1, "let a = 1");
  first.record(2, "a + 41");
  first.recordOutput(2, "42");
  first.record(3, "a");
  first.recordOutput(3, "1");

  const second = new DurableHistory(path, log);
  second.record(1, "a + 41");
  second.recordOutput(1, "42");
  second.record(2, "'again'");

  assert.deepEqual(await second.query(tail(3)), [[1, 3, "a"], [2, 1, "a + 41"], [2, 2, "'again'"]]);
  assert.deepEqual(await second.query(tail(2, true)), [[2, 1, ["a + 41", "42"]], [2, 2, ["'again'", null]]]);
  assert.deepEqual(await second.query(range(-1, 2, 4, true)), [[1, 2, ["a + 41", "42"]], [1, 3, ["a", "1"]]]);
  assert.deepEqual(await second.query(range(1, 0, 2)), [[1, 1, "let a = 1"]]);
  assert.deepEqual(await second.query(range(0)), [[2, 1, "a + 41"], [2, 2, "'again'"]]);
  assert.deepEqual(await second.query(range(3)), []);
  assert.deepEqual(await second.query(range(-5)), []);
  assert.deepEqual(await second.query(search("a*")), [[1, 2, "a + 41"], [1, 3, "a"], [2, 1, "a + 41"]]);
  assert.deepEqual(await second.query(search("a*", null, true, true)), [[1, 3, ["a", "1"]], [2, 1, ["a + 41", "42"]]]);
  assert.deepEqual(await second.query(search("*", 2)), [[2, 1, "a + 41"], [2, 2, "'again'"]]);
  assert.deepEqual(await first.query(range(0)), [[1, 1, "let a = 1"], [1, 2, "a + 41"], [1, 3, "a"]]);
  // A newer session counts back from each kernel's own number.
  assert.deepEqual(await first.query(range(2, 2, 3)), [[2, 2, "'again'"]]);
  assert.deepEqual(log.lines, []);
});

test("two processes appending thousands of entries at once lose nothing and get distinct sessions", async (t) => {
  const path = join(tempDir(t), "history.jsonl");
  const count = 4000;
  const writers = [0, 1].map(() => spawn(process.execPath, [WRITER, path, String(count)], { stdio: ["pipe", "pipe", "inherit"] }));
  const outputs = writers.map((w) => {
    let text = "";
    w.stdout.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
    return () => text;
  });
  // Release both writers together, once both are up.
  await Promise.all(writers.map((w) => once(w.stdout, "data")));
  for (const w of writers) w.stdin.end("go\n");
  const codes = await Promise.all(writers.map(async (w) => (await once(w, "exit"))[0]));
  assert.deepEqual(codes, [0, 0]);

  const sessions = outputs.map((o) => o().trim().split("\n").at(-1)!.split(" "));
  assert.deepEqual(sessions.map(([n]) => Number(n)).sort(), [1, 2]);

  const reader = new DurableHistory(path, recordingLogger());
  for (const [number, id] of sessions) {
    const rows = (await reader.query(range(Number(number), 0, null, true))) as [number, number, [string, string]][];
    assert.equal(rows.length, count, `session ${number} lost entries`);
    rows.forEach(([session, line, [input, output]], i) => {
      assert.deepEqual([session, line, input, output], [Number(number), i + 1, `cell ${i + 1} of ${id}`, `${i + 1}`]);
    });
  }
  assert.equal((await reader.query(search("cell *"))).length, 2 * count);
  // Every line of the file is a whole record: nothing interleaved.
  const lines = readFileSync(path, "utf8").trimEnd().split("\n");
  assert.equal(lines.length, 2 + 4 * count + 1);
  assert.ok(lines.every((l) => parseRecord(Buffer.from(l)) !== undefined));
});

test("garbage and torn lines are skipped, and the record after a torn write still counts", async (t) => {
  const path = join(tempDir(t), "history.jsonl");
  const id = "0123456789abcdef";
  writeFileSync(
    path,
    [
      `{"t":"session","id":"${id}","time":"2024-01-01T00:00:00.000Z"}`,
      `{"t":"in","id":"${id}","line":1,"input":"kept 1"}`,
      "not json at all",
      `{"t":"in","id":"${id}","line":2,"inp`,
      `{"t":"in","id":"${id}","line":3,"input":"cut`+ `{"t":"in","id":"${id}","line":4,"input":"kept 4"}`,
      `{"t":"in","id":"${id}","line":"five","input":"bad line number"}`,
      `{"t":"in","id":"unknown-session","line":6,"input":"no session"}`,
      "",
      `\u0000\u0000\u0000`,
      `{"t":"out","id":"${id}","line":4,"output":"four"}`,
      // A record still being written has no newline yet: it is not read.
      `{"t":"in","id":"${id}","line":7,"input":"not yet"`,
    ].join("\n"),
  );
  const log = recordingLogger();
  const h = new DurableHistory(path, log);
  h.record(1, "new session");
  const expected = [[1, 1, ["kept 1", null]], [1, 4, ["kept 4", "four"]]];
  assert.deepEqual(await h.query(range(1, 0, null, true)), expected);
  assert.deepEqual(await h.query(search("kept*", null, false, true)), expected);
  // The unfinished line glues itself to this session's start record, which the torn-write rule recovers.
  assert.deepEqual(await h.query(tail(3, true)), [...expected, [2, 1, ["new session", null]]]);
  assert.deepEqual(log.lines, []);
});

test("an unwritable history file is reported once, and history carries on in memory", async (t) => {
  const path = join(tempDir(t), "history.jsonl");
  mkdirSync(path);
  const log = recordingLogger();
  const h = new DurableHistory(path, log);
  h.record(1, "x = 1");
  h.record(2, "x + 1");
  h.recordOutput(2, "2");
  assert.deepEqual(await h.query(tail(5, true)), [[1, 1, ["x = 1", null]], [1, 2, ["x + 1", "2"]]]);
  assert.deepEqual(await h.query(search("x*", 1)), [[1, 2, "x + 1"]]);
  assert.equal(log.lines.length, 1);
  assert.match(log.lines[0], /cannot write the history file .*history\.jsonl.*in memory only.*TSKERNEL_HISTORY_FILE/s);
});

test("a history file that cannot be read back is reported once, and the session's rows come from memory", async (t) => {
  const path = join(tempDir(t), "history.jsonl");
  appendFileSync(path, `{"t":"session","id":"0123456789abcdef","time":"x"}\n{"t":"in","id":"0123456789abcdef","line":1,"input":"older"}\n`);
  const log = recordingLogger();
  const h = new DurableHistory(path, log);
  h.record(1, "mine");
  assert.deepEqual(await h.query(tail(5)), [[1, 1, "older"], [2, 1, "mine"]]);
  // Replaced behind the kernel's back, by a longer file without this session's start record.
  rmSync(path);
  appendFileSync(path, `{"t":"session","id":"fedcba9876543210","time":"x"}\n`.repeat(10));
  h.record(2, "still mine");
  assert.deepEqual(await h.query(tail(5)), [[2, 1, "mine"], [2, 2, "still mine"]]);
  assert.deepEqual(await h.query(range(0, 2)), [[2, 2, "still mine"]]);
  assert.equal(log.lines.length, 1);
  assert.match(log.lines[0], /cannot read the history file .*history\.jsonl: .*no longer holds this kernel's session record/);
});

test("a tail reads back only as far as it needs, also past lines longer than a read chunk", async (t) => {
  const path = join(tempDir(t), "history.jsonl");
  const file = new HistoryFile(path);
  file.start();
  const big = "x".repeat(700_000);
  for (let line = 1; line <= 20_000; line++) file.appendInput(line, line === 19_999 ? big : `cell ${line}`);
  const last = await file.tail(3);
  assert.deepEqual(last.map((e) => [e.line, e.input.length]), [[19_998, 10], [19_999, big.length], [20_000, 10]]);
  assert.deepEqual((await file.range(1, 19_999, 20_000)).map((e) => e.input), [big]);
  assert.deepEqual((await file.tail(20_000)).map((e) => e.line), Array.from({ length: 20_000 }, (_, i) => i + 1));
});

test("lines read forwards and backwards are the same, across chunk boundaries and multi-byte characters", async (t) => {
  const path = join(tempDir(t), "lines.txt");
  const lines = Array.from({ length: 3000 }, (_, i) => `${i} ${"é😀".repeat(i % 97)}${i % 500 === 0 ? "z".repeat(300_000) : ""}`);
  writeFileSync(path, `${lines.join("\n")}\npartial`);
  const fh = await open(path, "r");
  t.after(() => fh.close());
  const { size } = await fh.stat();
  const forward: string[] = [];
  const end = await forEachLine(fh, 0, size, (line) => void forward.push(line.toString("utf8")));
  assert.deepEqual(forward, lines);
  assert.equal(end, size - "partial".length);
  const backward: string[] = [];
  await forEachLineBackward(fh, size, (line) => (backward.push(line.toString("utf8")), false));
  assert.deepEqual(backward.reverse(), lines);
  const firstTwo: string[] = [];
  await forEachLineBackward(fh, size, (line) => firstTwo.push(line.toString("utf8")) >= 2);
  assert.deepEqual(firstTwo, [lines[2999], lines[2998]]);
});

test("searches find inputs with quotes, backslashes, newlines and non-ASCII text in the file", async (t) => {
  const h = new DurableHistory(join(tempDir(t), "history.jsonl"), recordingLogger());
  const inputs = ['console.log("hi")', "'a\\\\b'", "for (;;) {\n  break;\n}", "const café = '😀'", "plain"];
  inputs.forEach((input, i) => h.record(i + 1, input));
  const found = async (pattern: string) => ((await h.query(search(pattern))) as [number, number, string][]).map((r) => r[2]);
  assert.deepEqual(await found('*"hi"*'), [inputs[0]]);
  assert.deepEqual(await found("*\\\\*"), [inputs[1]]);
  assert.deepEqual(await found("for*\n}"), [inputs[2]]);
  assert.deepEqual(await found("*café*😀*"), [inputs[3]]);
  assert.deepEqual(await found("pla?n"), [inputs[4]]);
  assert.deepEqual(await found("*l*"), [inputs[0], inputs[4]]);
  // "in" is in every stored line (its "input" key): only the inputs themselves decide.
  assert.deepEqual(await found("*in*"), [inputs[4]]);
});
