import type { ServerResponse } from 'node:http';
import type { StreamSink } from './stream-hub.ts';
import type { StreamMessage } from './stream-message.ts';

/** How long an EventSource waits before reconnecting (it sends Last-Event-ID then). */
const RETRY_MS = 2000;

/**
 * A Server-Sent Events response: `id:` is the event's seq (what Last-Event-ID sends back),
 * `event:` the message kind, `data:` its JSON on one line; heartbeats are comment lines.
 */
export class SseSink implements StreamSink {
  private bufferedAtLastHeartbeat = 0;

  constructor(private readonly response: ServerResponse) {}

  /** Sends the headers and a first comment, so the client knows it is subscribed. */
  open(): void {
    this.response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      // The connection ends with the stream: kept alive, an idle socket left after a shutdown's
      // last message would hold the server's close until the keep-alive timeout.
      connection: 'close',
      // Tells nginx not to buffer the stream.
      'x-accel-buffering': 'no',
    });
    this.response.write(`retry: ${RETRY_MS}\n: connected\n\n`);
  }

  send(message: StreamMessage): void {
    const id = message.kind === 'event' ? `id: ${message.seq}\n` : '';
    this.response.write(`${id}event: ${message.kind}\ndata: ${message.json}\n\n`);
  }

  bufferedBytes(): number {
    return this.response.writableLength;
  }

  onceDrained(fn: () => void): void {
    // 'drain' follows only a write that filled the buffer past its high-water mark; below that
    // the bytes are accepted (Node 26 keeps small writes buffered where Node 20 flushed them).
    if (!this.response.writableNeedDrain || this.response.destroyed) {
      queueMicrotask(fn);
      return;
    }
    const done = () => {
      this.response.off('drain', done);
      this.response.off('close', done);
      fn();
    };
    this.response.on('drain', done);
    this.response.on('close', done);
  }

  // SSE has no reply to wait for: a client that took none of the bytes waiting at the last
  // heartbeat (its buffer did not shrink) is gone or stuck.
  heartbeat(): boolean {
    const buffered = this.response.writableLength;
    const stuck = this.bufferedAtLastHeartbeat > 0 && buffered >= this.bufferedAtLastHeartbeat;
    if (stuck) return false;
    this.response.write(': heartbeat\n\n');
    this.bufferedAtLastHeartbeat = this.response.writableLength;
    return true;
  }

  close(message: StreamMessage | undefined): void {
    if (this.response.destroyed) return;
    if (message === undefined) {
      this.response.destroy();
      return;
    }
    this.send(message);
    this.response.end();
  }

  destroy(): void {
    this.response.destroy();
  }
}
