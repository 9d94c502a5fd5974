import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConnectionError, endpoint, parseConnectionInfo, readConnectionFile } from "../../src/protocol/connection.js";

const base = { ip: "127.0.0.1", transport: "tcp", shell_port: 1, control_port: 2, stdin_port: 3, iopub_port: 4, hb_port: 5, key: "k", signature_scheme: "hmac-sha256" };

test("tcp and ipc endpoints as jupyter_client names them", () => {
  assert.equal(endpoint(parseConnectionInfo(base), "shell"), "tcp://127.0.0.1:1");
  assert.equal(endpoint(parseConnectionInfo({ ...base, transport: "ipc", ip: "/tmp/k" }), "hb"), "ipc:///tmp/k-5");
});

test("bad connection info is refused with the field named", () => {
  assert.throws(() => parseConnectionInfo({ ...base, shell_port: "x" }), /shell_port/);
  assert.throws(() => parseConnectionInfo({ ...base, transport: "udp" }), /transport/);
  assert.throws(() => parseConnectionInfo({ ...base, signature_scheme: "hmac-md5" }), /unsupported signature_scheme/);
});

test("an unreadable or invalid file gives a ConnectionError naming the file", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsk-conn-"));
  assert.throws(() => readConnectionFile(join(dir, "missing.json")), (e: unknown) => e instanceof ConnectionError && /missing\.json/.test((e as Error).message));
  writeFileSync(join(dir, "bad.json"), "{");
  assert.throws(() => readConnectionFile(join(dir, "bad.json")), /not valid JSON/);
});
