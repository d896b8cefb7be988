import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import { disconnectMessage, type DisconnectReason, type StreamMessage } from './stream-message.ts';

/** Where a stream's messages go: an SSE response or a WebSocket. */
export interface StreamSink {
  send(message: StreamMessage): void;
  /** Bytes written but not yet taken by the client. */
  bufferedBytes(): number;
  /** Calls `fn` once the buffer has drained (or the connection closed). */
  onceDrained(fn: () => void): void;
  /** Sends a heartbeat; false when the client gave no sign of life since the previous one. */
  heartbeat(): boolean;
  /** Says why (a last `disconnect` message when it can) and closes gracefully; undefined: at once. */
  close(message: StreamMessage | undefined): void;
  /** Drops the connection whatever is still buffered. */
  destroy(): void;
}

/** One feed's rows: an organization's events, or a member's inbox. */
export interface FeedSource<Row extends { readonly seq: number }> {
  /** Rows after `cursor`, in seq order, at most `limit`. */
  read(cursor: number, limit: number): Promise<Row[]>;
  /** The message body of a row (rendered once per row, shared by every subscriber). */
  render(row: Row): string;
}

export interface Subscription<Row> {
  /** The last seq this subscriber has been given (or skipped by its filter). */
  cursor: number;
  readonly filter: (row: Row) => boolean;
  readonly sink: StreamSink;
}

export interface StreamHubOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly heartbeatMs: number;
  readonly pollMs: number;
  readonly maxBufferBytes: number;
}

/** Rows one look reads; a replay reads page after page, pausing while the client's buffer fills. */
const PAGE = 200;

interface Subscriber<Row> extends Subscription<Row> {
  waiting: boolean;
  closed: boolean;
}

/**
 * The subscribers of one feed share its reads: one query from the lowest cursor among them, each
 * row rendered once, every subscriber given the rows above its own cursor. The store is the truth:
 * a wake-up only says "look again", and because sequence numbers increase in commit order a cursor
 * never passes an event that is yet to be committed.
 */
class Feed<Row extends { readonly seq: number }> {
  readonly subscribers = new Set<Subscriber<Row>>();
  private running = false;
  private again = false;

  constructor(
    private readonly source: FeedSource<Row>,
    private readonly options: StreamHubOptions,
    private readonly onIdle: () => void,
  ) {}

  wake(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.pump().finally(() => {
      this.running = false;
      if (this.subscribers.size === 0) this.onIdle();
    });
  }

  remove(subscriber: Subscriber<Row>): void {
    subscriber.closed = true;
    this.subscribers.delete(subscriber);
  }

  private async pump(): Promise<void> {
    do {
      this.again = false;
      try {
        while (await this.look());
      } catch (error) {
        // The store is unreachable for now: the next poll looks again.
        this.options.logger.warn({ err: error }, 'event stream could not read the store');
        return;
      }
    } while (this.again);
  }

  /** One read and fan-out; true when a full page came back (more may follow at once). */
  private async look(): Promise<boolean> {
    const active = [...this.subscribers].filter((s) => !s.waiting);
    if (active.length === 0) return false;
    const from = Math.min(...active.map((s) => s.cursor));
    const rows = await this.source.read(from, PAGE);
    const full = rows.length === PAGE;
    const rendered = new Map<number, string>();
    for (const subscriber of active) {
      if (subscriber.closed) continue;
      for (const row of rows) {
        if (row.seq <= subscriber.cursor) continue;
        subscriber.cursor = row.seq;
        if (!subscriber.filter(row)) continue;
        let json = rendered.get(row.seq);
        if (json === undefined) {
          json = this.source.render(row);
          rendered.set(row.seq, json);
        }
        subscriber.sink.send({ kind: 'event', seq: row.seq, json });
      }
      const buffered = subscriber.sink.bufferedBytes();
      if (buffered > this.options.maxBufferBytes) {
        this.disconnect(subscriber, 'slow_consumer');
      } else if (full && buffered > 0) {
        // Replaying: wait for the client to take this page before reading the next one for it.
        subscriber.waiting = true;
        subscriber.sink.onceDrained(() => {
          subscriber.waiting = false;
          if (!subscriber.closed) this.wake();
        });
      }
    }
    return full;
  }

  publish(message: StreamMessage): void {
    for (const subscriber of [...this.subscribers]) {
      subscriber.sink.send(message);
      if (subscriber.sink.bufferedBytes() > this.options.maxBufferBytes) this.disconnect(subscriber, 'slow_consumer');
    }
  }

  disconnect(subscriber: Subscriber<Row>, reason: DisconnectReason): void {
    if (reason === 'shutdown') {
      // No waiting at shutdown: what the client has not read by now it will not read.
      this.remove(subscriber);
      subscriber.sink.close(disconnectMessage(reason, subscriber.cursor));
      if (subscriber.sink.bufferedBytes() > 0) subscriber.sink.destroy();
      return;
    }
    if (subscriber.closed) return;
    this.remove(subscriber);
    this.options.logger.info({ reason, cursor: subscriber.cursor }, 'event stream disconnected a client');
    if (reason === 'unresponsive') {
      subscriber.sink.destroy();
      return;
    }
    subscriber.sink.close(disconnectMessage(reason, subscriber.cursor));
    // The last message waits behind what the client has not read: give it one heartbeat
    // interval to take it, then free the connection whatever is left.
    this.options.clock.setTimer(() => subscriber.sink.destroy(), this.options.heartbeatMs);
  }
}

/**
 * Every live stream of this process, by feed key (`org:<id>`, `user:<id>`). Wakes feeds on local
 * commits and other processes' notifications, polls them all every `pollMs` in case a wake-up was
 * lost, and sends heartbeats, closing connections that answered none.
 */
export class StreamHub {
  private readonly feeds = new Map<string, Feed<never>>();
  private cancelPoll: (() => void) | undefined;
  private cancelHeartbeat: (() => void) | undefined;
  private stopped = false;

  constructor(private readonly options: StreamHubOptions) {}

  start(): void {
    this.stopped = false;
    this.schedulePoll();
    this.scheduleHeartbeat();
  }

  /** Adds a subscriber and looks at its feed at once (its replay starts); returns the unsubscribe. */
  subscribe<Row extends { readonly seq: number }>(
    key: string,
    source: FeedSource<Row>,
    subscription: Subscription<Row>,
  ): () => void {
    let feed = this.feeds.get(key) as Feed<Row> | undefined;
    if (feed === undefined) {
      const created = new Feed<Row>(source, this.options, () => {
        if (created.subscribers.size === 0 && this.feeds.get(key) === (created as never)) this.feeds.delete(key);
      });
      feed = created;
      this.feeds.set(key, created as never);
    }
    const subscriber: Subscriber<Row> = { ...subscription, waiting: false, closed: false };
    if (this.stopped) {
      subscription.sink.close(disconnectMessage('shutdown', subscription.cursor));
      return () => {};
    }
    feed.subscribers.add(subscriber);
    feed.wake();
    const owner = feed;
    return () => {
      owner.remove(subscriber);
      if (owner.subscribers.size === 0 && this.feeds.get(key) === (owner as never)) this.feeds.delete(key);
    };
  }

  /** Looks again at the named feeds ('' or '*' wakes every feed). */
  wake(keys: readonly string[]): void {
    if (keys.some((key) => key === '' || key === '*')) {
      for (const feed of this.feeds.values()) feed.wake();
      return;
    }
    for (const key of keys) this.feeds.get(key)?.wake();
  }

  /**
   * Sends a message that is not a feed row (an inbox read change) to this process's subscribers
   * of `key`, bounded like rows: a client whose buffer passed the bound is disconnected.
   */
  publish(key: string, message: StreamMessage): void {
    this.feeds.get(key)?.publish(message);
  }

  /** Open connections, for the memory benchmark. */
  connections(): number {
    let count = 0;
    for (const feed of this.feeds.values()) count += feed.subscribers.size;
    return count;
  }

  /** Open connections by kind of feed, for the metrics (keys `org:` and `user:`). */
  connectionsByFeed(): { organization: number; inbox: number } {
    const counts = { organization: 0, inbox: 0 };
    for (const [key, feed] of this.feeds)
      counts[key.startsWith('user:') ? 'inbox' : 'organization'] += feed.subscribers.size;
    return counts;
  }

  /** Tells every client the server is going away and closes them. */
  stop(): void {
    this.stopped = true;
    this.cancelPoll?.();
    this.cancelHeartbeat?.();
    for (const feed of this.feeds.values()) {
      for (const subscriber of [...feed.subscribers]) feed.disconnect(subscriber, 'shutdown');
    }
    this.feeds.clear();
  }

  private schedulePoll(): void {
    this.cancelPoll = this.options.clock.setTimer(() => {
      for (const feed of this.feeds.values()) feed.wake();
      if (!this.stopped) this.schedulePoll();
    }, this.options.pollMs);
  }

  private scheduleHeartbeat(): void {
    this.cancelHeartbeat = this.options.clock.setTimer(() => {
      for (const feed of this.feeds.values()) {
        for (const subscriber of [...feed.subscribers]) {
          if (!subscriber.sink.heartbeat()) feed.disconnect(subscriber, 'unresponsive');
        }
      }
      if (!this.stopped) this.scheduleHeartbeat();
    }, this.options.heartbeatMs);
  }
}
