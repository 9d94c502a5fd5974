// zeromq.js allows one send in flight per socket; a promise chain keeps sends ordered and never overlapping.
import type * as zmq from "zeromq";

export class SendQueue {
  private tail: Promise<void> = Promise.resolve();
  constructor(private readonly socket: zmq.Writable) {}

  send(frames: Buffer[]): Promise<void> {
    const next = this.tail.then(() => this.socket.send(frames));
    this.tail = next.catch(() => undefined);
    return next;
  }

  /** Settles once every send queued so far has been handed to zeromq (or failed). */
  drain(): Promise<void> {
    return this.tail;
  }
}
