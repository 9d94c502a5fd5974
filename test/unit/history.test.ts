import { test } from "node:test";
import assert from "node:assert/strict";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SearchSelection, SessionHistory, globLiteral, globMatcher } from "../../src/server/history.js";
import { historyFilePath, jupyterDataDir } from "../../src/cli/jupyter-paths.js";
import { codePointToUtf16, utf16ToCodePoint } from "../../src/protocol/codepoints.js";

test("history globs: * and ? match any characters, everything else literally, over the whole input", () => {
  const matches = (glob: string, text: string) => globMatcher(glob)(text);
  assert.ok(matches("a*c", "abbbc"));
  assert.ok(matches("a?c", "abc"));
  assert.ok(!matches("a.c", "abc"));
  assert.ok(matches("f(x)*", "f(x) + 1"));
  assert.ok(matches("for*", "for (;;) {\n}"));
  assert.ok(matches("*", ""));
  assert.ok(matches("**", "x"));
  assert.ok(!matches("a*", "ba"));
  assert.ok(!matches("*a", "ab"));
  assert.ok(matches("a*b*a", "aba"));
  assert.ok(!matches("ab*ba", "aba"), "the two ends may not share characters");
  assert.ok(matches("*x?z*y", "xxyz-xaz.y"));
  assert.ok(!matches("*x?z*y", "xaz"));
  assert.ok(matches("?", "é") && !matches("?", "ab"));
});

test("a glob with several stars over long inputs answers at once (a backtracking regex took minutes)", { timeout: 10_000 }, () => {
  const long = "f(a, b) + ".repeat(20_000);
  const matcher = globMatcher("*(*[*");
  for (let i = 0; i < 20; i++) assert.equal(matcher(long), false);
  assert.equal(matcher(`${long}[0]`), true);
});

test("in memory: tail, range and search with unique and n", async () => {
  const h = new SessionHistory(7);
  ["a = 1", "b = 2", "a = 1", "c = 3"].forEach((code, i) => h.record(i + 1, code));
  assert.deepEqual(await h.query({ kind: "tail", n: 2, output: false }), [[7, 3, "a = 1"], [7, 4, "c = 3"]]);
  assert.deepEqual(await h.query({ kind: "tail", n: 0, output: false }), []);
  const range = { kind: "range", start: 2, stop: 4, output: false } as const;
  assert.deepEqual(await h.query({ ...range, session: 0 }), [[7, 2, "b = 2"], [7, 3, "a = 1"]]);
  assert.deepEqual(await h.query({ ...range, session: 7 }), [[7, 2, "b = 2"], [7, 3, "a = 1"]]);
  assert.deepEqual(await h.query({ ...range, session: 3 }), []);
  assert.deepEqual(await h.query({ ...range, session: -1 }), []);
  assert.deepEqual(await h.query({ kind: "range", session: 0, start: 3, stop: null, output: false }), [[7, 3, "a = 1"], [7, 4, "c = 3"]]);
  assert.deepEqual(await h.query({ kind: "search", pattern: "a*", n: null, unique: true, output: false }), [[7, 3, "a = 1"]]);
  assert.deepEqual(await h.query({ kind: "search", pattern: "?*", n: 1, unique: false, output: false }), [[7, 4, "c = 3"]]);
  h.recordOutput(4, "3");
  assert.deepEqual(await h.query({ kind: "tail", n: 2, output: true }), [[7, 3, ["a = 1", null]], [7, 4, ["c = 3", "3"]]]);
});

test("a search with unique and n keeps the newest n distinct inputs, in the order they were last written", () => {
  const s = new SearchSelection("*", 2, true);
  const inputs = ["x", "y", "x", "z", "y"];
  inputs.forEach((input, i) => s.offer({ session: 1, line: i + 1, input }));
  s.setOutput(1, 5, "Y");
  s.setOutput(1, 2, "stale");
  assert.deepEqual(s.entries(), [
    { session: 1, line: 4, input: "z" },
    { session: 1, line: 5, input: "y", output: "Y" },
  ]);
});

test("the history file lives in the Jupyter data directory of each platform, or where TSKERNEL_HISTORY_FILE says", () => {
  const home = join(tmpdir(), "ada");
  const linux = { env: {}, platform: "linux" as const, home };
  assert.equal(historyFilePath(linux), join(home, ".local", "share", "jupyter", "tskernel", "history", "history.jsonl"));
  assert.equal(jupyterDataDir({ ...linux, env: { XDG_DATA_HOME: "/xdg" } }), "/xdg/jupyter");
  assert.equal(jupyterDataDir({ ...linux, env: { JUPYTER_DATA_DIR: "/jd", XDG_DATA_HOME: "/xdg" } }), "/jd");
  assert.equal(jupyterDataDir({ env: {}, platform: "darwin", home }), join(home, "Library", "Jupyter"));
  assert.equal(
    historyFilePath({ env: { APPDATA: "C:\\Users\\ada\\AppData\\Roaming" }, platform: "win32", home: "C:\\Users\\ada" }),
    "C:\\Users\\ada\\AppData\\Roaming\\jupyter\\tskernel\\history\\history.jsonl",
  );
  assert.equal(historyFilePath({ ...linux, env: { TSKERNEL_HISTORY_FILE: "/tmp/h/x.jsonl", JUPYTER_DATA_DIR: "/jd" } }), "/tmp/h/x.jsonl");
});

test("code points and UTF-16 offsets convert both ways around astral characters", () => {
  const s = "a😀b😀c";
  assert.equal(codePointToUtf16(s, 2), 3);
  assert.equal(codePointToUtf16(s, 5), 7);
  assert.equal(utf16ToCodePoint(s, 3), 2);
  assert.equal(utf16ToCodePoint(s, 7), 5);
  assert.equal(codePointToUtf16(s, 99), s.length);
});

test("a glob's longest plain run is what every stored match contains; quotes and control characters do not count", () => {
  assert.equal(globLiteral("*foo*ba?"), "foo");
  assert.equal(globLiteral('say("hello world")*'), "hello world");
  assert.equal(globLiteral("*"), undefined);
  assert.equal(globLiteral('*"\\*'), undefined);
  assert.equal(globLiteral("a\nbcd*e"), "bcd");
});
