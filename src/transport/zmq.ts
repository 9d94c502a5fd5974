// The five Jupyter sockets over ZeroMQ. Runs on the main thread, which never runs user code.
import * as zmq from "zeromq";
import { SendQueue } from "./send-queue.js";
import { endpoint, type ConnectionInfo } from "../protocol/connection.js";
import type { InboundChannel, OutboundChannel, Transport, TransportHandlers } from "./transport.js";

export class ZmqTransport implements Transport {
  private readonly routers: Record<InboundChannel, zmq.Router>;
  private readonly iopub = new zmq.XPublisher({ verbosity: "allSubs", sendHighWaterMark: 100_000 });
  private readonly heartbeat = new zmq.Reply();
  private readonly queues: Record<OutboundChannel, SendQueue>;
  private closed = false;

  constructor(private readonly info: ConnectionInfo) {
    this.routers = {
      shell: new zmq.Router({ linger: 1000 }),
      control: new zmq.Router({ linger: 1000 }),
      stdin: new zmq.Router({ linger: 1000 }),
    };
    this.iopub.linger = 1000;
    this.queues = {
      shell: new SendQueue(this.routers.shell),
      control: new SendQueue(this.routers.control),
      stdin: new SendQueue(this.routers.stdin),
      iopub: new SendQueue(this.iopub),
    };
  }

  async start(handlers: TransportHandlers): Promise<void> {
    await Promise.all([
      this.routers.shell.bind(endpoint(this.info, "shell")),
      this.routers.control.bind(endpoint(this.info, "control")),
      this.routers.stdin.bind(endpoint(this.info, "stdin")),
      this.iopub.bind(endpoint(this.info, "iopub")),
      this.heartbeat.bind(endpoint(this.info, "hb")),
    ]);
    for (const channel of ["shell", "control", "stdin"] as const) void this.receive(channel, handlers);
    void this.receiveSubscriptions(handlers);
    void this.echoHeartbeats();
  }

  send(channel: OutboundChannel, frames: Buffer[]): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.queues[channel].send(frames);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.race([
      Promise.all(Object.values(this.queues).map((q) => q.drain())),
      new Promise((r) => setTimeout(r, 500)),
    ]);
    this.closed = true;
    for (const s of [...Object.values(this.routers), this.iopub, this.heartbeat]) s.close();
  }

  private async receive(channel: InboundChannel, handlers: TransportHandlers): Promise<void> {
    try {
      for await (const frames of this.routers[channel]) handlers.message(channel, frames);
    } catch (e) {
      if (!this.closed) process.stderr.write(`[tskernel] ${channel} socket stopped: ${(e as Error).message}\n`);
    }
  }

  private async receiveSubscriptions(handlers: TransportHandlers): Promise<void> {
    try {
      for await (const [event] of this.iopub) {
        // XPUB delivers subscriptions as a frame whose first byte is 1 (subscribe) or 0 (unsubscribe).
        if (event.length > 0 && event[0] === 1) handlers.subscribed(event.subarray(1));
      }
    } catch (e) {
      if (!this.closed) process.stderr.write(`[tskernel] iopub socket stopped: ${(e as Error).message}\n`);
    }
  }

  private async echoHeartbeats(): Promise<void> {
    try {
      for await (const frames of this.heartbeat) await this.heartbeat.send(frames);
    } catch (e) {
      if (!this.closed) process.stderr.write(`[tskernel] heartbeat socket stopped: ${(e as Error).message}\n`);
    }
  }
}
