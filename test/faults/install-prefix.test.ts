// `tskernel install --prefix` writes only inside the prefix, even where symlinks were planted in the
// kernelspec directory to point elsewhere.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const TSKERNEL = fileURLToPath(new URL("../../kernel/tskernel.js", import.meta.url));

test("install --prefix replaces symlinks in the spec directory instead of writing through them", (t) => {
  const root = mkdtempSync(join(tmpdir(), "tsk-prefix-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const outside = join(root, "outside");
  const prefix = join(root, "prefix");
  const spec = join(prefix, "share", "jupyter", "kernels", "tskernel");
  mkdirSync(outside);
  mkdirSync(spec, { recursive: true });
  writeFileSync(join(outside, "precious.txt"), "precious\n");
  symlinkSync(join(outside, "precious.txt"), join(spec, "kernel.json"));
  symlinkSync(join(outside, "new-file.png"), join(spec, "logo-32x32.png"));

  const r = spawnSync(process.execPath, [TSKERNEL, "install", "--prefix", prefix], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(join(outside, "precious.txt"), "utf8"), "precious\n", "the symlink's target is untouched");
  assert.equal(existsSync(join(outside, "new-file.png")), false, "nothing was created outside the prefix");
  for (const name of ["kernel.json", "logo-32x32.png"]) {
    assert.ok(lstatSync(join(spec, name)).isFile(), `${name} is now a regular file in the spec directory`);
  }
  assert.equal(JSON.parse(readFileSync(join(spec, "kernel.json"), "utf8")).language, "typescript");
});
