// Runs the real `tskernel install` / `uninstall` commands as child processes against temporary directories.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

// This file runs as dist/test/unit/install.test.js.
const TSKERNEL = fileURLToPath(new URL("../../kernel/tskernel.js", import.meta.url));

function tskernel(args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(process.execPath, [TSKERNEL, ...args], { encoding: "utf8", env: { ...process.env, ...env } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "tskernel-install-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function kernelDir(prefix: string, name = "tskernel"): string {
  return path.join(prefix, "share", "jupyter", "kernels", name);
}

/** Width and height from a PNG's IHDR chunk, after checking the signature. */
function pngSize(file: string): { width: number; height: number } {
  const bytes = readFileSync(file);
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${file} is not a PNG`);
  assert.equal(bytes.toString("latin1", 12, 16), "IHDR");
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

test("install --prefix writes kernel.json and the logos", (t) => {
  const prefix = tempDir(t);
  const { code, stdout, stderr } = tskernel(["install", "--prefix", prefix]);
  assert.equal(code, 0, stderr);
  const dir = kernelDir(prefix);
  assert.equal(stdout, `Installed kernelspec tskernel in ${dir}\n`);

  const text = readFileSync(path.join(dir, "kernel.json"), "utf8");
  assert.ok(text.endsWith("}\n"), "kernel.json ends with a newline");
  const spec = JSON.parse(text);
  assert.ok(path.isAbsolute(spec.argv[0]) && existsSync(spec.argv[0]), `node at ${spec.argv[0]}`);
  assert.ok(path.isAbsolute(spec.argv[1]) && existsSync(spec.argv[1]), `tskernel.js at ${spec.argv[1]}`);
  assert.equal(spec.argv[1], TSKERNEL);
  assert.deepEqual(spec.argv.slice(2), ["kernel", "-f", "{connection_file}"]);
  assert.equal(spec.display_name, "TypeScript (tskernel)");
  assert.equal(spec.language, "typescript");
  assert.equal(spec.interrupt_mode, "message");
  assert.deepEqual(spec.metadata, { debugger: false });

  assert.deepEqual(pngSize(path.join(dir, "logo-32x32.png")), { width: 32, height: 32 });
  assert.deepEqual(pngSize(path.join(dir, "logo-64x64.png")), { width: 64, height: 64 });
  assert.match(readFileSync(path.join(dir, "logo-svg.svg"), "utf8"), /<svg[\s>]/);
  assert.deepEqual(readdirSync(dir).sort(), ["kernel.json", "logo-32x32.png", "logo-64x64.png", "logo-svg.svg"]);

  // Running it again replaces the spec in place.
  const again = tskernel(["install", "--prefix", prefix]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout, `Replacing kernelspec tskernel in ${dir}\n`);
});

test("--name and --display-name choose the directory and the menu label", (t) => {
  const prefix = tempDir(t);
  const { code, stdout, stderr } = tskernel(["install", "--prefix", prefix, "--name", "ts-dev_2.0", "--display-name=TS dev"]);
  assert.equal(code, 0, stderr);
  const dir = kernelDir(prefix, "ts-dev_2.0");
  assert.equal(stdout, `Installed kernelspec ts-dev_2.0 in ${dir}\n`);
  assert.equal(JSON.parse(readFileSync(path.join(dir, "kernel.json"), "utf8")).display_name, "TS dev");
});

test("bad names and bad arguments are usage errors (exit 2) and write nothing", (t) => {
  const prefix = tempDir(t);
  const cases: Array<[string[], RegExp]> = [
    [["--name", "../escape"], /invalid kernel name "\.\.\/escape"/],
    [["--name", ".."], /invalid kernel name/],
    [["--name", "a/b"], /invalid kernel name/],
    [["--name", "has space"], /invalid kernel name/],
    [["--name="], /invalid kernel name ""/],
    [["--name"], /--name needs a value/],
    [["--bogus"], /unknown option --bogus/],
    [["--user", "--sys-prefix"], /--user, --sys-prefix and --prefix cannot be combined/],
    [["extra"], /unexpected argument "extra"/],
  ];
  for (const [args, message] of cases) {
    const { code, stdout, stderr } = tskernel(["install", "--prefix", prefix, ...args]);
    assert.equal(code, 2, `${args.join(" ")}: ${stderr}`);
    assert.equal(stdout, "");
    assert.match(stderr, message);
    assert.match(stderr, /Usage: tskernel install/);
  }
  const two = tskernel(["install", "--sys-prefix", "--user"]);
  assert.equal(two.code, 2);
  assert.match(two.stderr, /--user and --sys-prefix cannot be combined; choose one location/);
  assert.deepEqual(readdirSync(prefix), [], "nothing was written");
});

test("--user (and no location flag) honour JUPYTER_DATA_DIR", (t) => {
  const dataDir = tempDir(t);
  const env = { JUPYTER_DATA_DIR: dataDir };
  const dir = path.join(dataDir, "kernels", "tskernel");
  const user = tskernel(["install", "--user"], env);
  assert.equal(user.code, 0, user.stderr);
  assert.equal(user.stdout, `Installed kernelspec tskernel in ${dir}\n`);
  assert.ok(existsSync(path.join(dir, "kernel.json")));

  const byDefault = tskernel(["uninstall"], env);
  assert.equal(byDefault.code, 0, byDefault.stderr);
  assert.equal(byDefault.stdout, `Removed kernelspec tskernel from ${dir}\n`);
});

test("--sys-prefix uses VIRTUAL_ENV", (t) => {
  const venv = tempDir(t);
  const { code, stderr } = tskernel(["install", "--sys-prefix"], { VIRTUAL_ENV: venv, CONDA_PREFIX: "" });
  assert.equal(code, 0, stderr);
  assert.ok(existsSync(path.join(kernelDir(venv), "kernel.json")));
});

test("uninstall removes the spec; a second uninstall exits 1", (t) => {
  const prefix = tempDir(t);
  assert.equal(tskernel(["install", "--prefix", prefix, "--name", "gone"]).code, 0);
  const dir = kernelDir(prefix, "gone");

  const first = tskernel(["uninstall", "--prefix", prefix, "--name", "gone"]);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout, `Removed kernelspec gone from ${dir}\n`);
  assert.ok(!existsSync(dir));

  const second = tskernel(["uninstall", "--prefix", prefix, "--name", "gone"]);
  assert.equal(second.code, 1);
  assert.equal(second.stdout, "");
  assert.match(second.stderr, /no kernelspec gone in /);
});

test("--help prints usage and exits 0", () => {
  for (const command of ["install", "uninstall"]) {
    for (const flag of ["--help", "-h"]) {
      const { code, stdout, stderr } = tskernel([command, flag]);
      assert.equal(code, 0, stderr);
      assert.match(stdout, new RegExp(`^Usage: tskernel ${command} \\[--user \\| --sys-prefix \\| --prefix DIR\\]`));
      assert.match(stdout, /VIRTUAL_ENV/);
    }
  }
});

test("jupyter kernelspec list finds the installed kernel", (t) => {
  const jupyter = spawnSync("jupyter", ["--version"], { encoding: "utf8" });
  assert.ok(!jupyter.error && jupyter.status === 0, "jupyter is not on PATH: run `apt-get install jupyter-client` to run this test");

  const prefix = tempDir(t);
  assert.equal(tskernel(["install", "--prefix", prefix, "--name", "tskernel-listed"]).code, 0);
  const listed = spawnSync("jupyter", ["kernelspec", "list", "--json"], {
    encoding: "utf8",
    env: { ...process.env, JUPYTER_PATH: path.join(prefix, "share", "jupyter") },
  });
  assert.equal(listed.status, 0, listed.stderr);
  const specs = JSON.parse(listed.stdout).kernelspecs;
  const ours = specs["tskernel-listed"];
  assert.ok(ours, `not listed; found ${Object.keys(specs).join(", ")}`);
  assert.equal(ours.resource_dir, kernelDir(prefix, "tskernel-listed"));
  assert.equal(ours.spec.language, "typescript");
  assert.equal(ours.spec.display_name, "TypeScript (tskernel)");
});
