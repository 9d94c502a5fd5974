// The stdin channel: input_request goes to the client whose execute_request asked for input, and its
// input_reply settles that request. Replies nobody waits for (late, after an interrupt) are dropped.
import { childMessage, type Message, type SessionIdentity } from "../protocol/messages.js";
import type { WireCodec } from "../protocol/wire.js";
import type { Transport } from "../transport/transport.js";
import type { Logger } from "./log.js";

interface Waiting {
  /** The execute_request that asked. */
  parentId: string;
  resolve(value: string): void;
  reject(error: Error): void;
}

export class StdinChannel {
  /** By msg_id of the input_request, oldest first. */
  private readonly waiting = new Map<string, Waiting>();

  constructor(
    private readonly transport: Transport,
    private readonly codec: WireCodec,
    private readonly who: SessionIdentity,
    private readonly log: Logger,
  ) {}

  /** Sends an input_request caused by `parent`, routed to its sender, and resolves with the reply's value. */
  ask(parent: Message, prompt: string, password: boolean): Promise<string> {
    const request = childMessage(parent, "input_request", { prompt, password }, this.who);
    return new Promise<string>((resolve, reject) => {
      this.waiting.set(request.header.msg_id, { parentId: parent.header.msg_id, resolve, reject });
      this.transport.send("stdin", this.codec.encode(request)).catch((e: Error) => {
        this.waiting.delete(request.header.msg_id);
        reject(new Error(`could not send the input request to the front end: ${e.message}`));
      });
    });
  }

  /** A message received on stdin. jupyter_client's input() sends no parent: it answers the oldest question. */
  receive(msg: Message): void {
    if (msg.header.msg_type !== "input_reply") {
      this.log.limited("stdin messages", `ignored ${msg.header.msg_type} on stdin: only input_reply is expected there`);
      return;
    }
    const parentId = (msg.parent_header as { msg_id?: unknown }).msg_id;
    const id = typeof parentId === "string" ? parentId : this.waiting.keys().next().value;
    const waiter = id === undefined ? undefined : this.waiting.get(id);
    if (!waiter) {
      this.log.limited("stdin messages", "ignored an input_reply: no input request is waiting for it (it came after the cell ended)");
      return;
    }
    this.waiting.delete(id!);
    const value = msg.content.value;
    if (typeof value === "string") waiter.resolve(value);
    else waiter.reject(new Error(`the front end answered the input request without a text value (got ${JSON.stringify(value)})`));
  }

  /** Gives up on the questions `parent` asked: its cell has ended, so their answers would reach nobody. */
  cancel(parent: Message, reason: string): void {
    for (const [id, waiter] of this.waiting) {
      if (waiter.parentId !== parent.header.msg_id) continue;
      this.waiting.delete(id);
      waiter.reject(new Error(reason));
    }
  }
}
