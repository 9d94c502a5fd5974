// The display API and the formatter, as a front end receives them: the real engine behind the
// protocol server, over the in-memory transport.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Message } from "../../src/protocol/messages.js";
import { WorkerEngine } from "../../src/engine/worker-engine.js";
import { MemoryKernel, silentLogger, streamText, type Exchange } from "../support/memory-kernel.js";

/** A real 1×1 PNG. */
const PNG_BASE64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC";
/** The start of a JPEG file (its signature and a JFIF marker): the kernel checks the signature only. */
const JPEG_BYTES = [0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46];

const notebookDir = mkdtempSync(join(tmpdir(), "tsk-display-"));
writeFileSync(join(notebookDir, "dot.png"), Buffer.from(PNG_BASE64, "base64"));

/** The outputs a front end renders: everything on iopub but status and execute_input. */
function outputs(ex: Exchange): Message[] {
  return ex.iopub.filter((m) => m.header.msg_type !== "status" && m.header.msg_type !== "execute_input");
}

const dataOf = (m: Message) => m.content.data as Record<string, unknown>;
const displayIdOf = (m: Message) => (m.content.transient as { display_id?: string }).display_id;

describe("display API (in-memory server, real engine)", () => {
  const k = new MemoryKernel(new WorkerEngine(silentLogger(), notebookDir));
  before(() => k.start());
  after(() => k.close());

  async function ok(code: string): Promise<Exchange> {
    const ex = await k.execute(code);
    assert.equal(ex.reply.content.status, "ok", JSON.stringify(ex.reply.content));
    return ex;
  }

  async function fails(code: string): Promise<{ ename: string; evalue: string; traceback: string }> {
    const ex = await k.execute(code);
    assert.equal(ex.reply.content.status, "error", `expected an error from ${code}`);
    const c = ex.reply.content as { ename: string; evalue: string; traceback: string[] };
    return { ename: c.ename, evalue: c.evalue, traceback: c.traceback.join("\n") };
  }

  /** The one display_data a cell publishes, with the cell's request as parent. */
  async function shown(code: string): Promise<Message> {
    const ex = await ok(code);
    const out = outputs(ex);
    assert.deepEqual(out.map((m) => m.header.msg_type), ["display_data"], `${code} published ${JSON.stringify(out.map((m) => m.content))}`);
    assert.equal((out[0].parent_header as { msg_id: string }).msg_id, ex.reply.parent_header.msg_id);
    return out[0];
  }

  const MIME_TYPES: [code: string, mimes: string[]][] = [
    ["display({ a: 1 })", ["text/plain"]],
    ['display.html("<b>bold</b>")', ["text/html", "text/plain"]],
    ['display.markdown("*md*")', ["text/markdown", "text/plain"]],
    ['display.latex("$x^2$")', ["text/latex", "text/plain"]],
    ['display.svg(\'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>\')', ["image/svg+xml", "text/plain"]],
    [`display.png(Buffer.from("${PNG_BASE64}", "base64"))`, ["image/png", "text/plain"]],
    [`display.jpeg(new Uint8Array([${JPEG_BYTES.join(", ")}]))`, ["image/jpeg", "text/plain"]],
    ["display.json({ list: [1, 2], nested: { ok: true } })", ["application/json", "text/plain"]],
    ['display.vegalite({ data: { values: [{ x: 1 }] }, mark: "point", encoding: { x: { field: "x", type: "quantitative" } } })', ["application/vnd.vegalite.v5+json", "text/plain"]],
    ['display.mime({ "text/csv": "a,b\\n1,2" })', ["text/csv"]],
  ];
  for (const [code, mimes] of MIME_TYPES) {
    test(`${code.split("(")[0]} publishes display_data with ${mimes.join(", ")} and a display id`, async () => {
      const m = await shown(code);
      assert.deepEqual(Object.keys(dataOf(m)).sort(), [...mimes].sort());
      assert.match(displayIdOf(m) ?? "", /\S/);
    });
  }

  test("image bytes are sent in base64, with width and height metadata when given", async () => {
    const m = await shown(`display.png(Buffer.from("${PNG_BASE64}", "base64"), { width: 40, height: 20 })`);
    assert.equal(dataOf(m)["image/png"], PNG_BASE64);
    assert.deepEqual(m.content.metadata, { "image/png": { width: 40, height: 20 } });
  });

  test("an image path is read relative to the notebook's directory", async () => {
    const m = await shown('display.png("dot.png")');
    assert.equal(dataOf(m)["image/png"], PNG_BASE64);
  });

  test("display.json and display.vegalite carry JSON values; Vega-Lite gets its $schema", async () => {
    assert.deepEqual(dataOf(await shown("display.json([1, { a: null }])"))["application/json"], [1, { a: null }]);
    const spec = dataOf(await shown('display.vegalite({ mark: "bar", title: "Sales" })'));
    assert.deepEqual(spec["application/vnd.vegalite.v5+json"], { $schema: "https://vega.github.io/schema/vega-lite/v5.json", mark: "bar", title: "Sales" });
    assert.equal(spec["text/plain"], "[Vega-Lite chart: Sales]");
  });

  test("display.mime sends a bundle and its metadata as given", async () => {
    const m = await shown('display.mime({ "text/html": "<p>x</p>", "text/plain": "x" }, { isolated: true })');
    assert.deepEqual(dataOf(m), { "text/html": "<p>x</p>", "text/plain": "x" });
    assert.deepEqual(m.content.metadata, { isolated: true });
  });

  test("a handle updates its display in place and clears it; an id can be chosen", async () => {
    const first = await shown('const status = display.html("<i>working</i>", { id: "job-status" })');
    assert.equal(displayIdOf(first), "job-status");
    const ex = await ok('status.update("<b>done</b>");\nstatus.clear();');
    const [update, clear] = outputs(ex);
    assert.equal(update.header.msg_type, "update_display_data");
    assert.equal(displayIdOf(update), "job-status");
    assert.equal(dataOf(update)["text/html"], "<b>done</b>");
    assert.equal(clear.header.msg_type, "update_display_data");
    assert.equal(displayIdOf(clear), "job-status");
    assert.deepEqual(dataOf(clear), {});
  });

  test("display(value).update(next) renders the next value with the same formatter", async () => {
    const ex = await ok("const h = display([{ n: 1 }]);\nh.update([{ n: 2 }]);");
    const [first, update] = outputs(ex);
    assert.equal(displayIdOf(update), displayIdOf(first));
    assert.match(String(dataOf(update)["text/html"]), /<td>2<\/td>/);
  });

  test("a handle as a cell's last value shows no result", async () => {
    const ex = await ok('display.markdown("shown once")');
    assert.deepEqual(outputs(ex).map((m) => m.header.msg_type), ["display_data"]);
  });

  test("clearOutput publishes clear_output, waiting only when asked", async () => {
    const ex = await ok("clearOutput();\nclearOutput({ wait: true });");
    assert.deepEqual(outputs(ex).map((m) => [m.header.msg_type, m.content.wait]), [["clear_output", false], ["clear_output", true]]);
  });

  test('the API can be imported from "tskernel", typed, and is the same as the globals', async () => {
    const ex = await ok('import { display as show, clearOutput as clear } from "tskernel";\n[show === display, clear === clearOutput]');
    const result = ex.iopub.find((m) => m.header.msg_type === "execute_result");
    assert.equal(result && dataOf(result)["text/plain"], "[ true, true ]");
    const wrongType = await fails('import { display as show2 } from "tskernel";\nshow2.html(42)');
    assert.equal(wrongType.ename, "TypeCheckError");
    const missing = await fails('import { nothing } from "tskernel"');
    assert.match(missing.evalue, /has no exported member 'nothing'/);
  });

  test("cells are type-checked against the API", async () => {
    assert.match((await fails('display.png("x.png", { width: "wide" })')).evalue, /not assignable to type 'number'/);
    assert.match((await fails('display.mime({ html: "<b>" })')).evalue, /'html' does not exist in type 'MimeBundle'/);
    await ok('const handle: { update(v: string): void } = display.html("<p>typed</p>")');
  });

  test("bad arguments throw a clear error that names what to pass, pointing at the cell", async () => {
    const cases: [code: string, ename: string, evalue: RegExp][] = [
      ['display.png("missing.png")', "Error", /cannot read the image file "missing\.png" .*no such file.*Pass the path of an existing file/],
      ['display.jpeg(Buffer.from("not an image"))', "TypeError", /not a JPEG image/],
      [`display.jpeg(Buffer.from("${PNG_BASE64}", "base64"))`, "TypeError", /it is a PNG image: use display\.png/],
      ["display.png(42 as any)", "TypeError", /expects a Buffer, a Uint8Array or the path of an image file; got the number 42/],
      ["display.mime(42 as any)", "TypeError", /expected a MIME bundle.*got the number 42/],
      ['display.mime({ "text/html": 1 } as any)', "TypeError", /"text\/html" content must be a string/],
      ['display.mime({ "html": "x" } as any)', "TypeError", /"html" is not a MIME type/],
      ["const loop: any = {}; loop.self = loop; display.json(loop)", "TypeError", /cannot be converted to JSON/],
      ['display.html(null as any)', "TypeError", /display\.html expects HTML as a string; got null/],
      ['display.svg("chart.svg")', "TypeError", /SVG markup containing an <svg> element/],
      ['display("x", { id: 7 } as any)', "TypeError", /id must be a non-empty string/],
      ["display.register({} as any, () => ({}))", "TypeError", /expects a class/],
      ["clearOutput(true as any)", "TypeError", /clearOutput expects \{ wait\?: boolean \}/],
    ];
    for (const [code, ename, evalue] of cases) {
      const e = await fails(code);
      assert.equal(e.ename, ename, code);
      assert.match(e.evalue, evalue, code);
      assert.match(e.traceback, /Cell In\[\d+\], line 1/, code);
      assert.doesNotMatch(e.traceback, /dist\/src|node:internal/, `${code}: no kernel frames`);
    }
    assert.equal(dataOf(await shown("display(1)"))["text/plain"], "1", "the kernel goes on");
  });
});

describe("formatting results and displayed values", () => {
  const k = new MemoryKernel();
  before(() => k.start());
  after(() => k.close());

  async function result(code: string): Promise<{ data: Record<string, string>; stderr: string }> {
    const ex = await k.execute(code);
    assert.equal(ex.reply.content.status, "ok", JSON.stringify(ex.reply.content));
    const r = ex.iopub.find((m) => m.header.msg_type === "execute_result");
    assert.ok(r, `${code} has a result`);
    return { data: r.content.data as Record<string, string>, stderr: streamText(ex, "stderr") };
  }

  test("an object renders itself through Symbol.for(\"Jupyter.display\"), as a result and through display()", async () => {
    await k.execute('class Badge { constructor(readonly label: string) {}\n  [Symbol.for("Jupyter.display")]() { return { "text/html": `<span>${this.label}</span>` }; } }');
    const { data } = await result('new Badge("new")');
    assert.equal(data["text/html"], "<span>new</span>");
    assert.match(data["text/plain"], /Badge \{ label: 'new' \}/, "text/plain is added");
    const ex = await k.execute('display(new Badge("shown"))');
    assert.equal((ex.iopub.find((m) => m.header.msg_type === "display_data")?.content.data as Record<string, string>)["text/html"], "<span>shown</span>");
  });

  test("display.register renders a class and its subclasses until unregistered", async () => {
    await k.execute("class Point { constructor(readonly x: number, readonly y: number) {} }\nclass Point3 extends Point {}");
    await k.execute('display.register(Point, (p) => ({ "text/latex": `$(${p.x}, ${p.y})$` }))');
    assert.equal((await result("new Point(1, 2)")).data["text/latex"], "$(1, 2)$");
    assert.equal((await result("new Point3(3, 4)")).data["text/latex"], "$(3, 4)$");
    assert.equal((await result("display.unregister(Point)")).data["text/plain"], "true");
    assert.deepEqual(Object.keys((await result("new Point(1, 2)")).data), ["text/plain"]);
  });

  test("a renderer that throws falls back to text/plain with one warning on stderr", async () => {
    await k.execute('class Fragile {}\ndisplay.register(Fragile, () => { throw new Error("renderer broke"); })');
    const { data, stderr } = await result("new Fragile()");
    assert.deepEqual(data, { "text/plain": "Fragile {}" });
    assert.equal(stderr.trim().split("\n").length, 1, stderr);
    assert.match(stderr, /^Warning: the renderer registered with display\.register for Fragile failed \(Error: renderer broke\); showing the value as text\/plain instead\.\n$/);
    const bad = await result('({ [Symbol.for("Jupyter.display")]() { return 42; } })');
    assert.match(bad.stderr, /Jupyter\.display.*expected a MIME bundle.*got the number 42/);
  });

  test("an array of records is an HTML table beside its text/plain, with its text escaped", async () => {
    const { data } = await result('[{ name: "<script>alert(1)</script>", size: 3 }, { name: "b & c", when: new Date(0) }]');
    const html = data["text/html"];
    assert.match(html, /^<table>.*<th>name<\/th><th>size<\/th><th>when<\/th>/);
    assert.ok(!html.includes("<script>"), "HTML in values is escaped");
    assert.match(html, /&#60;script&#62;alert\(1\)&#60;\/script&#62;/);
    assert.match(html, /b &#38; c/);
    assert.match(html, /1970-01-01T00:00:00\.000Z/);
    assert.match(data["text/plain"], /name: '<script>alert\(1\)<\/script>'/);
    assert.equal((await result("[{ a: { nested: 1 } }]")).data["text/html"], undefined, "records with object fields are not tables");
    assert.equal((await result("[1, 2, 3]")).data["text/html"], undefined);
  });

  test("Map, Set, Error, Date, typed arrays and Buffer read well as text", async () => {
    assert.equal((await result('new Map([["a", 1], ["b", 2]])')).data["text/plain"], "Map(2) { 'a' => 1, 'b' => 2 }");
    assert.equal((await result("new Set([1, 2])")).data["text/plain"], "Set(2) { 1, 2 }");
    assert.equal((await result("new Date(Date.UTC(2024, 0, 2, 3, 4, 5))")).data["text/plain"], "2024-01-02T03:04:05.000Z");
    assert.equal((await result("new Float32Array([1.5, 2])")).data["text/plain"], "Float32Array(2) [ 1.5, 2 ]");
    assert.equal(
      (await result('Buffer.from("hello")')).data["text/plain"],
      `<Buffer, 5 bytes>\n00000000  68 65 6c 6c 6f${" ".repeat(36)}|hello|`,
    );
    const error = (await result('function fail() { return new RangeError("out of range", { cause: "bad input" }); }\nfail()')).data["text/plain"];
    assert.match(error, /^RangeError: out of range\n {4}at fail \(Cell In\[\d+\], line 1, column \d+\)/);
    assert.match(error, /Caused by: 'bad input'/);
    assert.doesNotMatch(error, /dist\/src|node:internal|tskernel:cell/);
  });

  test("a very large value is elided, saying how much", async () => {
    const { data } = await result("Object.fromEntries(Array.from({ length: 20000 }, (_, i) => [`key${i}`, i]))");
    const text = data["text/plain"];
    assert.ok(text.length < 101_000, `${text.length} characters`);
    assert.match(text, /^\{\n {2}key0: 0,/);
    assert.match(text, /\n… \[[\d,]+ more characters elided: the text of this value is [\d,]+ characters, more than the 100,000 shown/);
  });
});
