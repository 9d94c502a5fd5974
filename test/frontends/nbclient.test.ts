// Headless execution: `jupyter nbconvert --execute` (nbclient) runs every example notebook with tskernel,
// and shows the same outputs as `tskernel run`, our own runner, does.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, readFileSync } from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import { EXAMPLES, PYTHON, TSKERNEL, exampleNotebooks, privateJupyter } from "../support/private-jupyter.js";

interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}
interface Cell {
  cell_type: string;
  source: string | string[];
  metadata: { tags?: string[] };
  outputs?: Output[];
  execution_count?: number | null;
}

/**
 * Values that differ from one run to the next by design; everything else must match exactly.
 * Each names what varies, so a new difference fails the test instead of being hidden.
 */
const VOLATILE: { what: string; pattern: RegExp; replacement: string }[] = [
  {
    what: "the mkdtemp directory scopes.ipynb writes a module into (shown by %whos)",
    pattern: /scopes-[A-Za-z0-9]{6}/g,
    replacement: "scopes-XXXXXX",
  },
  {
    what: "when each module was loaded, how long it took, and whether the module cache had it (the loaded, load ms and compiled columns of %modules)",
    pattern: /\b\d{2}:\d{2}:\d{2} +\d+(\.\d+)? +(now|cache|-) +/g,
    replacement: "HH:MM:SS  MS  COMPILED  ",
  },
];

const joined = (text: unknown) => (Array.isArray(text) ? text.join("") : String(text ?? ""));

function stable(text: string): string {
  return VOLATILE.reduce((t, v) => t.replace(v.pattern, v.replacement), text);
}

/** What a reader sees of one output: its type, stream name or MIME types, and the text of each. */
function visible(output: Output): unknown {
  switch (output.output_type) {
    case "stream":
      return { stream: output.name, text: stable(joined(output.text)) };
    case "error":
      return { error: output.ename, evalue: stable(output.evalue ?? "") };
    default:
      return {
        [output.output_type]: Object.keys(output.data ?? {}).sort(),
        data: Object.fromEntries(Object.entries(output.data ?? {}).map(([mime, value]) => [mime, stable(typeof value === "object" && !Array.isArray(value) ? JSON.stringify(value) : joined(value))])),
      };
  }
}

function codeCells(file: string): Cell[] {
  return (JSON.parse(readFileSync(file, "utf8")) as { cells: Cell[] }).cells.filter((c) => c.cell_type === "code");
}

const firstLine = (cell: Cell) => joined(cell.source).split("\n")[0];

describe("nbclient (jupyter nbconvert --execute) runs the examples like tskernel run", () => {
  const jupyter = privateJupyter("nbclient");
  after(() => jupyter.remove());

  for (const name of exampleNotebooks()) {
    it(`examples/${name}`, { timeout: 300_000 }, () => {
      // Each runner gets its own copy of examples/: notebooks write files beside themselves (modules.ipynb).
      const copyFor = (runner: string) => {
        const dir = path.join(jupyter.dir, `${runner}-examples`, name.replace(/\.ipynb$/, ""));
        cpSync(EXAMPLES, dir, { recursive: true });
        return path.join(dir, name);
      };
      const byNbclient = path.join(jupyter.dir, "nbclient", name);
      const converted = spawnSync(
        PYTHON,
        ["-m", "jupyter", "nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.timeout=120", "--output-dir", path.dirname(byNbclient), copyFor("nbclient")],
        { encoding: "utf8", env: jupyter.env, timeout: 240_000 },
      );
      assert.equal(converted.status, 0, `jupyter nbconvert --execute ${name} failed (needs Debian's jupyter-nbconvert):\n${converted.stderr}`);

      const byRun = path.join(jupyter.dir, "run", name);
      const ran = spawnSync(process.execPath, [TSKERNEL, "run", copyFor("run"), "-o", byRun], { encoding: "utf8", env: jupyter.env, timeout: 240_000 });
      assert.equal(ran.status, 0, `tskernel run ${name} failed:\n${ran.stdout}\n${ran.stderr}`);

      const nbclientCells = codeCells(byNbclient);
      const runCells = codeCells(byRun);
      assert.equal(nbclientCells.length, runCells.length);
      assert.deepEqual(
        nbclientCells.map((c) => c.execution_count),
        nbclientCells.map((_, i) => i + 1),
        "nbclient ran every code cell, in order",
      );
      nbclientCells.forEach((cell, i) => {
        const tagged = cell.metadata.tags?.includes("raises-exception") ?? false;
        const errors = (cell.outputs ?? []).filter((o) => o.output_type === "error");
        assert.equal(errors.length > 0, tagged, `cell ${i + 1} (${firstLine(cell)}): an error exactly when tagged raises-exception`);
        for (const error of errors) assert.match(joined(error.traceback), /Cell In\[\d+\], line \d+/, "the traceback points into the cell");

        assert.equal(runCells[i].execution_count, cell.execution_count);
        assert.deepEqual(
          (runCells[i].outputs ?? []).map(visible),
          (cell.outputs ?? []).map(visible),
          `cell ${i + 1} (${firstLine(cell)}): tskernel run (actual) and nbclient (expected) show the same outputs`,
        );
      });
    });
  }
});
