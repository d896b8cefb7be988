// Ceilings: what the same load generator gets from the simplest thing that does the same job,
// measured in this run so that Clarion's figures can be read as a share of them.
import { baseEnv, spawnNode } from '../lib/children.ts';
import { eventBody, webhookBody, webhookHeaders } from '../lib/body.ts';
import { ingestRequest } from '../lib/clarion.ts';
import { row, type BenchContext, type Row } from '../lib/context.ts';
import { ready } from '../lib/ipc.ts';
import { closedLoop, openLoop, type LoadResult } from '../lib/load.ts';
import { Receiver } from '../lib/receiver.ts';
import type { StoreKind } from '../lib/stores.ts';

/** Runs `measure` against the ceiling's Fastify route (bench/servers/fastify-ceiling.ts) in its own process. */
export async function withFastify<T>(measure: (origin: string) => Promise<T>): Promise<T> {
  const child = spawnNode('fastify-ceiling', ['bench/servers/fastify-ceiling.ts'], { env: baseEnv(), ipc: true });
  try {
    const port = await ready<number>(child);
    return await measure(`http://127.0.0.1:${port}`);
  } finally {
    await child.stop(2000);
  }
}

/** The Fastify route at full load: as many connections as ingest uses, the same body and headers. */
export function fastifyCeiling(ctx: BenchContext): Promise<LoadResult> {
  return ctx.memo('ceiling:fastify', () => {
    const { connections, warmupS, durationS } = ctx.sizes;
    ctx.progress(`ceiling: Fastify route, ${connections} connections, ${durationS} s`);
    const body = eventBody();
    return withFastify((origin) =>
      closedLoop({ origin, connections, warmupS, durationS, request: () => ingestRequest(body) }),
    );
  });
}

/** The Fastify route at a fixed rate: the latency ceiling for ingest at that same rate. */
export function fastifyAtRate(ctx: BenchContext, rate: number): Promise<LoadResult> {
  const rounded = Math.max(1, Math.round(rate));
  return ctx.memo(`ceiling:fastify@${rounded}`, () => {
    const { connections, warmupS, durationS } = ctx.sizes;
    ctx.progress(`ceiling: Fastify route at ${rounded} req/s, ${durationS} s`);
    const body = eventBody();
    return withFastify((origin) =>
      openLoop({ origin, connections, rate: rounded, warmupS, durationS, request: () => ingestRequest(body) }),
    );
  });
}

/**
 * A bare undici loop POSTing the webhook body to `receiverUrl` with Clarion's sender settings
 * (64 connections, 256 requests in flight), in the harness process: no queue, no store.
 */
export function undiciLoop(
  ctx: BenchContext,
  receiverUrl: string,
  warmupS: number,
  durationS: number,
): Promise<LoadResult> {
  const { senderConnections, senderConcurrency } = ctx.sizes;
  const body = webhookBody();
  return closedLoop({
    origin: receiverUrl,
    connections: senderConnections,
    concurrency: senderConcurrency,
    warmupS,
    durationS,
    request: (n) => ({
      method: 'POST',
      path: `/hooks/${n % 100}`,
      headers: webhookHeaders(`dlv_ceiling_${n}`, `evt_ceiling_${n}`),
      body,
    }),
  });
}

/** The bare undici loop on its own, against a receiver of its own. */
export function undiciCeiling(ctx: BenchContext): Promise<LoadResult> {
  return ctx.memo('ceiling:undici', async () => {
    const { senderConnections, senderConcurrency, warmupS, durationS } = ctx.sizes;
    ctx.progress(`ceiling: bare undici loop, ${senderConnections} connections, ${senderConcurrency} in flight`);
    const receiver = await Receiver.start();
    try {
      return await undiciLoop(ctx, receiver.url, warmupS, durationS);
    } finally {
      await receiver.stop();
    }
  });
}

/** Raw durable inserts of the rows one event with one hook creates (bench/servers/raw-insert.ts). */
export function rawInsertCeiling(ctx: BenchContext, kind: StoreKind): Promise<number> {
  return ctx.memo(`ceiling:raw:${kind}`, async () => {
    const { connections, warmupS, durationS } = ctx.sizes;
    ctx.progress(`ceiling: raw inserts into ${kind}, ${connections} events per transaction`);
    const store = await ctx.freshStore(kind);
    const child = spawnNode(`raw-insert-${kind}`, ['bench/servers/raw-insert.ts'], {
      env: {
        ...baseEnv(),
        BENCH_STORE: kind,
        BENCH_DATA_DIR: store.dataDir,
        ...(store.databaseUrl !== undefined ? { BENCH_DATABASE_URL: store.databaseUrl } : {}),
        BENCH_BATCH: String(connections),
        BENCH_WARMUP_S: String(warmupS),
        BENCH_DURATION_S: String(durationS),
      },
    });
    try {
      const line = await child.waitForOutput(/\{"eventsPerSecond".*\}/, (warmupS + durationS + 60) * 1000);
      return (JSON.parse(line[0]) as { eventsPerSecond: number }).eventsPerSecond;
    } finally {
      await child.stop(2000);
      await store.cleanup();
    }
  });
}

function latencyRows(scenario: string, subject: string, result: LoadResult): Row[] {
  return [
    row({ scenario, store: '-', metric: `${subject}: p50`, value: result.latency.p50, unit: 'ms' }),
    row({ scenario, store: '-', metric: `${subject}: p99`, value: result.latency.p99, unit: 'ms' }),
  ];
}

export async function run(ctx: BenchContext): Promise<Row[]> {
  const scenario = 'ceilings';
  const fastify = await fastifyCeiling(ctx);
  const undici = await undiciCeiling(ctx);
  const rows: Row[] = [
    row({
      scenario,
      store: '-',
      metric: `Fastify route, 1 KiB JSON -> 202 (${ctx.sizes.connections} conns)`,
      value: fastify.rate,
      unit: 'req/s',
      ...(fastify.errors > 0 ? { note: `${fastify.errors} errors: ${fastify.firstError}` } : {}),
    }),
    ...latencyRows(scenario, 'Fastify route', fastify),
    row({
      scenario,
      store: '-',
      metric: `bare undici POST loop -> receiver (${ctx.sizes.senderConnections} conns)`,
      value: undici.rate,
      unit: 'req/s',
      ...(undici.errors > 0 ? { note: `${undici.errors} errors: ${undici.firstError}` } : {}),
    }),
    ...latencyRows(scenario, 'bare undici loop', undici),
  ];
  for (const kind of ctx.stores) {
    rows.push(
      row({
        scenario,
        store: kind,
        metric: `raw inserts, event + delivery rows (${ctx.sizes.connections}/commit)`,
        value: await rawInsertCeiling(ctx, kind),
        unit: 'events/s',
      }),
    );
  }
  return rows;
}
