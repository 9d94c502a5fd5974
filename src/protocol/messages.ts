// Jupyter message shapes, independent of any socket.
import { randomUUID } from "node:crypto";

export const PROTOCOL_VERSION = "5.4";

export type Channel = "shell" | "control" | "iopub" | "stdin";

export interface Header {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
  [extra: string]: unknown;
}

export type JsonObject = Record<string, unknown>;

export interface Message<C = JsonObject> {
  header: Header;
  /** A parent header, or `{}` when the message has no parent. */
  parent_header: Header | Record<string, never>;
  metadata: JsonObject;
  content: C;
  buffers: Buffer[];
  /** ZeroMQ routing identities of the client that sent the request. */
  identities: Buffer[];
}

export interface SessionIdentity {
  session: string;
  username: string;
}

export function newSession(username = "kernel"): SessionIdentity {
  return { session: randomUUID(), username };
}

export function makeHeader(msgType: string, who: SessionIdentity): Header {
  return {
    msg_id: randomUUID(),
    session: who.session,
    username: who.username,
    date: new Date().toISOString(),
    msg_type: msgType,
    version: PROTOCOL_VERSION,
  };
}

/** A message caused by `parent`: it carries the parent's header and is routed back to its sender. */
export function childMessage<C>(
  parent: Message<unknown> | undefined,
  msgType: string,
  content: C,
  who: SessionIdentity,
  metadata: JsonObject = {},
): Message<C> {
  return {
    header: makeHeader(msgType, who),
    parent_header: parent ? parent.header : {},
    metadata,
    content,
    buffers: [],
    identities: parent ? parent.identities : [],
  };
}

/** The reply type of a request type: `execute_request` → `execute_reply`. */
export function replyType(requestType: string): string {
  return requestType.replace(/_request$/, "_reply");
}
