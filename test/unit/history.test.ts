import { test } from "node:test";
import assert from "node:assert/strict";
import { SessionHistory, globToRegExp } from "../../src/server/history.js";
import { codePointToUtf16, utf16ToCodePoint } from "../../src/protocol/codepoints.js";

test("history globs: * and ? match any characters, everything else literally", () => {
  assert.ok(globToRegExp("a*c").test("abbbc"));
  assert.ok(globToRegExp("a?c").test("abc"));
  assert.ok(!globToRegExp("a.c").test("abc"));
  assert.ok(globToRegExp("f(x)*").test("f(x) + 1"));
});

test("tail, range and search with unique and n", () => {
  const h = new SessionHistory(7);
  ["a = 1", "b = 2", "a = 1", "c = 3"].forEach((code, i) => h.record(i + 1, code));
  assert.deepEqual(h.query({ hist_access_type: "tail", n: 2 }), [[7, 3, "a = 1"], [7, 4, "c = 3"]]);
  assert.deepEqual(h.query({ hist_access_type: "range", session: 0, start: 2, stop: 4 }), [[7, 2, "b = 2"], [7, 3, "a = 1"]]);
  assert.deepEqual(h.query({ hist_access_type: "range", session: 3, start: 1, stop: 4 }), []);
  assert.deepEqual(h.query({ hist_access_type: "search", pattern: "a*", unique: true }), [[7, 3, "a = 1"]]);
  assert.deepEqual(h.query({ hist_access_type: "search", pattern: "?*", n: 1 }), [[7, 4, "c = 3"]]);
  h.recordOutput(4, "3");
  assert.deepEqual(h.query({ hist_access_type: "tail", n: 1, output: true }), [[7, 4, ["c = 3", "3"]]]);
});

test("code points and UTF-16 offsets convert both ways around astral characters", () => {
  const s = "a😀b😀c";
  assert.equal(codePointToUtf16(s, 2), 3);
  assert.equal(codePointToUtf16(s, 5), 7);
  assert.equal(utf16ToCodePoint(s, 3), 2);
  assert.equal(utf16ToCodePoint(s, 7), 5);
  assert.equal(codePointToUtf16(s, 99), s.length);
});
