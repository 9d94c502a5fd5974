// PNG and JPEG images for display: bytes from a Buffer, a Uint8Array or a file, checked to be the format
// they are shown as (a front end shows a broken image otherwise), base64-encoded for the bundle.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describeType } from "./bundle.js";

export type ImageFormat = "png" | "jpeg";

const SIGNATURES: Record<ImageFormat, number[]> = {
  png: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
  jpeg: [0xff, 0xd8, 0xff],
};

function formatOf(bytes: Uint8Array): ImageFormat | undefined {
  return (Object.keys(SIGNATURES) as ImageFormat[]).find((f) => SIGNATURES[f].every((b, i) => bytes[i] === b));
}

/** `source` read as bytes; a path is resolved from `baseDir` (the notebook's directory). */
function bytesOf(source: unknown, who: string, baseDir: string): Uint8Array {
  if (source instanceof Uint8Array) return source;
  if (typeof source !== "string") {
    throw new TypeError(`${who} expects a Buffer, a Uint8Array or the path of an image file; got ${describeType(source)}`);
  }
  const path = resolve(baseDir, source);
  try {
    return readFileSync(path);
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message;
    throw new Error(`${who}: cannot read the image file "${source}" (${path}): ${reason}. Pass the path of an existing file (relative paths start at the notebook's directory), or the image's bytes as a Buffer or Uint8Array`);
  }
}

/** The image's bytes in base64, after checking that they are a `format` image. */
export function imageData(source: unknown, format: ImageFormat, who: string, baseDir: string): string {
  const bytes = bytesOf(source, who, baseDir);
  const actual = formatOf(bytes);
  if (actual !== format) {
    const hint = actual ? `; it is a ${actual.toUpperCase()} image: use display.${actual}` : "";
    throw new TypeError(`${who}: the data is not a ${format.toUpperCase()} image (it does not start with the ${format.toUpperCase()} signature)${hint}`);
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/** Jupyter's image metadata (`{ "image/png": { width, height } }`), from optional display options. */
export function imageMetadata(mime: string, options: { width?: unknown; height?: unknown }, who: string): Record<string, unknown> {
  const size: Record<string, number> = {};
  for (const key of ["width", "height"] as const) {
    const v = options[key];
    if (v === undefined) continue;
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) throw new TypeError(`${who}: ${key} must be a positive number of pixels; got ${describeType(v)}`);
    size[key] = v;
  }
  return Object.keys(size).length > 0 ? { [mime]: size } : {};
}
