// A single-producer, single-consumer byte ring in shared memory. The engine worker writes its output
// records here without needing its own event loop, so what a synchronous loop prints reaches the main
// thread (which drains the ring) while the loop still runs.
//
// Record: cell (4 bytes), stream (1 byte), length (4 bytes), then that many bytes of UTF-8.
// Positions are byte counters modulo 2^31; the capacity is a power of two, so they map onto it.

const WRITTEN = 0;
const READ = 1;
const NUDGE = 2;
const CONTROL_BYTES = 16;
const HEADER = 9;
const POSITION_MASK = 0x7fffffff;

export interface StreamRecord {
  cell: number;
  name: "stdout" | "stderr";
  text: string;
}

export class StreamRing {
  private readonly control: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly capacity: number;
  private readonly mask: number;
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder();
  /** Where drain gathers payloads: a drain never holds more than the ring does. */
  private readonly scratch: Uint8Array;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.control = new Int32Array(buffer, 0, 4);
    this.bytes = new Uint8Array(buffer, CONTROL_BYTES);
    this.capacity = this.bytes.length;
    this.mask = this.capacity - 1;
    if ((this.capacity & this.mask) !== 0) throw new Error("the ring's capacity must be a power of two");
    this.scratch = new Uint8Array(this.capacity);
  }

  static create(capacity = 1 << 20): StreamRing {
    return new StreamRing(new SharedArrayBuffer(CONTROL_BYTES + capacity));
  }

  /** Largest text chunk (in UTF-16 units) whose record always fits: 3 bytes per unit at most. */
  get maxChunk(): number {
    return Math.floor((this.capacity / 2 - HEADER) / 3);
  }

  /** Marks that the reader has been told there is data; true if it had not been told yet. */
  claimNudge(): boolean {
    return Atomics.compareExchange(this.control, NUDGE, 0, 1) === 0;
  }

  /**
   * Appends one record; false when there is no room for it now (the caller waits for a drain).
   * `text` must be at most maxChunk units long.
   */
  tryWrite(cell: number, name: "stdout" | "stderr", text: string): boolean {
    const written = Atomics.load(this.control, WRITTEN);
    const free = this.capacity - ((written - Atomics.load(this.control, READ)) & POSITION_MASK);
    const payloadAt = (written + HEADER) & this.mask;
    let length: number;
    if (free >= HEADER + text.length * 3 && payloadAt + text.length * 3 <= this.capacity) {
      length = this.encoder.encodeInto(text, this.bytes.subarray(payloadAt)).written;
    } else {
      const encoded = this.encoder.encode(text);
      if (free < HEADER + encoded.length) return false;
      length = encoded.length;
      this.copyIn(payloadAt, encoded);
    }
    this.putUint32(written, cell >>> 0);
    this.bytes[(written + 4) & this.mask] = name === "stdout" ? 1 : 2;
    this.putUint32(written + 5, length);
    // Publishing the new position is what makes the whole record visible to the reader at once.
    Atomics.store(this.control, WRITTEN, (written + HEADER + length) & POSITION_MASK);
    return true;
  }

  /** Takes every record written so far, merging consecutive ones of the same cell and stream. */
  drain(): StreamRecord[] {
    Atomics.store(this.control, NUDGE, 0);
    const written = Atomics.load(this.control, WRITTEN);
    let read = Atomics.load(this.control, READ);
    const records: StreamRecord[] = [];
    // Payloads of one run are gathered in the scratch buffer (no allocation per record), decoded once.
    let gathered = 0;
    let runCell = -1;
    let runName: "stdout" | "stderr" = "stdout";
    const endRun = () => {
      if (runCell >= 0) records.push({ cell: runCell, name: runName, text: this.decoder.decode(this.scratch.subarray(0, gathered)) });
      gathered = 0;
    };
    while (read !== written) {
      const cell = this.getUint32(read);
      const name = this.bytes[(read + 4) & this.mask] === 1 ? "stdout" : "stderr";
      const length = this.getUint32(read + 5);
      if (cell !== runCell || name !== runName) {
        endRun();
        runCell = cell;
        runName = name;
      }
      const start = (read + HEADER) & this.mask;
      for (let i = 0; i < length; i++) this.scratch[gathered + i] = this.bytes[(start + i) & this.mask];
      gathered += length;
      read = (read + HEADER + length) & POSITION_MASK;
    }
    endRun();
    Atomics.store(this.control, READ, read);
    Atomics.notify(this.control, NUDGE);
    return records;
  }

  /** Blocks the writer (a worker thread may wait) until the reader drains, at most `ms`. */
  waitForRoom(ms: number): void {
    Atomics.wait(this.control, NUDGE, 1, ms);
  }

  private putUint32(at: number, value: number): void {
    for (let i = 0; i < 4; i++) this.bytes[(at + i) & this.mask] = (value >>> (24 - 8 * i)) & 0xff;
  }

  private getUint32(at: number): number {
    let v = 0;
    for (let i = 0; i < 4; i++) v = (v << 8) | this.bytes[(at + i) & this.mask];
    return v >>> 0;
  }

  private copyIn(start: number, data: Uint8Array): void {
    const first = Math.min(data.length, this.capacity - start);
    this.bytes.set(data.subarray(0, first), start);
    if (first < data.length) this.bytes.set(data.subarray(first), 0);
  }
}
