// Runs jupyter_kernel_test's protocol conformance suite (tskernel_conformance.py) against the installed kernelspec.
import "../support/private-state.js";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";

// This file runs as dist/test/conformance/conformance.test.js; the Python suite stays in the source tree.
const TSKERNEL = fileURLToPath(new URL("../../kernel/tskernel.js", import.meta.url));
const SUITE_DIR = fileURLToPath(new URL("../../../test/conformance/", import.meta.url));
// Debian's jupyter packages are built for the system interpreter, not for whatever python3 comes first on PATH.
const PYTHON = "/usr/bin/python3";

function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }) {
  return new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, output }));
  });
}

test("jupyter_kernel_test: all 13 conformance tests run and pass (12 of the suite, one of input)", { timeout: 300_000 }, async (t) => {
  const probe = spawnSync(PYTHON, ["-c", "import jupyter_kernel_test"], { encoding: "utf8" });
  assert.equal(
    probe.status,
    0,
    `${PYTHON} cannot import jupyter_kernel_test; install it with ` +
      `"apt-get install python3-jupyter-kernel-test" (see .ci/run)\n${probe.error?.message ?? probe.stderr}`,
  );

  const temp = mkdtempSync(path.join(tmpdir(), "tskernel-conformance-"));
  t.after(() => rmSync(temp, { recursive: true, force: true }));
  const prefix = path.join(temp, "prefix");
  const install = spawnSync(process.execPath, [TSKERNEL, "install", "--prefix", prefix], { encoding: "utf8" });
  assert.equal(install.status, 0, `tskernel install failed: ${install.stderr}`);

  const { code, output } = await run(PYTHON, ["-m", "unittest", "-v", "tskernel_conformance"], {
    cwd: SUITE_DIR,
    env: {
      ...process.env,
      // Only the kernelspec just installed, and connection files in a directory of our own.
      JUPYTER_PATH: path.join(prefix, "share", "jupyter"),
      JUPYTER_DATA_DIR: path.join(temp, "data"),
      JUPYTER_RUNTIME_DIR: path.join(temp, "runtime"),
      // Keep the source tree free of __pycache__.
      PYTHONDONTWRITEBYTECODE: "1",
    },
  });
  assert.equal(code, 0, output);
  assert.match(output, /^Ran 13 tests in /m, output);
  assert.match(output, /^OK$/m, output);
  assert.doesNotMatch(output, /skipped/i, output);
});
