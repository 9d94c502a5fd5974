// Malformed multipart messages for the wire-fault tests, chosen by a seeded PRNG so that a failure
// reproduces from the seed and the message's index. Each message says what the kernel must do with it.
import { randomUUID } from "node:crypto";
import { DELIMITER, WireCodec } from "../../src/protocol/wire.js";
import { makeHeader, newSession, type Header } from "../../src/protocol/messages.js";

export type Channel = "shell" | "control";

/**
 * What the kernel must answer: `none` (dropped by the codec, so logged as a dropped message),
 * `ignored` (decoded but of a type the channel does not handle: logged, no reply),
 * `unanswered` (a comm message, which never gets a reply, even when malformed),
 * `error` (one reply with status "error"), `reply` (one reply, any status).
 */
export type Expected = "none" | "ignored" | "unanswered" | "error" | "reply";

export interface Malformed {
  index: number;
  /** The family of fault, and which one of it: for counts and failure messages. */
  kind: string;
  detail?: string;
  channel: Channel;
  frames: Buffer[];
  /** The header's msg_id, when it has a well-formed one: the parent id of any reply. */
  msgId?: string;
  expected: Expected;
}

/** mulberry32: small, fast and good enough to pick test cases reproducibly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Content that breaks a type rule of a request the channel handles: the kernel answers with an error. */
const WRONG_TYPES: ReadonlyArray<[Channel, string, Record<string, unknown>]> = [
  ["shell", "execute_request", { code: 42 }],
  ["shell", "execute_request", { code: ["1+1"] }],
  ["shell", "execute_request", { code: { text: "1" } }],
  ["shell", "execute_request", { code: "", silent: "yes" }],
  ["shell", "execute_request", { code: "", store_history: 1 }],
  ["shell", "execute_request", { code: "", user_expressions: "x" }],
  ["shell", "execute_request", { code: "", user_expressions: [1, 2] }],
  ["shell", "execute_request", { code: "", user_expressions: { a: 5 } }],
  ["shell", "execute_request", { code: "", allow_stdin: "no" }],
  ["shell", "execute_request", { code: "", stop_on_error: 0 }],
  ["shell", "complete_request", { code: 5, cursor_pos: 1 }],
  ["shell", "complete_request", { code: "Math.", cursor_pos: "5" }],
  ["shell", "inspect_request", { code: [], cursor_pos: 0 }],
  ["shell", "inspect_request", { code: "Math", cursor_pos: 2, detail_level: "high" }],
  ["shell", "is_complete_request", { code: 7 }],
  ["shell", "history_request", { hist_access_type: 5 }],
  ["shell", "history_request", { hist_access_type: "tail", n: "ten" }],
  ["shell", "history_request", { hist_access_type: "search", pattern: 3 }],
  ["shell", "history_request", { hist_access_type: "range", start: "a", stop: [] }],
  ["shell", "history_request", { hist_access_type: "tail", output: "yes" }],
  ["shell", "history_request", { hist_access_type: "search", pattern: "*", unique: 1 }],
];

/** Odd but well-typed content: the kernel answers, whatever the status. */
const ODD_CONTENT: ReadonlyArray<[Channel, string, Record<string, unknown>]> = [
  ["shell", "kernel_info_request", { junk: [1, { deep: null }] }],
  ["control", "kernel_info_request", { junk: "x" }],
  ["shell", "complete_request", { code: "Math.", cursor_pos: -5 }],
  ["shell", "complete_request", { code: "Ma", cursor_pos: 1e300 }],
  ["shell", "complete_request", { code: "Math.ab", cursor_pos: 2.5 }],
  ["shell", "inspect_request", { code: "Math", cursor_pos: 1e9, detail_level: -3 }],
  ["shell", "is_complete_request", { code: "{".repeat(500) }],
  ["shell", "history_request", { hist_access_type: "range", session: -7, start: 1e308 }],
  ["shell", "history_request", { hist_access_type: "search", pattern: "*(*[*", n: -3 }],
  ["shell", "history_request", { hist_access_type: "nonsense" }],
  ["shell", "comm_info_request", { target_name: 5 }],
  ["control", "interrupt_request", { please: true }],
];

/** Comm messages with content of the wrong shape: logged at most, never answered. */
const BAD_COMMS: ReadonlyArray<[Channel, string, Record<string, unknown>]> = [
  ["shell", "comm_open", { comm_id: 5, target_name: {} }],
  ["shell", "comm_open", { target_name: "jupyter.widget" }],
  ["shell", "comm_msg", { comm_id: null, data: "x" }],
  ["shell", "comm_close", { comm_id: [] }],
];

/** Types a channel does not handle, including names that exist on every JavaScript object. */
const UNKNOWN_TYPES: ReadonlyArray<[Channel, string]> = [
  ["shell", "constructor"],
  ["shell", "toString"],
  ["shell", "__proto__"],
  ["shell", "hasOwnProperty"],
  ["control", "valueOf"],
  ["control", "constructor"],
  ["control", "execute_request"],
  ["shell", "shutdown_request"],
  ["shell", "interrupt_request"],
  ["shell", "debug_request"],
  ["shell", "_reply"],
  ["control", "comm_open"],
];

type Generated = Omit<Malformed, "index">;

export class MalformedMessages {
  private readonly random: () => number;
  private readonly codec: WireCodec;
  private readonly who = newSession("fuzzer");
  private index = 0;
  /** The last well-formed message, for replays: sent again on its own channel, so it cannot arrive first. */
  private lastValid: { channel: Channel; frames: Buffer[] } | undefined;

  constructor(seed: number, key: string) {
    this.random = seededRandom(seed);
    this.codec = new WireCodec(key);
  }

  next(): Malformed {
    const index = this.index++;
    const made = this.pick<Generated>([
      [4, () => this.noDelimiter()],
      [4, () => this.tooFewFrames()],
      [8, () => this.unsigned()],
      [10, () => this.badSignature()],
      [4, () => this.replayed()],
      [10, () => this.badJson()],
      [10, () => this.badHeader()],
      [12, () => this.wrongTypes()],
      [8, () => this.oddContent()],
      [10, () => this.unknownType()],
      [3, () => this.fromTable("bad comm", BAD_COMMS, "unanswered")],
      [8, () => this.nonUtf8()],
      [4, () => this.extraIdentities()],
      [1, () => this.huge()],
    ]);
    return { index, ...made };
  }

  /** A plain kernel_info_request, signed: every one must be answered. */
  probe(channel: Channel): Malformed {
    const header = this.header("kernel_info_request");
    const frames = this.signed([header, {}, {}, {}]);
    this.lastValid = { channel, frames };
    return { index: this.index++, kind: "probe", channel, frames, msgId: header.msg_id, expected: "reply" };
  }

  private pick<T>(choices: ReadonlyArray<[number, () => T]>): T {
    const total = choices.reduce((s, [w]) => s + w, 0);
    let r = this.random() * total;
    for (const [w, f] of choices) {
      r -= w;
      if (r < 0) return f();
    }
    return choices[choices.length - 1][1]();
  }

  private int(n: number): number {
    return Math.floor(this.random() * n);
  }

  private channel(): Channel {
    return this.random() < 0.5 ? "shell" : "control";
  }

  private bytes(max: number): Buffer {
    const b = Buffer.alloc(this.int(max + 1));
    for (let i = 0; i < b.length; i++) b[i] = this.int(256);
    return b;
  }

  private header(msgType: string): Header {
    return { ...makeHeader(msgType, this.who), msg_id: randomUUID() };
  }

  private json(value: unknown): Buffer {
    return Buffer.from(JSON.stringify(value));
  }

  /** Delimiter, signature over the four body frames, the body. */
  private signed(body: Array<unknown | Buffer>): Buffer[] {
    const frames = body.map((b) => (Buffer.isBuffer(b) ? b : this.json(b)));
    return [DELIMITER, Buffer.from(this.codec.sign(frames)), ...frames];
  }

  private noDelimiter(): Generated {
    const frames = Array.from({ length: 1 + this.int(6) }, () => this.bytes(200));
    return { kind: "no delimiter", channel: this.channel(), frames, expected: "none" };
  }

  private tooFewFrames(): Generated {
    const frames = [DELIMITER, ...Array.from({ length: this.int(5) }, () => this.bytes(100))];
    return { kind: "too few frames", channel: this.channel(), frames, expected: "none" };
  }

  private unsigned(): Generated {
    const header = this.header(this.random() < 0.5 ? "kernel_info_request" : "execute_request");
    const frames = this.signed([header, {}, {}, { code: "globalThis.unsignedRan = true" }]);
    frames[1] = Buffer.alloc(0);
    return { kind: "unsigned", channel: this.channel(), frames, msgId: header.msg_id, expected: "none" };
  }

  private badSignature(): Generated {
    const header = this.header("kernel_info_request");
    const frames = this.signed([header, {}, {}, {}]);
    const good = frames[1].toString("ascii");
    const forgeries = [
      () => Buffer.from(Array.from({ length: 64 }, () => "0123456789abcdef"[this.int(16)]).join("")),
      () => Buffer.from(good.toUpperCase()),
      () => Buffer.from(good.slice(0, 63)),
      () => Buffer.from(good + "0"),
      () => Buffer.from(new WireCodec("not-the-key").sign(frames.slice(2))),
      () => this.bytes(64),
    ];
    frames[1] = forgeries[this.int(forgeries.length)]();
    return { kind: "bad signature", channel: this.channel(), frames, msgId: header.msg_id, expected: "none" };
  }

  private replayed(): Generated {
    if (!this.lastValid) return this.badSignature();
    return { kind: "replayed", channel: this.lastValid.channel, frames: [...this.lastValid.frames], expected: "none" };
  }

  private badJson(): Generated {
    const garbage = [
      () => Buffer.from("{"),
      () => Buffer.from(""),
      () => Buffer.from("NaN"),
      () => Buffer.from('{"msg_id": "x", '),
      () => Buffer.from("[1, 2,]"),
      () => this.bytes(80),
    ];
    const body: Array<unknown | Buffer> = [this.header("kernel_info_request"), {}, {}, {}];
    body[this.int(4)] = garbage[this.int(garbage.length)]();
    return { kind: "bad json", channel: this.channel(), frames: this.signed(body), expected: "none" };
  }

  private badHeader(): Generated {
    const { msg_id: _, ...noId } = this.header("kernel_info_request");
    const { msg_type: __, ...noType } = this.header("kernel_info_request");
    const headers: unknown[] = [
      [],
      null,
      7,
      "kernel_info_request",
      {},
      noId,
      noType,
      { ...this.header("x"), msg_type: 5 },
      { ...this.header("x"), msg_type: "" },
      { ...this.header("x"), msg_id: 12 },
    ];
    const body: unknown[] = [headers[this.int(headers.length)], {}, {}, {}];
    if (this.random() < 0.3) {
      body[0] = this.header("kernel_info_request");
      body[1 + this.int(3)] = [null, [], 3, "s"][this.int(4)];
    }
    return { kind: "bad header", channel: this.channel(), frames: this.signed(body), expected: "none" };
  }

  private fromTable(kind: string, table: ReadonlyArray<[Channel, string, Record<string, unknown>]>, expected: Expected): Generated {
    const [channel, type, content] = table[this.int(table.length)];
    const header = this.header(type);
    const frames = this.signed([header, {}, {}, content]);
    this.lastValid = { channel, frames };
    return { kind, detail: `${type} ${JSON.stringify(content).slice(0, 60)}`, channel, frames, msgId: header.msg_id, expected };
  }

  private wrongTypes(): Generated {
    return this.fromTable("wrong types", WRONG_TYPES, "error");
  }

  private oddContent(): Generated {
    return this.fromTable("odd content", ODD_CONTENT, "reply");
  }

  private unknownType(): Generated {
    const [channel, type] =
      this.random() < 0.5 ? UNKNOWN_TYPES[this.int(UNKNOWN_TYPES.length)] : [this.channel(), `made_up_${this.int(1000)}_request`];
    const header = this.header(type);
    return { kind: "unknown type", detail: type, channel, frames: this.signed([header, {}, {}, {}]), msgId: header.msg_id, expected: "ignored" };
  }

  /** Invalid UTF-8 inside JSON strings: in an unknown type's name, or in the code of an is_complete_request. */
  private nonUtf8(): Generated {
    const bad = Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xe2, 0x82]);
    const channel = this.channel();
    if (this.random() < 0.5) {
      const header = this.header("PLACEHOLDER");
      const [before, after] = JSON.stringify(header).split("PLACEHOLDER");
      const headerFrame = Buffer.concat([Buffer.from(before), bad, Buffer.from(after)]);
      return { kind: "non-UTF-8 msg_type", channel, frames: this.signed([headerFrame, {}, {}, {}]), msgId: header.msg_id, expected: "ignored" };
    }
    const header = this.header(channel === "shell" ? "is_complete_request" : "kernel_info_request");
    const content = Buffer.concat([Buffer.from('{"code": "let x = '), bad, Buffer.from('"}')]);
    return { kind: "non-UTF-8 content", channel, frames: this.signed([header, {}, {}, content]), msgId: header.msg_id, expected: "reply" };
  }

  /** Extra frames before the delimiter: the kernel takes them for routing identities and still answers. */
  private extraIdentities(): Generated {
    const header = this.header("kernel_info_request");
    const frames = [...Array.from({ length: 1 + this.int(3) }, () => Buffer.from(`hop-${this.int(100)}`)), ...this.signed([header, {}, {}, {}])];
    return { kind: "extra identities", channel: this.channel(), frames, msgId: header.msg_id, expected: "reply" };
  }

  /** A frame of several MB: signed (answered), unsigned (dropped) or without a delimiter (dropped). */
  private huge(): Generated {
    const size = (2 + this.int(5)) * 1024 * 1024;
    const header = this.header("kernel_info_request");
    const frames = this.signed([header, {}, {}, { padding: "p".repeat(size) }]);
    const variant = this.int(3);
    if (variant === 0) return { kind: "huge, signed", channel: this.channel(), frames, msgId: header.msg_id, expected: "reply" };
    if (variant === 1) {
      frames[1] = Buffer.from("0".repeat(64));
      return { kind: "huge, forged", channel: this.channel(), frames, msgId: header.msg_id, expected: "none" };
    }
    return { kind: "huge, no delimiter", channel: this.channel(), frames: [Buffer.alloc(size, 0x7b)], expected: "none" };
  }
}
