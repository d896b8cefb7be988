// Delivery: a queue of many events x many hooks is filled by an API-only Clarion while no
// worker runs, then one worker-only process (CLARION_ROLE=worker, default concurrency) drains
// it into the receiver, which answers 200 at once; deliveries/s as the receiver counts them,
// in windows taken in turn with the bare undici loop, whose ratio is the one reported.
import { performance } from 'node:perf_hooks';
import { eventBody, ORG } from '../lib/body.ts';
import { ingestRequest, setUpOrganization, startClarion, type ClarionProcess } from '../lib/clarion.ts';
import { row, type BenchContext, type Row } from '../lib/context.ts';
import { alternate, ratioRange, windowsOf } from '../lib/alternate.ts';
import { drainWindow, resume, type DrainResult, type DrainWindow } from '../lib/drain.ts';
import { closedLoop, mergeResults, type LoadResult } from '../lib/load.ts';
import { Receiver } from '../lib/receiver.ts';
import type { BenchStore, StoreKind } from '../lib/stores.ts';
import { undiciLoop } from './ceilings.ts';

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

export interface DeliveryRate extends DrainResult {
  readonly queued: number;
  /** The bare undici loop's windows, taken in turn with the worker's. */
  readonly undici: LoadResult;
  /** The worker's share of the loop, lowest and highest round ("28-35%"). */
  readonly spread: string;
}

/**
 * Deliveries/s of one worker process draining events x hooks, in windows taken in turn with the
 * bare undici loop (memoized: e2e and the BullMQ comparison build on it). Between its windows
 * the worker is suspended (SIGSTOP), so the loop has the machine to itself, as the worker has
 * in its own windows; the loop posts to a receiver of its own.
 */
export function deliveryRate(ctx: BenchContext, kind: StoreKind): Promise<DeliveryRate> {
  return ctx.memo(`delivery:${kind}`, async () => {
    const { queueEvents, queueHooks, warmupS, durationS, alternationRounds, windowWarmupS } = ctx.sizes;
    ctx.progress(`delivery ${kind}: queueing ${queueEvents} events x ${queueHooks} hooks (no worker running)`);
    const receiver = await Receiver.start();
    const ceilingReceiver = await Receiver.start();
    const store = await ctx.freshStore(kind);
    let worker: ClarionProcess | undefined;
    try {
      const queued = await queueDeliveries(ctx, store, receiver.url, queueEvents, queueHooks);
      ctx.progress(
        `delivery ${kind}: ${queued.deliveries} queued in ${queued.seconds.toFixed(1)} s; starting a worker`,
      );
      await receiver.reset();
      worker = await startClarion(store, 'worker');
      const first = await receiver.waitFor((stats) => stats.distinct > 0, 120_000);
      if (first.timedOut) throw new Error('no delivery arrived within 120 s');
      await receiver.waitFor((stats) => stats.now - stats.firstAt >= warmupS * 1000, warmupS * 1000 + 60_000);
      const windowS = durationS / alternationRounds;
      const pids = [worker.pid];
      const rounds = await alternate<DrainWindow | LoadResult>(
        [
          {
            name: `Clarion worker, ${windowS.toFixed(1)} s`,
            window: () =>
              drainWindow(receiver, { expected: queued.deliveries, settleS: windowWarmupS, durationS: windowS, pids }),
          },
          {
            name: `bare undici loop, ${windowS.toFixed(1)} s (worker suspended)`,
            window: () => undiciLoop(ctx, ceilingReceiver.url, windowWarmupS, windowS),
          },
        ],
        { rounds: alternationRounds, progress: (line) => ctx.progress(line) },
      );
      resume(pids);
      const drains = windowsOf(rounds, 0) as DrainWindow[];
      const sum = (pick: (window: DrainWindow) => number) => drains.reduce((total, window) => total + pick(window), 0);
      const delivered = sum((window) => window.delivered);
      const seconds = sum((window) => window.seconds);
      const stats = await receiver.stats();
      return {
        rate: delivered / seconds,
        delivered,
        seconds,
        cpuSeconds: sum((window) => window.cpuSeconds),
        whole: false,
        received: stats.distinct,
        duplicates: stats.duplicates,
        queued: queued.deliveries,
        undici: mergeResults(windowsOf(rounds, 1) as LoadResult[]),
        spread: ratioRange(rounds, 0, 1),
      };
    } finally {
      if (worker !== undefined) resume([worker.pid]);
      await worker?.stop();
      await receiver.stop();
      await ceilingReceiver.stop();
      await store.cleanup();
    }
  });
}

export async function run(ctx: BenchContext): Promise<Row[]> {
  const rows: Row[] = [];
  const { alternationRounds, durationS } = ctx.sizes;
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
        ceiling: { name: 'bare undici loop, same windows', value: drain.undici.rate },
        target: '>= 50% of undici (and >= BullMQ)',
        check: (_value, ratio) => (ratio ?? 0) >= 0.5,
        note: [
          `${alternationRounds} windows of ${(durationS / alternationRounds).toFixed(1)} s each in turn with the loop: ${drain.spread} per round`,
          `${drain.delivered} of ${drain.queued} queued, over ${drain.seconds.toFixed(1)} s`,
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
