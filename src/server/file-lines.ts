// Reading a growing line-oriented file in chunks, forwards or backwards, as raw bytes per line.
// Only lines that end in "\n" are complete: a last line without one may still be being written.
import type { FileHandle } from "node:fs/promises";

const CHUNK = 256 * 1024;
const NEWLINE = 0x0a;

/** Up to `length` bytes from `position`: fewer only at the end of the file. */
export async function readAt(file: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await file.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

/**
 * Visits each complete line between byte offsets `from` and `to`, oldest first, with the offset it
 * starts at; with `containing`, only the lines that contain those bytes, found without looking at the
 * others line by line. Returns the offset just after the last complete line: where a later call resumes.
 */
export async function forEachLine(
  file: FileHandle,
  from: number,
  to: number,
  visit: (line: Buffer, offset: number) => void,
  containing?: Buffer,
): Promise<number> {
  let carry: Buffer = Buffer.alloc(0);
  let carryOffset = from;
  for (let position = from; position < to; ) {
    const chunk = await readAt(file, position, Math.min(CHUNK, to - position));
    if (chunk.length === 0) break;
    position += chunk.length;
    const data = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    const complete = data.lastIndexOf(NEWLINE) + 1;
    if (containing) {
      for (let at = data.indexOf(containing); at !== -1 && at < complete; ) {
        const start = data.lastIndexOf(NEWLINE, at) + 1;
        const end = data.indexOf(NEWLINE, at);
        visit(data.subarray(start, end), carryOffset + start);
        at = data.indexOf(containing, end + 1);
      }
    } else {
      for (let start = 0, nl = data.indexOf(NEWLINE); nl !== -1; start = nl + 1, nl = data.indexOf(NEWLINE, start)) {
        visit(data.subarray(start, nl), carryOffset + start);
      }
    }
    carry = data.subarray(complete);
    carryOffset += complete;
  }
  return carryOffset;
}

/**
 * Visits each complete line before byte offset `end`, newest first, until `visit` returns true.
 * The work is bounded by how far back the caller reads, not by the size of the file.
 */
export async function forEachLineBackward(file: FileHandle, end: number, visit: (line: Buffer) => boolean): Promise<void> {
  // The bytes of the line being assembled, whose start lies in a chunk not read yet.
  let carry: Buffer = Buffer.alloc(0);
  let sawNewline = false;
  for (let position = end; position > 0; ) {
    const length = Math.min(CHUNK, position);
    position -= length;
    const data = Buffer.concat([await readAt(file, position, length), carry]);
    let lineEnd = data.length;
    if (!sawNewline) {
      // Whatever follows the last newline is a line still being written: not ours to read.
      lineEnd = data.lastIndexOf(NEWLINE);
      if (lineEnd === -1) {
        carry = Buffer.alloc(0);
        continue;
      }
      sawNewline = true;
    }
    for (let nl = lineEnd === 0 ? -1 : data.lastIndexOf(NEWLINE, lineEnd - 1); nl !== -1; nl = lineEnd === 0 ? -1 : data.lastIndexOf(NEWLINE, lineEnd - 1)) {
      if (visit(data.subarray(nl + 1, lineEnd))) return;
      lineEnd = nl;
    }
    carry = data.subarray(0, lineEnd);
  }
  if (sawNewline) visit(carry);
}
