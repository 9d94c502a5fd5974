// The pure parts of display: bundle checks, the records table and its caps, text elision, images.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkBundle, checkMetadata } from "../../src/display/bundle.js";
import { recordsTable, TABLE_COLUMN_CAP, TABLE_ROW_CAP } from "../../src/display/records-table.js";
import { elide, HEX_DUMP_CAP, plainText } from "../../src/display/plain-text.js";
import { imageData, imageMetadata } from "../../src/display/image.js";
import { FormatterRegistry } from "../../src/display/registry.js";

test("a bundle keeps strings, turns JSON types into plain JSON, and rejects what the wire cannot carry", () => {
  const data = checkBundle({ "text/plain": "x", "application/vnd.custom+json": { when: new Date(0), skip: undefined } }, "t");
  assert.deepEqual(data, { "text/plain": "x", "application/vnd.custom+json": { when: "1970-01-01T00:00:00.000Z" } });
  assert.throws(() => checkBundle({ "application/json": { n: 1n } }, "t"), /cannot be converted to JSON/);
  assert.throws(() => checkBundle({ "text/plain": ["a"] }, "t"), /must be a string/);
  assert.throws(() => checkBundle([], "t"), /expected a MIME bundle.*got an array/);
  assert.throws(() => checkMetadata("wide", "t"), /metadata must be an object/);
});

test("the records table caps rows and columns and says what it left out", () => {
  const rows = Array.from({ length: TABLE_ROW_CAP + 5 }, (_, i) => ({ i }));
  const html = recordsTable(rows) ?? "";
  assert.equal(html.match(/<tr>/g)?.length, TABLE_ROW_CAP + 1, "header and capped rows");
  assert.match(html, /5 more items not shown/);
  const wide = Object.fromEntries(Array.from({ length: TABLE_COLUMN_CAP + 1 }, (_, i) => [`c${i}`, i]));
  assert.match(recordsTable([wide]) ?? "", /1 more column not shown/);
  assert.equal(recordsTable([]), undefined);
  assert.equal(recordsTable([{}]), undefined, "records with no fields");
  assert.equal(recordsTable([{ a: 1 }, new Map()]), undefined, "a non-record among the rows");
  assert.match(recordsTable([{ big: 12n, none: null }]) ?? "", /<td>12n<\/td><td>null<\/td>/);
});

test("text is elided at the cap, at a line end when one is near, with the sizes said", () => {
  assert.equal(elide("short", 10), "short");
  const lines = Array.from({ length: 100 }, (_, i) => `line ${i}`).join("\n");
  const cut = elide(lines, 500);
  const [kept, note] = cut.split("\n… ");
  assert.ok(kept.length <= 500 && kept.length > 450);
  assert.ok(lines.startsWith(kept) && lines[kept.length] === "\n", "cut at a line end");
  assert.equal(note, `[${lines.length - kept.length} more characters elided: the text of this value is ${lines.length} characters, more than the 500 shown; show a part of it instead]`);
});

test("a long Buffer's hex dump stops at its cap and counts the rest", () => {
  const text = plainText(Buffer.alloc(HEX_DUMP_CAP + 100));
  assert.equal(text.split("\n").length, 1 + HEX_DUMP_CAP / 16 + 1);
  assert.match(text, /… 100 more bytes$/);
});

test("images: bytes or a file, checked against their format; width and height become metadata", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsk-image-"));
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2]);
  writeFileSync(join(dir, "a.png"), png);
  assert.equal(imageData("a.png", "png", "display.png", dir), png.toString("base64"));
  assert.equal(imageData(new Uint8Array(png.buffer, png.byteOffset, png.length), "png", "display.png", dir), png.toString("base64"));
  assert.throws(() => imageData("a.png", "jpeg", "display.jpeg", dir), /not a JPEG image.*it is a PNG image: use display\.png/);
  assert.throws(() => imageData("b.png", "png", "display.png", dir), /cannot read the image file "b\.png" \(.*b\.png\): no such file/);
  assert.deepEqual(imageMetadata("image/png", { width: 10 }, "display.png"), { "image/png": { width: 10 } });
  assert.deepEqual(imageMetadata("image/png", {}, "display.png"), {});
  assert.throws(() => imageMetadata("image/png", { height: -1 }, "display.png"), /height must be a positive number/);
});

test("the registry finds the nearest registered class of a value", () => {
  class Base {}
  class Derived extends Base {}
  const registry = new FormatterRegistry();
  const base = () => ({ "text/plain": "base" });
  const derived = () => ({ "text/plain": "derived" });
  registry.register(Base, base);
  assert.equal(registry.find(new Derived())?.render, base);
  registry.register(Derived, derived);
  assert.equal(registry.find(new Derived())?.render, derived);
  assert.equal(registry.find(new Base())?.render, base);
  assert.equal(registry.unregister(Derived), true);
  assert.equal(registry.unregister(Derived), false);
  assert.equal(registry.find({}), undefined);
  assert.throws(() => registry.register(Base, "no" as never), /expects a function/);
});
