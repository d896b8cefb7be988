// Delivery: a queue of many events x many hooks is filled by an API-only Clarion while no
// worker runs, then one worker-only process (CLARION_ROLE=worker, default concurrency) drains
// it into the receiver, which answers 200 at once; deliveries/s as the receiver counts them,
// in windows taken in turn with the bare undici loop and the BullMQ peer: the ratios reported
// (here and in the bullmq scenario) are those windows'.
import { performance } from 'node:perf_hooks';
import { eventBody, ORG } from '../lib/body.ts';
import { ingestRequest, setUpOrganization, startClarion, type ClarionProcess } from '../lib/clarion.ts';
import { row, type BenchContext, type Row } from '../lib/context.ts';
import { alternate, ratioRange, windowsOf, type Contender } from '../lib/alternate.ts';
import { hasRedisServer, startPeer, type Peer } from '../lib/bullmq-peer.ts';
import { drainWindow, mergeDrains, resume, suspend, type DrainResult, type DrainWindow } from '../lib/drain.ts';
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
  /** The BullMQ peer's windows, in the same turns; undefined without redis-server. */
  readonly peer: (DrainWindow & { readonly spread: string }) | undefined;
}

/**
 * Deliveries/s of one worker process draining events x hooks, in windows taken in turn with the
 * bare undici loop and, where redis-server is installed, the BullMQ peer draining as many jobs
 * (memoized: e2e and the bullmq scenario build on it). Outside its windows each worker is
 * suspended (SIGSTOP), so every contender has the machine to itself in its own windows; each
 * sends to a receiver of its own.
 */
export function deliveryRate(ctx: BenchContext, kind: StoreKind): Promise<DeliveryRate> {
  return ctx.memo(`delivery:${kind}`, async () => {
    const { queueEvents, queueHooks, warmupS, durationS, alternationRounds, windowWarmupS } = ctx.sizes;
    ctx.progress(`delivery ${kind}: queueing ${queueEvents} events x ${queueHooks} hooks (no worker running)`);
    const receiver = await Receiver.start();
    const ceilingReceiver = await Receiver.start();
    const store = await ctx.freshStore(kind);
    let worker: ClarionProcess | undefined;
    let peer: Peer | undefined;
    const warmUp = (on: Receiver) =>
      on.waitFor((stats) => stats.now - stats.firstAt >= warmupS * 1000, warmupS * 1000 + 60_000);
    try {
      const queued = await queueDeliveries(ctx, store, receiver.url, queueEvents, queueHooks);
      ctx.progress(`delivery ${kind}: ${queued.deliveries} queued in ${queued.seconds.toFixed(1)} s`);
      if (await hasRedisServer()) {
        peer = await startPeer(ctx, queued.deliveries);
        await warmUp(peer.receiver);
        suspend([peer.worker.pid]);
      }
      ctx.progress(`delivery ${kind}: starting a worker`);
      await receiver.reset();
      worker = await startClarion(store, 'worker');
      const first = await receiver.waitFor((stats) => stats.distinct > 0, 120_000);
      if (first.timedOut) throw new Error('no delivery arrived within 120 s');
      await warmUp(receiver);
      const windowS = durationS / alternationRounds;
      const drainOf = (on: Receiver, expected: number, pid: number) => () =>
        drainWindow(on, { expected, settleS: windowWarmupS, durationS: windowS, pids: [pid] });
      const contenders: Contender<DrainWindow | LoadResult>[] = [
        { name: `Clarion worker, ${windowS.toFixed(1)} s`, window: drainOf(receiver, queued.deliveries, worker.pid) },
        {
          name: `bare undici loop, ${windowS.toFixed(1)} s (workers suspended)`,
          window: () => undiciLoop(ctx, ceilingReceiver.url, windowWarmupS, windowS),
        },
      ];
      if (peer !== undefined) {
        contenders.push({
          name: `BullMQ worker, ${windowS.toFixed(1)} s`,
          window: drainOf(peer.receiver, peer.jobs, peer.worker.pid),
        });
      }
      const rounds = await alternate(contenders, {
        rounds: alternationRounds,
        progress: (line) => ctx.progress(line),
      });
      const drain = mergeDrains(windowsOf(rounds, 0) as DrainWindow[]);
      const stats = await receiver.stats();
      return {
        ...drain,
        whole: false,
        received: stats.distinct,
        duplicates: stats.duplicates,
        queued: queued.deliveries,
        undici: mergeResults(windowsOf(rounds, 1) as LoadResult[]),
        spread: ratioRange(rounds, 0, 1),
        peer:
          peer === undefined
            ? undefined
            : { ...mergeDrains(windowsOf(rounds, 2) as DrainWindow[]), spread: ratioRange(rounds, 0, 2) },
      };
    } finally {
      if (worker !== undefined) resume([worker.pid]);
      if (peer !== undefined) resume([peer.worker.pid]);
      await worker?.stop();
      await peer?.stop();
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
          `${alternationRounds} windows of ${(durationS / alternationRounds).toFixed(1)} s each in turn with the loop${drain.peer !== undefined ? ' and the BullMQ peer' : ''}: ${drain.spread} of the loop per round`,
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
