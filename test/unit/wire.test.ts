import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { childMessage, newSession } from "../../src/protocol/messages.js";
import { DELIMITER, WireCodec, WireError } from "../../src/protocol/wire.js";

const who = newSession("t");

test("encodes the Jupyter frame layout with an HMAC-SHA256 over the four JSON frames", () => {
  const codec = new WireCodec("k");
  const msg = childMessage(undefined, "kernel_info_request", { a: 1 }, who);
  msg.identities = [Buffer.from("id1")];
  const frames = codec.encode(msg);
  assert.equal(frames[0].toString(), "id1");
  assert.ok(frames[1].equals(DELIMITER));
  const expected = createHmac("sha256", "k").update(frames[3]).update(frames[4]).update(frames[5]).update(frames[6]).digest("hex");
  assert.equal(frames[2].toString(), expected);
  assert.deepEqual(JSON.parse(frames[6].toString()), { a: 1 });
});

test("decodes what it encodes, keeping identities and buffers", () => {
  const codec = new WireCodec("k");
  const msg = childMessage(undefined, "x_request", { b: [1, 2] }, who);
  msg.identities = [Buffer.from("a"), Buffer.from("b")];
  msg.buffers = [Buffer.from([1, 2, 3])];
  const d = new WireCodec("k").decode(codec.encode(msg));
  assert.ok(d.ok);
  assert.deepEqual(d.message.content, { b: [1, 2] });
  assert.deepEqual(d.message.identities.map(String), ["a", "b"]);
  assert.deepEqual([...d.message.buffers[0]], [1, 2, 3]);
});

test("verifies the received bytes, not a re-serialisation of them", () => {
  const frames = new WireCodec("k").encode(childMessage(undefined, "x", {}, who));
  // Same JSON value, different bytes: the signature no longer matches.
  frames[frames.length - 1] = Buffer.from("{ }");
  const d = new WireCodec("k").decode(frames);
  assert.deepEqual(d, { ok: false, reason: "bad signature" });
});

test("refuses unsigned, badly signed and replayed messages", () => {
  const server = new WireCodec("k");
  const unsigned = new WireCodec("").encode(childMessage(undefined, "x", {}, who));
  assert.deepEqual(server.decode(unsigned), { ok: false, reason: "unsigned" });
  const forged = new WireCodec("other").encode(childMessage(undefined, "x", {}, who));
  assert.deepEqual(server.decode(forged), { ok: false, reason: "bad signature" });
  const good = new WireCodec("k").encode(childMessage(undefined, "x", {}, who));
  assert.ok(server.decode(good).ok);
  assert.deepEqual(server.decode(good), { ok: false, reason: "replayed" });
});

test("an empty key means unsigned mode", () => {
  const codec = new WireCodec("");
  assert.equal(codec.signing, false);
  const frames = codec.encode(childMessage(undefined, "x", {}, who));
  assert.equal(frames[1].toString(), "");
  assert.ok(codec.decode(frames).ok);
});

test("malformed multipart messages are refused with a reason, never thrown", () => {
  const codec = new WireCodec("");
  const j = (v: unknown) => Buffer.from(JSON.stringify(v));
  assert.deepEqual(codec.decode([Buffer.from("no delimiter")]), { ok: false, reason: "no delimiter" });
  assert.deepEqual(codec.decode([DELIMITER, Buffer.from("")]), { ok: false, reason: "too few frames" });
  assert.deepEqual(codec.decode([DELIMITER, Buffer.from(""), Buffer.from("{"), j({}), j({}), j({})]), { ok: false, reason: "bad json" });
  assert.deepEqual(codec.decode([DELIMITER, Buffer.from(""), j({ msg_type: "x" }), j({}), j({}), j({})]), { ok: false, reason: "bad header" });
  assert.deepEqual(codec.decode([DELIMITER, Buffer.from(""), j({ msg_id: "1", msg_type: "x" }), j({}), j({}), j([])]), { ok: false, reason: "bad header" });
});

test("an unsupported signature scheme is an error that says what to use", () => {
  assert.throws(() => new WireCodec("k", "hmac-md5"), (e: unknown) => e instanceof WireError && /hmac-sha256/.test((e as Error).message));
});
