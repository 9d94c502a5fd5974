// The notebook helpers without a kernel: fake iopub messages in, nbformat outputs out.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { makeHeader, newSession, type JsonObject, type Message } from "../../src/protocol/messages.js";
import {
  CellOutputs,
  DisplayRegistry,
  NotebookError,
  outputsFromIopub,
  parseNotebook,
  readNotebook,
  serializeNotebook,
  setKernelMetadata,
  splitLines,
  writeNotebook,
  type CodeCell,
} from "../../src/client/notebook.js";

const who = newSession("test");

function iopub(msgType: string, content: JsonObject): Message {
  return { header: makeHeader(msgType, who), parent_header: {}, metadata: {}, content, buffers: [], identities: [] };
}

const stdout = (text: string): Message => iopub("stream", { name: "stdout", text });
const stderr = (text: string): Message => iopub("stream", { name: "stderr", text });
const display = (text: string, displayId?: string): Message =>
  iopub("display_data", {
    data: { "text/plain": text },
    metadata: {},
    transient: displayId === undefined ? {} : { display_id: displayId },
  });

describe("iopub → outputs", () => {
  it("merges consecutive stream messages of the same name only", () => {
    const outputs = outputsFromIopub([stdout("a"), stdout("b\n"), stderr("oops\n"), stdout("c")]);
    assert.deepEqual(outputs, [
      { output_type: "stream", name: "stdout", text: "ab\n" },
      { output_type: "stream", name: "stderr", text: "oops\n" },
      { output_type: "stream", name: "stdout", text: "c" },
    ]);
  });

  it("keeps execute_result, display_data and error, and ignores status and unknown messages", () => {
    const cell = new CellOutputs();
    for (const msg of [
      iopub("status", { execution_state: "busy" }),
      iopub("execute_input", { code: "1+1", execution_count: 7 }),
      iopub("execute_result", { execution_count: 7, data: { "text/plain": "2" }, metadata: {} }),
      display("shown"),
      iopub("comm_open", { comm_id: "x" }),
      iopub("error", { ename: "TypeError", evalue: "x is not a function", traceback: ["TypeError: x is not a function"] }),
      iopub("status", { execution_state: "idle" }),
    ]) {
      cell.add(msg);
    }
    assert.equal(cell.executionCount, 7);
    assert.deepEqual(cell.outputs, [
      { output_type: "execute_result", execution_count: 7, data: { "text/plain": "2" }, metadata: {} },
      { output_type: "display_data", data: { "text/plain": "shown" }, metadata: {} },
      { output_type: "error", ename: "TypeError", evalue: "x is not a function", traceback: ["TypeError: x is not a function"] },
    ]);
  });

  it("update_display_data replaces the data of earlier outputs with that display_id, also in other cells", () => {
    const displays = new DisplayRegistry();
    const first = outputsFromIopub([display("0%", "progress"), display("other", "x")], displays);
    const second = outputsFromIopub(
      [
        iopub("update_display_data", {
          data: { "text/plain": "100%" },
          metadata: { done: true },
          transient: { display_id: "progress" },
        }),
      ],
      displays,
    );
    assert.deepEqual(second, [], "an update adds no output of its own");
    assert.deepEqual(first, [
      { output_type: "display_data", data: { "text/plain": "100%" }, metadata: { done: true } },
      { output_type: "display_data", data: { "text/plain": "other" }, metadata: {} },
    ]);
  });

  it("a new display_data with a known display_id refreshes the earlier ones and is added", () => {
    const outputs = outputsFromIopub([display("v1", "d"), stdout("between\n"), display("v2", "d")]);
    assert.deepEqual(
      outputs.map((o) => (o.output_type === "display_data" ? o.data["text/plain"] : o.output_type)),
      ["v2", "stream", "v2"],
    );
  });

  it("clear_output clears at once, or with wait: true just before the next output", () => {
    const cell = new CellOutputs();
    cell.add(stdout("old\n"));
    cell.add(iopub("clear_output", { wait: false }));
    assert.deepEqual(cell.outputs, []);

    cell.add(stdout("frame 1\n"));
    cell.add(iopub("clear_output", { wait: true }));
    assert.equal(cell.outputs.length, 1, "still shown until something replaces it");
    cell.add(stdout("frame 2\n"));
    assert.deepEqual(cell.outputs, [{ output_type: "stream", name: "stdout", text: "frame 2\n" }]);

    cell.add(iopub("clear_output", { wait: true }));
    cell.add(iopub("update_display_data", { data: {}, metadata: {}, transient: { display_id: "none" } }));
    assert.equal(cell.outputs.length, 1, "an update is no new output, so the clear still waits");
    cell.add(display("frame 3"));
    assert.deepEqual(cell.outputs, [{ output_type: "display_data", data: { "text/plain": "frame 3" }, metadata: {} }]);
  });
});

describe("splitLines", () => {
  it("splits like Python's str.splitlines(True)", () => {
    assert.deepEqual(splitLines(""), []);
    assert.deepEqual(splitLines("a"), ["a"]);
    assert.deepEqual(splitLines("a\nb"), ["a\n", "b"]);
    assert.deepEqual(splitLines("a\r\nb\n"), ["a\r\n", "b\n"]);
    assert.deepEqual(splitLines("\n\nx\r"), ["\n", "\n", "x\r"]);
    assert.deepEqual(splitLines("10%\r20%\r"), ["10%\r", "20%\r"]);
  });
});

// Written as Jupyter (nbformat) writes: sorted keys, indent 1, text as lists of lines, final newline.
const JUPYTER_TEXT = `{
 "cells": [
  {
   "cell_type": "markdown",
   "id": "m1",
   "metadata": {},
   "source": [
    "# Title\\n",
    "\\n",
    "Some *text* — ünïcode"
   ]
  },
  {
   "cell_type": "code",
   "execution_count": 1,
   "id": "c1",
   "metadata": {
    "tags": [
     "x"
    ]
   },
   "outputs": [
    {
     "name": "stdout",
     "output_type": "stream",
     "text": [
      "hello\\n",
      "world\\n"
     ]
    },
    {
     "data": {
      "application/json": {
       "a": "line\\nbreak",
       "b": [
        1,
        2
       ]
      },
      "text/html": [
       "<b>x</b>\\n",
       "<i>y</i>"
      ],
      "text/plain": [
       "42"
      ]
     },
     "execution_count": 1,
     "metadata": {},
     "output_type": "execute_result"
    },
    {
     "ename": "Error",
     "evalue": "boom",
     "output_type": "error",
     "traceback": [
      "\\u001b[31mError\\u001b[0m: boom"
     ]
    }
   ],
   "source": [
    "const a = 1;\\n",
    "a + 41"
   ]
  },
  {
   "cell_type": "code",
   "execution_count": null,
   "id": "c2",
   "metadata": {},
   "outputs": [],
   "source": []
  }
 ],
 "metadata": {
  "custom": {
   "kept": true
  }
 },
 "nbformat": 4,
 "nbformat_minor": 5
}
`;

describe("notebook files", () => {
  it("round-trips a Jupyter-written notebook byte for byte", () => {
    assert.equal(serializeNotebook(parseNotebook(JUPYTER_TEXT)), JUPYTER_TEXT);
  });

  it("sorts keys and splits text like nbformat, leaving JSON mime data as it is", () => {
    const nb = parseNotebook(JUPYTER_TEXT);
    const cell = nb.cells[1] as CodeCell;
    cell.outputs = [
      { output_type: "display_data", metadata: {}, data: { "text/plain": "a\nb", "application/vnd.x+json": { z: 1, y: "p\nq" } } },
    ];
    const written = JSON.parse(serializeNotebook(nb)) as { cells: Array<{ outputs: Array<{ data: JsonObject }> }> };
    const data = written.cells[1].outputs[0].data;
    assert.deepEqual(data["text/plain"], ["a\n", "b"]);
    assert.deepEqual(data["application/vnd.x+json"], { y: "p\nq", z: 1 });
    assert.deepEqual(Object.keys(data["application/vnd.x+json"] as JsonObject), ["y", "z"]);
  });

  it("writes strings built in memory as lists of lines and keeps notebook metadata", async () => {
    const nb = parseNotebook(JUPYTER_TEXT);
    const cell = nb.cells[2] as CodeCell;
    cell.source = "let x = 1;\nx";
    cell.outputs = outputsFromIopub([stdout("one\ntwo\n")]);
    cell.execution_count = 2;
    setKernelMetadata(nb, { status: "ok", language_info: { name: "typescript", file_extension: ".ts" } });

    const dir = await mkdtemp(join(tmpdir(), "tskernel-nb-"));
    try {
      const path = join(dir, "out.ipynb");
      await writeNotebook(path, nb);
      const text = await readFile(path, "utf8");
      assert.ok(text.endsWith("}\n"));
      const raw = JSON.parse(text) as { metadata: JsonObject; cells: JsonObject[] };
      assert.deepEqual(raw.metadata, {
        custom: { kept: true },
        kernelspec: { display_name: "TypeScript (tskernel)", language: "typescript", name: "tskernel" },
        language_info: { file_extension: ".ts", name: "typescript" },
      });
      assert.deepEqual(raw.cells[2].source, ["let x = 1;\n", "x"]);
      assert.deepEqual(raw.cells[2].outputs, [{ name: "stdout", output_type: "stream", text: ["one\n", "two\n"] }]);
      assert.equal(raw.cells[2].execution_count, 2);
      // Reading it back gives the same notebook.
      assert.equal(serializeNotebook(readNotebook(path)), text);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("refuses what is not an nbformat 4 notebook, saying why", () => {
    assert.throws(() => parseNotebook("{ nope", "a.ipynb"), (e: Error) => e instanceof NotebookError && /a\.ipynb is not a notebook: not valid JSON/.test(e.message));
    assert.throws(() => parseNotebook("[]", "a.ipynb"), /expected a JSON object/);
    assert.throws(() => parseNotebook(`{"nbformat": 3, "worksheets": []}`, "a.ipynb"), /nbformat 3; tskernel reads nbformat 4/);
    assert.throws(() => parseNotebook(`{"metadata": {}}`, "a.ipynb"), /no nbformat field/);
    assert.throws(() => parseNotebook(`{"nbformat": 4, "nbformat_minor": 5, "metadata": {}}`, "a.ipynb"), /no "cells" list/);
    assert.throws(
      () => parseNotebook(`{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code"}]}`, "a.ipynb"),
      /cell 1 has no source/,
    );
    assert.throws(
      () => parseNotebook(`{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "heading", "source": ""}]}`),
      /unknown cell_type "heading"/,
    );
    assert.throws(() => readNotebook(join(tmpdir(), "does-not-exist.ipynb")), /no such file/);
  });
});
