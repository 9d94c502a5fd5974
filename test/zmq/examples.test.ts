// The example notebooks run through `tskernel run` (the real kernel over zeromq) and show what they teach.
import "../support/private-state.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const TSKERNEL = fileURLToPath(new URL("../../kernel/tskernel.js", import.meta.url));
const EXAMPLES = fileURLToPath(new URL("../../../examples/", import.meta.url));

interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, string | string[]>;
}
interface Cell {
  cell_type: string;
  source: string | string[];
  outputs?: Output[];
  execution_count?: number | null;
}

const join_ = (s: string | string[] | undefined) => (Array.isArray(s) ? s.join("") : (s ?? ""));

function runNotebook(name: string): Cell[] {
  const out = join(mkdtempSync(join(tmpdir(), "tsk-example-")), name);
  const r = spawnSync(process.execPath, [TSKERNEL, "run", join(EXAMPLES, name), "-o", out], { encoding: "utf8", timeout: 120_000 });
  assert.equal(r.status, 0, `tskernel run ${name} failed:\n${r.stdout}\n${r.stderr}`);
  // The written notebook must satisfy nbformat's own validator, which nbconvert and Jupyter apply.
  const check = spawnSync("/usr/bin/python3", ["-c", "import nbformat, sys; nbformat.validate(nbformat.read(sys.argv[1], 4))", out], { encoding: "utf8" });
  assert.equal(check.status, 0, `nbformat rejects the output (needs Debian's python3-nbformat):\n${check.stderr}`);
  return (JSON.parse(readFileSync(out, "utf8")) as { cells: Cell[] }).cells;
}

/** What a reader sees under the code cell whose source starts with `start`. */
function shown(cells: Cell[], start: string): { result?: string; stdout: string; stderr: string; mimes: string[] } {
  const cell = cells.find((c) => c.cell_type === "code" && join_(c.source).startsWith(start));
  assert.ok(cell, `no cell starting with ${start}`);
  const outputs = cell.outputs ?? [];
  const result = outputs.find((o) => o.output_type === "execute_result");
  return {
    result: result ? join_(result.data?.["text/plain"]) : undefined,
    stdout: outputs.filter((o) => o.name === "stdout").map((o) => join_(o.text)).join(""),
    stderr: outputs.filter((o) => o.name === "stderr").map((o) => join_(o.text)).join(""),
    mimes: outputs.filter((o) => o.output_type === "display_data").flatMap((o) => Object.keys(o.data ?? {})),
  };
}

test("examples/introduction.ipynb runs and shows what it explains", () => {
  const cells = runNotebook("introduction.ipynb");
  const code = cells.filter((c) => c.cell_type === "code");
  assert.deepEqual(code.map((c) => c.execution_count), code.map((_, i) => i + 1));
  assert.match(shown(cells, "const greeting").result ?? "", /Hello from TypeScript on Node\.js v\d+/);
  assert.equal(shown(cells, "let counter").result, "1");
  assert.equal(shown(cells, "bump(10)").result, "11");
  assert.equal(shown(cells, "counter").result, "11");
  assert.equal(shown(cells, "let scale").result, "10");
  assert.equal(shown(cells, "scale = 3").result, "15");
  assert.equal(shown(cells, "const scale = 10").result, "50");
  assert.equal(shown(cells, "const sleep").result, "true");
  assert.equal(shown(cells, "[1, 2, 3]").result, "[ 1, 4, 9 ]");
  assert.equal(shown(cells, "_.reduce").result, "14");
  assert.equal(shown(cells, "for (let i = 1").stdout, "line 1\nline 2\nline 3\n");
  assert.equal(shown(cells, "for (let i = 1").stderr, "this line goes to stderr\n");
  assert.equal(shown(cells, "function parsePort").stdout, "not a port: eighty\n");
  assert.equal(shown(cells, "function parsePort").result, "8080");
  assert.match(shown(cells, "import { createHash }").result ?? "", /^'[0-9a-f]{16}'$/);
  assert.deepEqual(shown(cells, "display.html").mimes.sort(), ["text/html", "text/markdown", "text/plain", "text/plain"]);
});

test("examples/scopes.ipynb runs and shows LEGB, closures, the loop pitfall, shadowing and the dead zone", () => {
  const cells = runNotebook("scopes.ipynb");
  assert.equal(shown(cells, "const level").result, "[ 'local', 'enclosing', 'session' ]");
  assert.equal(shown(cells, "%scope level").stdout, 'level: session global: const declared in cell 1\n  type: "session"\n');
  assert.equal(shown(cells, "%scope Math").stdout, "Math: builtin: a property of globalThis\n  type: Math\n");
  assert.equal(shown(cells, "function makeCounter").result, "10");
  const closure = shown(cells, "%closure tick").stdout;
  assert.match(closure, /^tick captures 2 variables:\n/);
  assert.match(closure, /^ {2}count = 10 +\(from makeCounter\)$/m);
  assert.match(closure, /^ {2}step {2}= 5 +\(from makeCounter\)$/m);
  assert.equal(shown(cells, "rate = 3").result, "30");
  assert.equal(shown(cells, "%closure price").stdout, "price captures 1 variable:\n  rate = 3   (session global, cell 6)\n");
  assert.equal(shown(cells, "const withVar").result, "[ 3, 3, 3 ]");
  assert.equal(shown(cells, "const withLet").result, "[ 0, 1, 2 ]");
  assert.equal(shown(cells, "%who var").stdout, "i\n");
  assert.equal(shown(cells, "const JSON").result, "'shadowed!'");
  assert.equal(shown(cells, "JSON.stringify").result, `'{"a":1}'`);
  const deadZone = cells.filter((c) => c.cell_type === "code" && join_(c.source).startsWith("let total"));
  const checked = (deadZone[0].outputs ?? []).find((o) => o.output_type === "error") as Output & { ename?: string; evalue?: string };
  assert.equal(checked.ename, "TypeCheckError");
  assert.match(checked.evalue ?? "", /Block-scoped variable 'total' used before its declaration\. \(Cell In\[\d+\], line 3, column \d+, TS2448\)/);
  const call = cells.find((c) => join_(c.source) === "addTax()")?.outputs?.find((o) => o.output_type === "error") as Output & { evalue?: string };
  assert.equal(call.evalue, "Cannot access 'total' before initialization");
  assert.equal(shown(cells, "(globalThis as").result, "[ 'undefined', 'dark' ]");
  assert.match(shown(cells, "%whos function const").stdout, /\nmakeCounter +function +\(step: number\) => \(\) => number +\[Function: makeCounter\]\n/);
  assert.equal(shown(cells, "%reset_selective").stdout, "Deleted withLet, withVar.\n");
  assert.equal(shown(cells, "%who const").stdout, "level\tmoduleFile\tpeek\tprice\ttick\n");
});

test("examples/modules.ipynb writes a package, imports, reloads and runs it, and lists the registry", () => {
  // It writes files next to itself: run a copy in a fresh directory.
  const copy = join(mkdtempSync(join(tmpdir(), "tsk-modules-example-")), "modules.ipynb");
  copyFileSync(join(EXAMPLES, "modules.ipynb"), copy);
  const out = join(copy, "..", "out.ipynb");
  const r = spawnSync(process.execPath, [TSKERNEL, "run", copy, "-o", out], { encoding: "utf8", timeout: 120_000 });
  assert.equal(r.status, 0, `tskernel run modules.ipynb failed:\n${r.stdout}\n${r.stderr}`);
  const cells = (JSON.parse(readFileSync(out, "utf8")) as { cells: Cell[] }).cells;
  assert.equal(shown(cells, "%%writefile geometry/shapes.ts\nexport const PI = 3").stdout, "Writing geometry/shapes.ts\n");
  assert.equal(shown(cells, "import { circleArea }").stdout, "shapes.ts ran\n");
  assert.equal(shown(cells, "import { circleArea }").result, "'12.57'");
  assert.deepEqual(shown(cells, "import { PI }"), { result: "3.14159", stdout: "", stderr: "", mimes: [] });
  assert.match(shown(cells, "%modules geometry").stdout, /^\.\/geometry +local ts +\.\/geometry\/index\.ts .* no$/m);
  assert.equal(shown(cells, "%%writefile geometry/shapes.ts\nexport const PI = Math").stdout, "Overwriting geometry/shapes.ts\n");
  assert.match(shown(cells, "%reload").stdout, /^Reloaded \.\/geometry\/shapes\.ts \(rebound: .*circleArea.*\)\n$/);
  assert.equal(shown(cells, "[circleArea(2)").result, "[ 12.57, 'cm²' ]");
  assert.equal(shown(cells, "geo.units.unit").stdout, "[autoreload] reloaded ./geometry/units.ts, ./geometry/index.ts\n");
  assert.equal(shown(cells, "geo.units.unit").result, "'m²'");
  assert.equal(shown(cells, "%run report.ts").stdout, "area of r=3: 28.27\n");
  assert.equal(shown(cells, "[radius, area]").result, "[ 3, 28.27 ]");
});

/** Each output of a code cell as `type:mimes` (sorted) or `stream:name`. */
function outputKinds(cell: Cell): string[] {
  return (cell.outputs ?? []).map((o) => (o.output_type === "stream" ? `stream:${o.name}` : `${o.output_type}:${Object.keys(o.data ?? {}).sort().join(",")}`));
}

test("examples/display.ipynb runs, and every output carries the MIME types it shows", () => {
  const cells = runNotebook("display.ipynb");
  const byStart = new Map(cells.filter((c) => c.cell_type === "code").map((c) => [join_(c.source).split("\n")[0], outputKinds(c)]));
  const plain = "text/plain";
  assert.deepEqual(Object.fromEntries(byStart), {
    'display.markdown("**Markdown**, with a list:\\n\\n- rendered by the front end\\n- with `code` and *emphasis*");': [
      `display_data:text/markdown,${plain}`,
      `display_data:text/html,${plain}`,
      `display_data:text/latex,${plain}`,
    ],
    "const values = [3, 7, 4, 9, 6];": [`display_data:image/svg+xml,${plain}`],
    'import { deflateSync } from "node:zlib";': [`display_data:image/png,${plain}`],
    'display.jpeg("assets/mosaic.jpg", { width: 256 });': [`display_data:image/jpeg,${plain}`],
    'display.json({ kernel: "tskernel", formats: ["html", "markdown", "png"], nested: { depth: 2, ok: true } });': [`display_data:application/json,${plain}`],
    "display.vegalite({": [`display_data:application/vnd.vegalite.v5+json,${plain}`],
    "const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));": [`display_data:text/html,${plain}`, "display_data:"],
    'progress.update("<b>finished</b> (updated from a later cell)");': [],
    'for (const frame of ["◐", "◓", "◑", "◒", "●"]) {': [`display_data:text/markdown,${plain}`],
    'import { display as show, type DisplayHandle } from "tskernel";': [`display_data:text/markdown,${plain}`, `execute_result:${plain}`],
    "class Temperature {": [`execute_result:text/html,${plain}`],
    "class Fraction {": [`execute_result:text/latex,${plain}`],
    "[": [`execute_result:text/html,${plain}`],
    'display(new Map([["alpha", 1], ["beta", 2]]));': [`display_data:${plain}`, `display_data:${plain}`, `display_data:${plain}`, `execute_result:${plain}`],
    "const inventory = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`item${i}`, { index: i, square: i * i }]));": [`execute_result:${plain}`],
    "let ticks = 0;": [`execute_result:${plain}`],
    "await sleep(400);": [`execute_result:${plain}`],
  });
  const output = (start: string, index = 0) => cells.find((c) => join_(c.source).startsWith(start))?.outputs?.[index];
  const png = Buffer.from(join_(output('import { deflateSync }')?.data?.["image/png"]), "base64");
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const jpeg = join_(output("display.jpeg")?.data?.["image/jpeg"]);
  assert.equal(jpeg, readFileSync(join(EXAMPLES, "assets", "mosaic.jpg")).toString("base64"));
  assert.equal(join_(output("const sleep")?.data?.["text/html"]), "<b>finished</b> (updated from a later cell)", "the later cell's update reached it");
  assert.equal(join_(output("for (const frame")?.data?.["text/markdown"]), "frame ●", "clearOutput left the last frame");
  assert.match(join_(output("[")?.data?.["text/html"]), /<td>&#60;b&#62;not bold&#60;\/b&#62;<\/td>/);
  assert.match(join_(output("display(new Map", 3)?.data?.["text/plain"]), /^RangeError: an error value shows its name/);
  assert.match(join_(output("const inventory")?.data?.["text/plain"]), /more characters elided/);
});
