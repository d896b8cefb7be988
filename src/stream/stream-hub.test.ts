import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import { FakeClock } from '../clock.ts';
import { StreamHub, type FeedSource, type StreamSink } from './stream-hub.ts';
import type { StreamMessage } from './stream-message.ts';

interface Row {
  readonly seq: number;
}

/** Rows 1..count, and how often they were read. */
function rows(count: number): FeedSource<Row> & { reads: number; last: number } {
  const source = {
    reads: 0,
    last: count,
    read(cursor: number, limit: number) {
      source.reads++;
      const found: Row[] = [];
      for (let seq = cursor + 1; seq <= source.last && found.length < limit; seq++) found.push({ seq });
      return Promise.resolve(found);
    },
    render: (row: Row) => JSON.stringify({ seq: row.seq }),
  };
  return source;
}

class MemorySink implements StreamSink {
  readonly messages: StreamMessage[] = [];
  buffered = 0;
  closedWith: StreamMessage | undefined | 'destroyed';
  send(message: StreamMessage) {
    this.messages.push(message);
  }
  bufferedBytes() {
    return this.buffered;
  }
  onceDrained(fn: () => void) {
    queueMicrotask(fn);
  }
  alive = true;
  heartbeats = 0;
  heartbeat() {
    this.heartbeats++;
    return this.alive;
  }
  close(message: StreamMessage | undefined) {
    this.closedWith = message;
  }
  destroy() {
    this.closedWith ??= 'destroyed';
  }
  seqs() {
    return this.messages.flatMap((m) => (m.kind === 'event' ? [m.seq] : []));
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

function hub(maxBufferBytes = 1 << 20, clock = new FakeClock()) {
  return new StreamHub({
    clock,
    logger: pino({ level: 'silent' }),
    heartbeatMs: 15_000,
    pollMs: 1000,
    maxBufferBytes,
  });
}

describe('stream hub', () => {
  it('serves every subscriber of a feed from one read per look', async () => {
    const streams = hub();
    const source = rows(0);
    const sinks = [new MemorySink(), new MemorySink(), new MemorySink()];
    for (const sink of sinks) streams.subscribe('org:a', source, { cursor: 0, filter: () => true, sink });
    await settle();
    source.reads = 0;
    source.last = 5;
    streams.wake(['org:a']);
    await settle();
    assert.equal(source.reads, 1);
    for (const sink of sinks) assert.deepEqual(sink.seqs(), [1, 2, 3, 4, 5]);
    // A feed nobody named is not read.
    streams.wake(['org:b']);
    await settle();
    assert.equal(source.reads, 1);
  });

  it('replays page after page from each subscriber’s own position, without repeating a row', async () => {
    const streams = hub();
    const source = rows(450);
    const behind = new MemorySink();
    const live = new MemorySink();
    streams.subscribe('org:a', source, { cursor: 450, filter: () => true, sink: live });
    streams.subscribe('org:a', source, { cursor: 10, filter: (row) => row.seq % 2 === 0, sink: behind });
    await settle();
    source.last = 452;
    streams.wake(['org:a']);
    await settle();
    assert.deepEqual(
      behind.seqs(),
      Array.from({ length: 221 }, (_, i) => 12 + 2 * i),
    );
    assert.deepEqual(live.seqs(), [451, 452]);
  });

  it('disconnects a live subscriber whose buffer passes the bound, saying where it stopped', async () => {
    const streams = hub(1000);
    const source = rows(0);
    const slow = new MemorySink();
    streams.subscribe('org:a', source, { cursor: 0, filter: () => true, sink: slow });
    await settle();
    slow.buffered = 1001;
    source.last = 3;
    streams.wake(['org:a']);
    await settle();
    assert.ok(slow.closedWith !== undefined && slow.closedWith !== 'destroyed');
    assert.deepEqual(JSON.parse(slow.closedWith.json), {
      kind: 'disconnect',
      reason: 'slow_consumer',
      message: 'The client read too slowly and its buffer passed the bound; reconnect with the last seq to resume.',
      last_seq: 3,
    });
    assert.equal(streams.connections(), 0);
  });

  it('sends heartbeats on the clock and drops a connection that gave no sign of life', async () => {
    const clock = new FakeClock();
    const streams = hub(1 << 20, clock);
    streams.start();
    const source = rows(0);
    const alive = new MemorySink();
    const dead = new MemorySink();
    streams.subscribe('org:a', source, { cursor: 0, filter: () => true, sink: alive });
    streams.subscribe('org:a', source, { cursor: 0, filter: () => true, sink: dead });
    await settle();
    clock.advance(14_999);
    assert.equal(alive.heartbeats, 0);
    clock.advance(1);
    assert.equal(alive.heartbeats, 1);
    dead.alive = false;
    clock.advance(15_000);
    assert.equal(dead.closedWith, 'destroyed');
    assert.equal(alive.closedWith, undefined);
    assert.equal(streams.connections(), 1);
    streams.stop();
    assert.equal(JSON.parse((alive.closedWith as unknown as StreamMessage).json).reason, 'shutdown');
  });
});
