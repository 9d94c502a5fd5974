// What the server needs from a transport: frames in from three routers, frames out to four sockets.
export type InboundChannel = "shell" | "control" | "stdin";
export type OutboundChannel = InboundChannel | "iopub";

export interface TransportHandlers {
  message(channel: InboundChannel, frames: Buffer[]): void;
  /** A client subscribed to iopub with this topic (XPUB), so it can be sent `iopub_welcome`. */
  subscribed(topic: Buffer): void;
}

export interface Transport {
  start(handlers: TransportHandlers): Promise<void>;
  send(channel: OutboundChannel, frames: Buffer[]): Promise<void>;
  close(): Promise<void>;
}
