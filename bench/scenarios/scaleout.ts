// Scale-out (PostgreSQL only): 1, 2 and 4 worker-only processes (CLARION_ROLE=worker) drain
// the same kind of pre-filled queue, each run on a fresh database. Per run: deliveries/s, the
// workers' CPU seconds over the window (/proc/<pid>/stat), deliveries per worker CPU-second,
// and duplicates (requests - distinct webhook-id at the receiver, counted after the workers
// stopped, in-flight sends settled).
import { startClarion, type ClarionProcess } from '../lib/clarion.ts';
import { row, type BenchContext, type Row } from '../lib/context.ts';
import { measureDrain, type DrainResult } from '../lib/drain.ts';
import { Receiver } from '../lib/receiver.ts';
import { queueDeliveries } from './delivery.ts';

const WORKERS = [1, 2, 4] as const;

async function runWith(ctx: BenchContext, workers: number): Promise<DrainResult & { duplicates: number }> {
  const { queueEvents, queueHooks, warmupS, durationS } = ctx.sizes;
  const receiver = await Receiver.start();
  const store = await ctx.freshStore('postgres');
  const processes: ClarionProcess[] = [];
  try {
    ctx.progress(`scaleout: ${workers} worker(s): queueing ${queueEvents} events x ${queueHooks} hooks`);
    const queued = await queueDeliveries(ctx, store, receiver.url, queueEvents, queueHooks);
    await receiver.reset();
    const started = await Promise.allSettled(Array.from({ length: workers }, () => startClarion(store, 'worker')));
    for (const result of started) if (result.status === 'fulfilled') processes.push(result.value);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    const drain = await measureDrain(receiver, {
      expected: queued.deliveries,
      warmupS,
      durationS,
      pids: processes.map((process) => process.pid),
    });
    // Stopped gracefully (in-flight sends settle) before duplicates are counted.
    await Promise.all(processes.map((process) => process.stop()));
    const final = await receiver.stats();
    return { ...drain, duplicates: final.duplicates, received: final.distinct };
  } finally {
    await Promise.all(processes.map((process) => process.stop()));
    await receiver.stop();
    await store.cleanup();
  }
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
  const rows: Row[] = [];
  let one: { rate: number; perCpu: number } | undefined;
  let previousRate = 0;
  for (const workers of WORKERS) {
    const drain = await runWith(ctx, workers);
    const perCpu = drain.delivered / drain.cpuSeconds;
    one ??= { rate: drain.rate, perCpu };
    const rateFloor = previousRate;
    rows.push(
      row({
        scenario,
        store: 'postgres',
        metric: `${workers} worker(s): deliveries/s`,
        value: drain.rate,
        unit: 'deliveries/s',
        ceiling: { name: '1 worker', value: one.rate },
        target: workers === 1 ? 'baseline' : 'never falls',
        check: (value) => value >= rateFloor,
        note: `${drain.delivered} over ${drain.seconds.toFixed(1)} s; ${drain.cpuSeconds.toFixed(1)} worker CPU-s${drain.whole ? '; queue drained within the warm-up' : ''}`,
      }),
      row({
        scenario,
        store: 'postgres',
        metric: `${workers} worker(s): deliveries per worker CPU-second`,
        value: Number.isFinite(perCpu) ? perCpu : null,
        unit: 'deliveries/CPU-s',
        ceiling: { name: '1 worker', value: one.perCpu },
        target: 'within 20% of 1 worker',
        check: (_value, ratio) => (ratio ?? 0) >= 0.8,
      }),
      row({
        scenario,
        store: 'postgres',
        metric: `${workers} worker(s): deliveries sent twice`,
        value: drain.duplicates,
        unit: 'deliveries',
        target: '0',
        check: (value) => value === 0,
        note: `${drain.received} distinct deliveries checked`,
      }),
    );
    previousRate = Math.max(previousRate, drain.rate);
  }
  return rows;
}
