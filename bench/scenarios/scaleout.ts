// Scale-out (PostgreSQL only): 1, 2 and 4 worker-only processes (CLARION_ROLE=worker), each
// group draining a queue of its own on a fresh database into a receiver of its own, measured in
// alternating windows (the other groups suspended), so the three figures come from the same
// minutes. Per group: deliveries/s, the workers' CPU seconds over its windows
// (/proc/<pid>/stat), deliveries per worker CPU-second, and duplicates (requests - distinct
// webhook-id at its receiver, counted after its workers stopped, in-flight sends settled).
// A suspended group keeps its leases, and a suspension longer than a lease would let its other
// workers reclaim them and send those deliveries again (a full run with the default 30 s lease
// probably did: 94 duplicates in the 4-worker group, whose last window came before the other
// groups' windows and stops). So the workers run with the longest send timeout, 2 minutes (a
// lease of 4: the receiver answers at once, so no send comes near it), start and warm up
// together, and are all resumed before any of them stops.
import { startClarion, type ClarionProcess } from '../lib/clarion.ts';
import { row, type BenchContext, type Row } from '../lib/context.ts';
import { alternate, ratioRange, windowsOf } from '../lib/alternate.ts';
import { drainWindow, mergeDrains, resume, suspend, type DrainWindow } from '../lib/drain.ts';
import { Receiver } from '../lib/receiver.ts';
import type { BenchStore } from '../lib/stores.ts';
import { queueDeliveries } from './delivery.ts';

const WORKERS = [1, 2, 4] as const;

/** One worker count: its queue, its receiver and its processes. */
interface Group {
  readonly workers: number;
  readonly store: BenchStore;
  readonly receiver: Receiver;
  readonly queued: number;
  readonly processes: ClarionProcess[];
}

const pidsOf = (group: Group) => group.processes.map((process) => process.pid);

/** A fresh database with the scenario's queue, and a receiver for it; no worker yet. */
async function prepare(ctx: BenchContext, workers: number): Promise<Group> {
  const { queueEvents, queueHooks } = ctx.sizes;
  const receiver = await Receiver.start();
  let store: BenchStore | undefined;
  try {
    store = await ctx.freshStore('postgres');
    ctx.progress(`scaleout: ${workers} worker(s): queueing ${queueEvents} events x ${queueHooks} hooks`);
    const queued = await queueDeliveries(ctx, store, receiver.url, queueEvents, queueHooks);
    await receiver.reset();
    return { workers, store, receiver, queued: queued.deliveries, processes: [] };
  } catch (error) {
    await receiver.stop();
    await store?.cleanup();
    throw error;
  }
}

/** Outlasts any suspension between a group's windows (see above). */
const LONG_SEND_TIMEOUT = { CLARION_SEND_TIMEOUT_MS: String(120_000) };

/** Starts the group's workers and waits for their warm-up. */
async function startWorkers(ctx: BenchContext, group: Group): Promise<void> {
  const { warmupS } = ctx.sizes;
  ctx.progress(`scaleout: starting ${group.workers} worker(s)`);
  const started = await Promise.allSettled(
    Array.from({ length: group.workers }, () => startClarion(group.store, 'worker', LONG_SEND_TIMEOUT)),
  );
  for (const result of started) if (result.status === 'fulfilled') group.processes.push(result.value);
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  const first = await group.receiver.waitFor((stats) => stats.distinct > 0, 120_000);
  if (first.timedOut) throw new Error(`no delivery from ${group.workers} worker(s) within 120 s`);
  await group.receiver.waitFor((stats) => stats.now - stats.firstAt >= warmupS * 1000, warmupS * 1000 + 60_000);
}

export async function run(ctx: BenchContext): Promise<Row[]> {
  const scenario = 'scaleout';
  if (!ctx.stores.includes('postgres')) {
    return [
      row({
        scenario,
        store: 'postgres',
        metric: 'workers 1 -> 4',
        value: null,
        unit: '',
        note: 'not run: PostgreSQL is not part of this run',
      }),
    ];
  }
  const { alternationRounds, windowWarmupS, durationS } = ctx.sizes;
  const windowS = durationS / alternationRounds;
  const groups: Group[] = [];
  try {
    for (const workers of WORKERS) groups.push(await prepare(ctx, workers));
    await Promise.all(groups.map((group) => startWorkers(ctx, group)));
    suspend(groups.flatMap(pidsOf));
    const rounds = await alternate(
      groups.map((group) => ({
        name: `${group.workers} worker(s), ${windowS.toFixed(1)} s`,
        window: () =>
          drainWindow(group.receiver, {
            expected: group.queued,
            settleS: windowWarmupS,
            durationS: windowS,
            pids: pidsOf(group),
          }),
      })),
      { rounds: alternationRounds, progress: (line) => ctx.progress(line) },
    );
    // Duplicates are counted once every group's workers stopped and their in-flight sends settled.
    resume(groups.flatMap(pidsOf));
    await Promise.all(groups.flatMap((group) => group.processes.map((process) => process.stop())));
    const rows: Row[] = [];
    const drains: DrainWindow[] = groups.map((_, index) => mergeDrains(windowsOf(rounds, index)));
    const one = drains[0]!;
    const onePerCpu = one.delivered / one.cpuSeconds;
    for (const [index, group] of groups.entries()) {
      const drain = drains[index]!;
      const perCpu = drain.delivered / drain.cpuSeconds;
      const final = await group.receiver.stats();
      // "Never falls": not below any smaller worker count's rate.
      const rateFloor = Math.max(0, ...drains.slice(0, index).map((smaller) => smaller.rate));
      rows.push(
        row({
          scenario,
          store: 'postgres',
          metric: `${group.workers} worker(s): deliveries/s`,
          value: drain.rate,
          unit: 'deliveries/s',
          ceiling: { name: '1 worker, same windows', value: one.rate },
          target: group.workers === 1 ? 'baseline' : 'never falls',
          check: (value) => value >= rateFloor,
          note: [
            `${alternationRounds} windows of ${windowS.toFixed(1)} s each in turn with the other worker counts`,
            index === 0 ? '' : `${ratioRange(rounds, index, 0)} of 1 worker per round`,
            `${drain.delivered} over ${drain.seconds.toFixed(1)} s; ${drain.cpuSeconds.toFixed(1)} worker CPU-s`,
          ]
            .filter(Boolean)
            .join('; '),
        }),
        row({
          scenario,
          store: 'postgres',
          metric: `${group.workers} worker(s): deliveries per worker CPU-second`,
          value: Number.isFinite(perCpu) ? perCpu : null,
          unit: 'deliveries/CPU-s',
          ceiling: { name: '1 worker', value: onePerCpu },
          target: 'within 20% of 1 worker',
          check: (_value, ratio) => (ratio ?? 0) >= 0.8,
        }),
        row({
          scenario,
          store: 'postgres',
          metric: `${group.workers} worker(s): deliveries sent twice`,
          value: final.duplicates,
          unit: 'deliveries',
          target: '0',
          check: (value) => value === 0,
          note: `${final.distinct} distinct deliveries checked`,
        }),
      );
    }
    return rows;
  } finally {
    for (const group of groups) {
      resume(pidsOf(group));
      await Promise.all(group.processes.map((process) => process.stop()));
      await group.receiver.stop();
      await group.store.cleanup();
    }
  }
}
