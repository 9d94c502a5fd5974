// Frames ⇄ messages, with HMAC signing verified on the received bytes before any parsing.
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Header, Message } from "./messages.js";

export const DELIMITER = Buffer.from("<IDS|MSG>");

export type SignatureScheme = "hmac-sha256";
export const SUPPORTED_SCHEMES: readonly string[] = ["hmac-sha256"];

export class WireError extends Error {}

/** Why a received multipart message was refused, for the single log line it gets. */
export type Rejection =
  | "no delimiter"
  | "too few frames"
  | "unsigned"
  | "bad signature"
  | "replayed"
  | "bad json"
  | "bad header";

export type DecodeResult = { ok: true; message: Message } | { ok: false; reason: Rejection };

/** Remembers recent signatures so a captured message cannot be sent again. */
class ReplayCache {
  private readonly seen = new Set<string>();
  private readonly order: string[] = [];
  constructor(private readonly capacity: number) {}

  /** Returns false when the signature was seen before; records it otherwise. */
  admit(signature: string): boolean {
    if (this.seen.has(signature)) return false;
    this.seen.add(signature);
    this.order.push(signature);
    if (this.order.length > this.capacity) {
      // Drop the oldest tenth at once so trimming stays cheap.
      for (const old of this.order.splice(0, Math.ceil(this.capacity / 10))) this.seen.delete(old);
    }
    return true;
  }
}

export class WireCodec {
  private readonly key: Buffer;
  private readonly replays = new ReplayCache(65536);

  constructor(key: string, scheme: string = "hmac-sha256") {
    if (!SUPPORTED_SCHEMES.includes(scheme)) {
      throw new WireError(
        `unsupported signature_scheme "${scheme}": tskernel signs with ${SUPPORTED_SCHEMES.join(", ")}; ` +
          `set "signature_scheme": "hmac-sha256" in the connection file`,
      );
    }
    this.key = Buffer.from(key, "utf8");
  }

  get signing(): boolean {
    return this.key.length > 0;
  }

  sign(frames: readonly Buffer[]): string {
    if (!this.signing) return "";
    const hmac = createHmac("sha256", this.key);
    for (const f of frames) hmac.update(f);
    return hmac.digest("hex");
  }

  encode(message: Message<unknown>): Buffer[] {
    const body = [
      Buffer.from(JSON.stringify(message.header)),
      Buffer.from(JSON.stringify(message.parent_header)),
      Buffer.from(JSON.stringify(message.metadata)),
      Buffer.from(JSON.stringify(message.content)),
    ];
    return [...message.identities, DELIMITER, Buffer.from(this.sign(body)), ...body, ...message.buffers];
  }

  decode(frames: readonly Buffer[]): DecodeResult {
    const at = frames.findIndex((f) => f.equals(DELIMITER));
    if (at < 0) return { ok: false, reason: "no delimiter" };
    if (frames.length < at + 6) return { ok: false, reason: "too few frames" };
    const signature = frames[at + 1].toString("ascii");
    const body = frames.slice(at + 2, at + 6);
    if (this.signing) {
      if (signature.length === 0) return { ok: false, reason: "unsigned" };
      const expected = Buffer.from(this.sign(body), "ascii");
      const given = Buffer.from(signature, "ascii");
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return { ok: false, reason: "bad signature" };
      }
      if (!this.replays.admit(signature)) return { ok: false, reason: "replayed" };
    }
    let parsed: unknown[];
    try {
      parsed = body.map((f) => JSON.parse(f.toString("utf8")) as unknown);
    } catch {
      return { ok: false, reason: "bad json" };
    }
    const [header, parent, metadata, content] = parsed;
    if (!isHeader(header) || !isObject(parent) || !isObject(metadata) || !isObject(content)) {
      return { ok: false, reason: "bad header" };
    }
    return {
      ok: true,
      message: {
        header,
        parent_header: parent as Message["parent_header"],
        metadata,
        content,
        buffers: frames.slice(at + 6),
        identities: frames.slice(0, at),
      },
    };
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isHeader(v: unknown): v is Header {
  return isObject(v) && typeof v.msg_id === "string" && typeof v.msg_type === "string" && v.msg_type.length > 0;
}
