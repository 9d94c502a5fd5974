// A Jupyter installation of our own for front-end tests: tskernel's kernelspec in a temporary prefix and
// empty Jupyter config, data and runtime directories, so nothing from the user's machine is read or written.
import "./private-state.js";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

// These helpers run as dist/test/support/*.js.
export const TSKERNEL = fileURLToPath(new URL("../../kernel/tskernel.js", import.meta.url));
export const EXAMPLES = fileURLToPath(new URL("../../../examples/", import.meta.url));
export const ARTIFACTS = fileURLToPath(new URL("../../../test-artifacts/", import.meta.url));
/** Debian's Python, which the Jupyter packages installed by .ci/run belong to. */
export const PYTHON = "/usr/bin/python3";

/** Every notebook in examples/, so a new example is tested as soon as it lands. */
export function exampleNotebooks(): string[] {
  return readdirSync(EXAMPLES)
    .filter((name) => name.endsWith(".ipynb"))
    .sort();
}

export interface PrivateJupyter {
  /** A temporary directory holding everything below; removed by `remove()`. */
  dir: string;
  /** The environment for a Jupyter process: JUPYTER_PATH finds only our kernelspec. */
  env: NodeJS.ProcessEnv;
  remove(): void;
}

export function privateJupyter(label: string): PrivateJupyter {
  const dir = mkdtempSync(path.join(tmpdir(), `tskernel-${label}-`));
  const prefix = path.join(dir, "prefix");
  const install = spawnSync(process.execPath, [TSKERNEL, "install", "--prefix", prefix], { encoding: "utf8" });
  assert.equal(install.status, 0, `tskernel install --prefix failed: ${install.stderr}`);
  const sub = (name: string) => {
    const made = path.join(dir, name);
    mkdirSync(made);
    return made;
  };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    JUPYTER_PATH: path.join(prefix, "share", "jupyter"),
    JUPYTER_RUNTIME_DIR: sub("runtime"),
    JUPYTER_CONFIG_DIR: sub("config"),
    JUPYTER_DATA_DIR: sub("data"),
    // IPython (loaded by Notebook and console) keeps its own directory; keep it out of the user's home too.
    IPYTHONDIR: sub("ipython"),
  };
  return { dir, env, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
