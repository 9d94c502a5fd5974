// An in-memory transport: the server's twin of the zeromq sockets, for tests without sockets.
import type { InboundChannel, OutboundChannel, Transport, TransportHandlers } from "./transport.js";

export class MemoryTransport implements Transport {
  private handlers: TransportHandlers | undefined;
  private readonly listeners = new Set<(channel: OutboundChannel, frames: Buffer[]) => void>();

  async start(handlers: TransportHandlers): Promise<void> {
    this.handlers = handlers;
  }

  async send(channel: OutboundChannel, frames: Buffer[]): Promise<void> {
    for (const l of this.listeners) l(channel, frames);
  }

  async close(): Promise<void> {
    this.handlers = undefined;
  }

  /** Client side: deliver frames to the server as if they came from a socket. */
  deliver(channel: InboundChannel, frames: Buffer[]): void {
    if (!this.handlers) throw new Error("transport not started");
    this.handlers.message(channel, frames);
  }

  subscribe(topic = ""): void {
    this.handlers?.subscribed(Buffer.from(topic));
  }

  /** Client side: observe every frame the server sends. */
  onSend(listener: (channel: OutboundChannel, frames: Buffer[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
