// Streams: memory per idle connection and fan-out latency. One Clarion per transport (API role,
// SQLite: an idle connection touches no store); this harness process, a separate process, opens
// 1,000 real connections to it over 127.0.0.1 (SSE responses read as they come; WebSockets with
// `ws`). Per connection: the growth of Clarion's RSS (/proc/<pid>/status) from before the
// connections to after (settled, median of five samples), divided by their number, and the growth
// of the V8 heap in use after a forced full collection (RSS moves in V8's and malloc's chunks, so
// it is the noisier of the two). Then one event is ingested and the time until
// every connection has it is the fan-out latency.
import http from 'node:http';
import { WebSocket } from 'ws';
import { ClarionApi, PLATFORM_KEY, startClarion } from '../lib/clarion.ts';
import { row, type BenchContext, type Row } from '../lib/context.ts';
import { rssBytes } from '../lib/proc-stats.ts';

const CONNECTIONS = 1000;
const WARMUP_CONNECTIONS = 20;
const OPEN_AT_ONCE = 100;
const AUTH = { authorization: `Bearer ${PLATFORM_KEY}` };

interface Connection {
  /** Resolves with the time the first event arrived. */
  readonly firstEvent: Promise<number>;
  close(): void;
}

function openSse(url: string): Promise<Connection> {
  return new Promise((resolve, reject) => {
    let gotEvent: (at: number) => void = () => {};
    const firstEvent = new Promise<number>((done) => (gotEvent = done));
    const request = http.get(url, { headers: { ...AUTH, accept: 'text/event-stream' } }, (response) => {
      if (response.statusCode !== 200) {
        reject(new Error(`SSE answered ${response.statusCode}`));
        return;
      }
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (chunk.includes('event: event')) gotEvent(performance.now());
      });
      resolve({ firstEvent, close: () => request.destroy() });
    });
    request.on('error', reject);
  });
}

function openWs(url: string): Promise<Connection> {
  return new Promise((resolve, reject) => {
    let gotEvent: (at: number) => void = () => {};
    const firstEvent = new Promise<number>((done) => (gotEvent = done));
    const socket = new WebSocket(url, { headers: AUTH });
    socket.on('open', () => resolve({ firstEvent, close: () => socket.terminate() }));
    socket.on('message', () => gotEvent(performance.now()));
    socket.on('error', reject);
  });
}

async function openMany(count: number, open: () => Promise<Connection>): Promise<Connection[]> {
  const connections: Connection[] = [];
  for (let i = 0; i < count; i += OPEN_AT_ONCE) {
    connections.push(...(await Promise.all(Array.from({ length: Math.min(OPEN_AT_ONCE, count - i) }, open))));
  }
  return connections;
}

/**
 * Clarion's V8 heap in use after a full collection, read over the inspector protocol (the child
 * runs with --inspect on a free port): without a forced collection the heap moves by more than
 * 1,000 connections weigh.
 */
async function inspector(output: () => string): Promise<{ heapAfterGc(): Promise<number>; close(): void }> {
  const url = /ws:\/\/127\.0\.0\.1:\d+\/[\w-]+/.exec(output())?.[0];
  if (url === undefined) throw new Error('the inspector address is not in the output');
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  let nextId = 1;
  const call = (method: string) =>
    new Promise<any>((resolve) => {
      const id = nextId++;
      const onMessage = (raw: Buffer) => {
        const message = JSON.parse(raw.toString('utf8')) as { id?: number; result?: unknown };
        if (message.id !== id) return;
        socket.off('message', onMessage);
        resolve(message.result);
      };
      socket.on('message', onMessage);
      socket.send(JSON.stringify({ id, method }));
    });
  return {
    async heapAfterGc() {
      await call('HeapProfiler.collectGarbage');
      const usage = (await call('Runtime.getHeapUsage')) as { usedSize: number };
      return usage.usedSize;
    },
    close: () => socket.terminate(),
  };
}

/** The median of five RSS samples a quarter second apart, after `settleMs` of quiet. */
async function settledRss(pid: number, settleMs: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    samples.push(rssBytes(pid) ?? Number.NaN);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return samples.sort((a, b) => a - b)[2]!;
}

async function measure(
  ctx: BenchContext,
  transport: 'sse' | 'websocket',
): Promise<{ perConnection: number; heapPerConnection: number; fanoutMs: number }> {
  const store = await ctx.freshStore(ctx.stores.includes('sqlite') ? 'sqlite' : ctx.stores[0]!);
  const clarion = await startClarion(store, 'api', {}, ['--inspect=127.0.0.1:0']);
  const heap = await inspector(() => clarion.child.output());
  try {
    const api = new ClarionApi(clarion.url!);
    await api.createOrganization('bench');
    const path = '/v1/organizations/bench/events';
    const open =
      transport === 'sse'
        ? () => openSse(`${clarion.url}${path}/stream`)
        : () => openWs(`${clarion.url!.replace('http', 'ws')}${path}/socket`);
    // Warm-up: lazily loaded code and first-use allocations are not counted per connection.
    for (const connection of await openMany(WARMUP_CONNECTIONS, open)) connection.close();
    // Both figures after a full collection, so garbage from setting up is not counted.
    const heapBefore = await heap.heapAfterGc();
    const before = await settledRss(clarion.pid, 1000);
    ctx.progress(`streams: ${transport}: opening ${CONNECTIONS} connections`);
    const connections = await openMany(CONNECTIONS, open);
    const heapAfter = await heap.heapAfterGc();
    const after = await settledRss(clarion.pid, 2000);
    const started = performance.now();
    const answer = await api.call('POST', '/v1/events', {
      type: 'job.fail',
      organization: 'bench',
      data: { bench: true },
    });
    if (answer.status !== 202) throw new Error(`ingest answered ${answer.status}`);
    const arrivals = await Promise.all(connections.map((connection) => connection.firstEvent));
    const fanoutMs = Math.max(...arrivals) - started;
    for (const connection of connections) connection.close();
    return {
      perConnection: (after - before) / CONNECTIONS,
      heapPerConnection: (heapAfter - heapBefore) / CONNECTIONS,
      fanoutMs,
    };
  } finally {
    heap.close();
    await clarion.stop();
    await store.cleanup();
  }
}

export async function run(ctx: BenchContext): Promise<Row[]> {
  const rows: Row[] = [];
  for (const transport of ['sse', 'websocket'] as const) {
    const result = await measure(ctx, transport);
    const note = `${CONNECTIONS} idle connections opened from the harness process; Clarion RSS growth / ${CONNECTIONS}`;
    rows.push(
      row({
        scenario: 'streams',
        store: '-',
        metric: `${transport}: RSS per idle connection`,
        value: Math.round(result.perConnection),
        unit: 'bytes',
        note,
      }),
      row({
        scenario: 'streams',
        store: '-',
        metric: `${transport}: V8 heap per idle connection`,
        value: Math.round(result.heapPerConnection),
        unit: 'bytes',
        note: 'heap in use after a forced full collection (inspector protocol), growth / connections',
      }),
      row({
        scenario: 'streams',
        store: '-',
        metric: `${transport}: one event to all ${CONNECTIONS} connections`,
        value: Math.round(result.fanoutMs),
        unit: 'ms',
        note: 'from POST /v1/events to the last connection receiving it',
      }),
    );
  }
  return rows;
}
