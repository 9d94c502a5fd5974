// A person in a browser: Debian's classic Notebook 6 in headless Chromium, driven by playwright-core.
// Each example notebook is opened, switched to the TypeScript kernel from the Kernel menu and run with
// Cell → Run All; the test then reads what the page shows and keeps a screenshot in test-artifacts/.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { ARTIFACTS, EXAMPLES, PYTHON, exampleNotebooks, freePort, privateJupyter, sleep } from "../support/private-jupyter.js";

const CHROMIUM = "/usr/bin/chromium";
// Without the background-networking flags Chromium keeps dialing out, which this closed network refuses.
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const KERNEL_DISPLAY_NAME = "TypeScript (tskernel)";

interface ShownOutput {
  /** The output area's classes, e.g. output_result, output_stdout, output_error, output_html, output_png. */
  classes: string[];
  text: string;
}
interface ShownCell {
  /** The prompt as shown, e.g. "In [3]:". */
  prompt: string;
  outputs: ShownOutput[];
  /** From the notebook file: the first line of the source and the tags. */
  firstLine: string;
  tags: string[];
}

interface NotebookCell {
  cell_type: string;
  source: string | string[];
  metadata: { tags?: string[] };
}
const joined = (text: string | string[]) => (Array.isArray(text) ? text.join("") : text);

/** The little of the DOM that the page-side functions below use (this project compiles without lib "dom"). */
interface PageElement {
  innerText: string;
  classList: Iterable<string>;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement>;
}

/** The prompt number a cell shows, or NaN when it has none (never ran, or still running). */
const promptNumber = (cell: ShownCell) => Number(/^In \[(\d+)\]:$/.exec(cell.prompt)?.[1]);

function cellStarting(cells: ShownCell[], start: string): ShownCell {
  const cell = cells.find((c) => c.firstLine.startsWith(start));
  assert.ok(cell, `no code cell starting with ${JSON.stringify(start)}`);
  return cell;
}

function outputText(cell: ShownCell, kind: string): string {
  return cell.outputs
    .filter((o) => o.classes.includes(kind))
    .map((o) => o.text)
    .join("");
}

/** What a reader checks in each notebook, beyond "every cell ran and only the expected ones failed". */
const SEEN: Record<string, (page: Page, cells: ShownCell[]) => Promise<void>> = {
  "introduction.ipynb": async (page, cells) => {
    assert.match(outputText(cellStarting(cells, "const greeting"), "output_result"), /^'Hello from TypeScript on Node\.js v\d+\.\d+\.\d+'$/);
    assert.equal(outputText(cellStarting(cells, "bump(10)"), "output_result"), "11");
    const streams = cellStarting(cells, "for (let i = 1");
    assert.equal(outputText(streams, "output_stdout"), "line 1\nline 2\nline 3\n");
    assert.equal(outputText(streams, "output_stderr"), "this line goes to stderr\n");
    assert.equal(await page.locator(".code_cell .output_html b").first().textContent(), "bold", "display.html renders its <b>");
  },
  "display.ipynb": async (page, cells) => {
    const table = page.locator(".output_result table").first();
    assert.deepEqual(await table.locator("thead th").allTextContents(), ["", "language", "typed", "since"]);
    assert.deepEqual(await table.locator("tbody tr").first().locator("td").allTextContents(), ["TypeScript", "true", "2012"]);
    assert.equal(await table.locator("tbody tr").nth(2).locator("td").first().textContent(), "<b>not bold</b>", "HTML in a value is shown as text");
    for (const format of ["png", "jpeg"]) {
      const image = page.locator(`.output_${format} img`).first();
      const width = await image.evaluate((img: { complete: boolean; naturalWidth: number }) => img.complete && img.naturalWidth);
      assert.ok(typeof width === "number" && width > 0, `the ${format} image decodes in the browser`);
    }
    assert.equal(await page.locator(".output_svg svg rect").count(), 5, "the SVG bar chart draws its five bars");
    assert.equal(outputText(cellStarting(cells, "const sleep"), "output_html"), "finished (updated from a later cell)");
    assert.equal(outputText(cellStarting(cells, "for (const frame"), "output_markdown"), "frame ●");
  },
  "scopes.ipynb": async (_page, cells) => {
    const [checked, called] = cells.filter((c) => c.tags.includes("raises-exception"));
    const declared = cells[cells.indexOf(called) - 1];
    assert.match(
      outputText(checked, "output_error"),
      new RegExp(`^TypeCheckError: Block-scoped variable 'total' used before its declaration\\.\\nCell In\\[${promptNumber(checked)}\\], line 3, column 27`),
    );
    assert.match(
      outputText(called, "output_error"),
      new RegExp(`^ReferenceError: Cannot access 'total' before initialization\\n +at addTax \\(Cell In\\[${promptNumber(declared)}\\], line 3, column 27\\)`),
    );
    assert.equal(outputText(cellStarting(cells, "%who var"), "output_stdout"), "i\n");
  },
};

describe("classic Notebook in headless Chromium", () => {
  const jupyter = privateJupyter("notebook");
  const root = path.join(jupyter.dir, "root");
  const token = randomBytes(24).toString("hex");
  let server: ChildProcess | undefined;
  let serverLog = "";
  let baseUrl = "";
  let browser: BrowserContext | undefined;

  before(async () => {
    // The browser edits and may autosave its copies; the examples themselves stay untouched.
    cpSync(EXAMPLES, root, { recursive: true });
    for (const name of exampleNotebooks()) {
      // Without a kernel in its metadata a notebook opens with Notebook's default kernel, so the test
      // has to choose the TypeScript one, as a person with a fresh notebook does.
      const file = path.join(root, name);
      const notebook = JSON.parse(readFileSync(file, "utf8")) as { metadata: Record<string, unknown> };
      delete notebook.metadata.kernelspec;
      writeFileSync(file, JSON.stringify(notebook));
    }
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}/`;
    server = spawn(
      PYTHON,
      ["-m", "notebook", "--ip=127.0.0.1", `--port=${port}`, `--NotebookApp.token=${token}`, "--no-browser", "--allow-root", `--notebook-dir=${root}`],
      { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: jupyter.env },
    );
    server.stdout!.on("data", (chunk: Buffer) => (serverLog += chunk.toString()));
    server.stderr!.on("data", (chunk: Buffer) => (serverLog += chunk.toString()));
    let exited: string | undefined;
    server.once("error", (e) => (exited = `could not start ${PYTHON}: ${e.message}`));
    server.once("exit", (code, signal) => (exited = `the Notebook server exited (code ${code}, signal ${signal})`));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (exited) assert.fail(`${exited}; is Debian's jupyter-notebook installed?\n${serverLog}`);
      if (Date.now() > deadline) assert.fail(`the Notebook server did not list tskernel within 60 s\n${serverLog}`);
      try {
        const specs = (await (await fetch(`${baseUrl}api/kernelspecs?token=${token}`)).json()) as { kernelspecs: Record<string, unknown> };
        if ("tskernel" in specs.kernelspecs) break;
      } catch {
        // Not listening yet.
      }
      await sleep(200);
    }
    browser = await chromium.launchPersistentContext(path.join(jupyter.dir, "chromium-profile"), {
      executablePath: CHROMIUM,
      args: CHROMIUM_FLAGS,
      viewport: { width: 1200, height: 900 },
    });
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    // Notebook shuts its kernels down when it stops on SIGTERM.
    if (server?.pid !== undefined && server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((resolve) => server!.once("exit", resolve));
      server.kill("SIGTERM");
      const killer = setTimeout(() => server!.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(killer);
    }
    jupyter.remove();
  });

  for (const name of exampleNotebooks()) {
    it(`examples/${name}: choose TypeScript, Run All, see the outputs`, { timeout: 180_000 }, async () => {
      const page = await browser!.newPage();
      try {
        await runAll(page, name);
        const cells = await shownCells(page, name);
        cells.forEach((cell, i) => {
          assert.equal(cell.prompt, `In [${i + 1}]:`, `cell ${i + 1} (${cell.firstLine}) ran, in order`);
          const errors = cell.outputs.filter((o) => o.classes.includes("output_error"));
          const expected = cell.tags.includes("raises-exception");
          assert.equal(errors.length > 0, expected, `cell ${i + 1} (${cell.firstLine}) shows an error exactly when tagged raises-exception: ${errors.map((e) => e.text).join("")}`);
          for (const error of errors) assert.match(error.text, /Cell In\[\d+\], line \d+/, "the error points into the cell");
        });
        await SEEN[name]?.(page, cells);
      } catch (e) {
        process.stderr.write(`--- Notebook server log ---\n${serverLog}--- end of Notebook server log ---\n`);
        throw e;
      } finally {
        await screenshot(page, name);
        await page.close();
      }
    });
  }

  async function runAll(page: Page, name: string): Promise<void> {
    await page.goto(`${baseUrl}notebooks/${encodeURIComponent(name)}?token=${token}`);
    await page.locator("#kernel_indicator_icon.kernel_idle_icon").waitFor({ timeout: 60_000 });
    // Kernel → Change kernel → TypeScript (tskernel); the page logs kernel_ready once the new kernel answers.
    const ready = page.waitForEvent("console", { predicate: (m) => m.text().startsWith("Kernel: kernel_ready"), timeout: 60_000 });
    await page.click("#kernellink");
    await page.hover("#menu-change-kernel");
    await page.click(`#menu-change-kernel-submenu >> text=${KERNEL_DISPLAY_NAME}`);
    await ready;
    assert.equal(await page.textContent(".kernel_indicator_name"), KERNEL_DISPLAY_NAME);
    await page.locator("#kernel_indicator_icon.kernel_idle_icon").waitFor({ timeout: 60_000 });

    await page.click("#celllink");
    await page.click("#run_all_cells");
    // Run All marks every cell In [*] at once; the run is over when no prompt shows a star.
    const running = page.locator(".code_cell .input_prompt", { hasText: "[*]" });
    const deadline = Date.now() + 120_000;
    while ((await running.count()) > 0) {
      if (Date.now() > deadline) assert.fail(`Run All had not finished after 120 s: ${await running.count()} cells still show In [*]`);
      await sleep(200);
    }
    await page.locator("#kernel_indicator_icon.kernel_idle_icon").waitFor({ timeout: 30_000 });
  }

  async function shownCells(page: Page, name: string): Promise<ShownCell[]> {
    const shown = await page.locator(".cell.code_cell").evaluateAll((cells: PageElement[]) =>
      cells.map((cell) => ({
        // Notebook writes the prompt with non-breaking spaces.
        prompt: (cell.querySelector(".input_prompt")?.innerText ?? "").replace(/\s+/g, " ").trim(),
        outputs: [...cell.querySelectorAll(".output_subarea")].map((o) => ({ classes: [...o.classList], text: o.innerText })),
      })),
    );
    const fileCells = (JSON.parse(readFileSync(path.join(EXAMPLES, name), "utf8")) as { cells: NotebookCell[] }).cells.filter((c) => c.cell_type === "code");
    assert.equal(shown.length, fileCells.length, "the page shows every code cell of the notebook");
    return shown.map((cell, i) => ({ ...cell, firstLine: joined(fileCells[i].source).split("\n")[0], tags: fileCells[i].metadata.tags ?? [] }));
  }
});

/** The whole notebook in one image: Notebook scrolls inside #site, so let the page grow to its full height. */
async function screenshot(page: Page, name: string): Promise<void> {
  await page.addStyleTag({ content: "body, #site { overflow: visible !important; height: auto !important; }" });
  await page.screenshot({ path: path.join(ARTIFACTS, `notebook-${name.replace(/\.ipynb$/, "")}.png`), fullPage: true });
}
