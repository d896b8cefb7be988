// Delivery: a queue of many events x many hooks is filled by an API-only Clarion while no
// worker runs, then one worker-only process (CLARION_ROLE=worker, default concurrency) drains
// it into the receiver, which answers 200 at once; deliveries/s as the receiver counts them.
import { performance } from 'node:perf_hooks';
import { eventBody, ORG } from '../lib/body.ts';
import { ingestRequest, setUpOrganization, startClarion, type ClarionProcess } from '../lib/clarion.ts';
import { row, type BenchContext, type Row } from '../lib/context.ts';
import { measureDrain, type DrainResult } from '../lib/drain.ts';
import { closedLoop } from '../lib/load.ts';
import { Receiver } from '../lib/receiver.ts';
import type { BenchStore, StoreKind } from '../lib/stores.ts';
import { undiciCeiling } from './ceilings.ts';

export interface Queued {
  /** Deliveries queued: events acknowledged x hooks. */
  readonly deliveries: number;
  readonly seconds: number;
}

/**
 * Fills `store` with `events` events for an organization with `hooks` webhook hooks to
 * `target`, through the API of an API-only Clarion that is stopped before this returns.
 */
export async function queueDeliveries(
  ctx: BenchContext,
  store: BenchStore,
  target: string,
  events: number,
  hooks: number,
): Promise<Queued> {
  let api: ClarionProcess | undefined;
  try {
    api = await startClarion(store, 'api');
    await setUpOrganization(api.url!, ORG, hooks, target, (done) => ctx.progress(`  ${done} hooks created`));
    const started = performance.now();
    const body = eventBody();
    const result = await closedLoop({
      origin: api.url!,
      connections: ctx.sizes.connections,
      warmupS: 0,
      total: events,
      request: () => ingestRequest(body),
    });
    if (result.errors > 0) throw new Error(`queueing: ${result.errors} events refused (${result.firstError})`);
    return { deliveries: result.ok * hooks, seconds: (performance.now() - started) / 1000 };
  } finally {
    await api?.stop();
  }
}

/** Deliveries/s of one worker process draining events x hooks (memoized: e2e builds on it). */
export function deliveryRate(ctx: BenchContext, kind: StoreKind): Promise<DrainResult & { queued: number }> {
  return ctx.memo(`delivery:${kind}`, async () => {
    const { queueEvents, queueHooks, warmupS, durationS } = ctx.sizes;
    ctx.progress(`delivery ${kind}: queueing ${queueEvents} events x ${queueHooks} hooks (no worker running)`);
    const receiver = await Receiver.start();
    const store = await ctx.freshStore(kind);
    let worker: ClarionProcess | undefined;
    try {
      const queued = await queueDeliveries(ctx, store, receiver.url, queueEvents, queueHooks);
      ctx.progress(
        `delivery ${kind}: ${queued.deliveries} queued in ${queued.seconds.toFixed(1)} s; starting a worker`,
      );
      await receiver.reset();
      worker = await startClarion(store, 'worker');
      const drain = await measureDrain(receiver, {
        expected: queued.deliveries,
        warmupS,
        durationS,
        pids: [worker.pid],
      });
      return { ...drain, queued: queued.deliveries };
    } finally {
      await worker?.stop();
      await receiver.stop();
      await store.cleanup();
    }
  });
}

export async function run(ctx: BenchContext): Promise<Row[]> {
  const undici = await undiciCeiling(ctx);
  const rows: Row[] = [];
  for (const kind of ctx.stores) {
    const drain = await deliveryRate(ctx, kind);
    const perCpu = drain.delivered / drain.cpuSeconds;
    rows.push(
      row({
        scenario: 'delivery',
        store: kind,
        metric: `deliveries/s, 1 worker (${ctx.sizes.queueEvents} events x ${ctx.sizes.queueHooks} hooks)`,
        value: drain.rate,
        unit: 'deliveries/s',
        ceiling: { name: 'bare undici loop', value: undici.rate },
        target: '>= 50% of undici (and >= BullMQ)',
        check: (_value, ratio) => (ratio ?? 0) >= 0.5,
        note: [
          drain.whole
            ? `the ${drain.queued} queued drained within the warm-up: whole drain measured`
            : `${drain.delivered} of ${drain.queued} queued, over ${drain.seconds.toFixed(1)} s`,
          Number.isFinite(perCpu) ? `${Math.round(perCpu)} deliveries per worker CPU-second` : '',
          drain.duplicates > 0 ? `${drain.duplicates} DUPLICATES` : '',
        ]
          .filter(Boolean)
          .join('; '),
      }),
    );
  }
  return rows;
}
