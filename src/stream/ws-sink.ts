import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { StreamSink } from './stream-hub.ts';
import type { StreamMessage } from './stream-message.ts';

/** WebSocket close codes (4000-4999 are the application's own). */
export const WS_CLOSE = { slow_consumer: 4008, shutdown: 1001 } as const;

/** A WebSocket: one text frame per message (the same JSON as SSE's data); heartbeats are pings. */
export class WsSink implements StreamSink {
  private answered = true;

  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Socket,
  ) {
    ws.on('pong', () => {
      this.answered = true;
    });
  }

  send(message: StreamMessage): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(message.json);
  }

  bufferedBytes(): number {
    return this.ws.bufferedAmount + this.socket.writableLength;
  }

  onceDrained(fn: () => void): void {
    if (this.bufferedBytes() === 0 || this.socket.destroyed) {
      queueMicrotask(fn);
      return;
    }
    const done = () => {
      this.socket.off('drain', done);
      this.socket.off('close', done);
      fn();
    };
    this.socket.on('drain', done);
    this.socket.on('close', done);
  }

  heartbeat(): boolean {
    if (!this.answered) return false;
    this.answered = false;
    this.ws.ping();
    return true;
  }

  close(message: StreamMessage | undefined): void {
    if (message === undefined) {
      this.ws.terminate();
      return;
    }
    this.send(message);
    const reason = (JSON.parse(message.json) as { reason?: string }).reason ?? 'closing';
    this.ws.close(reason === 'slow_consumer' ? WS_CLOSE.slow_consumer : WS_CLOSE.shutdown, reason);
  }

  destroy(): void {
    this.ws.terminate();
  }
}
