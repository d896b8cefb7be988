import { cpuSeconds } from './proc-stats.ts';
import type { Receiver, ReceiverStats } from './receiver.ts';

export interface DrainOptions {
  /** Deliveries queued: the drain is over when the receiver has this many distinct ones. */
  readonly expected: number;
  readonly warmupS: number;
  readonly durationS: number;
  /** Gives up waiting for the first arrival after this long. */
  readonly firstArrivalTimeoutS?: number;
  /** Processes whose CPU time is counted over the measured window. */
  readonly pids?: readonly number[];
}

export interface DrainResult {
  /** Deliveries per second over the measured window. */
  readonly rate: number;
  readonly delivered: number;
  readonly seconds: number;
  /** CPU seconds of `pids` over the window. */
  readonly cpuSeconds: number;
  /** The queue ran empty before the warm-up ended, so the whole drain was measured. */
  readonly whole: boolean;
  /** Distinct deliveries received in all (not only in the window). */
  readonly received: number;
  /** Requests the receiver got beyond the distinct ones: deliveries sent twice. */
  readonly duplicates: number;
}

const sumCpu = (pids: readonly number[]) => pids.reduce((sum, pid) => sum + (cpuSeconds(pid) ?? 0), 0);

/**
 * Measures a queue draining into the receiver: waits for the first arrival, lets the warm-up
 * pass, then counts distinct deliveries for the duration (or until the queue is empty). Times
 * are the receiver's own clock, so polling delays do not enter the rate.
 */
export async function measureDrain(receiver: Receiver, options: DrainOptions): Promise<DrainResult> {
  const pids = options.pids ?? [];
  const firstTimeout = (options.firstArrivalTimeoutS ?? 120) * 1000;
  const first = await receiver.waitFor((stats) => stats.distinct > 0, firstTimeout);
  if (first.timedOut) throw new Error(`no delivery arrived within ${firstTimeout / 1000} s`);
  const done = (stats: ReceiverStats) => stats.distinct >= options.expected;

  const warm = await receiver.waitFor(
    (stats) => done(stats) || stats.now - stats.firstAt >= options.warmupS * 1000,
    options.warmupS * 1000 + 60_000,
  );
  if (done(warm.stats)) {
    // Everything arrived during the warm-up: the honest figure is the whole drain.
    const { stats } = warm;
    const seconds = Math.max(1e-6, (stats.lastAt - stats.firstAt) / 1000);
    return {
      rate: (stats.distinct - 1) / seconds,
      delivered: stats.distinct,
      seconds,
      cpuSeconds: NaN,
      whole: true,
      received: stats.distinct,
      duplicates: stats.duplicates,
    };
  }
  const start = warm.stats;
  const cpuStart = sumCpu(pids);
  const end = await receiver.waitFor(
    (stats) => done(stats) || stats.now - start.now >= options.durationS * 1000,
    options.durationS * 1000 + 60_000,
  );
  const cpuEnd = sumCpu(pids);
  const endAt = done(end.stats) ? end.stats.lastAt : end.stats.now;
  const seconds = Math.max(1e-6, (endAt - start.now) / 1000);
  const delivered = end.stats.distinct - start.distinct;
  return {
    rate: delivered / seconds,
    delivered,
    seconds,
    cpuSeconds: cpuEnd - cpuStart,
    whole: false,
    received: end.stats.distinct,
    duplicates: end.stats.duplicates,
  };
}

export interface DrainWindow {
  readonly rate: number;
  readonly delivered: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
}

/** Suspends the processes (SIGSTOP): they hold their connections and state, and use no CPU. */
export function suspend(pids: readonly number[]): void {
  for (const pid of pids) process.kill(pid, 'SIGSTOP');
}

/** Lets suspended processes go on (SIGCONT; harmless on running ones, skipped for exited ones). */
export function resume(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGCONT');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }
}

/**
 * One window of a drain that alternates with something else: resumes `pids`, lets `settleS`
 * pass unrecorded (answers held while suspended arrive in a burst), counts distinct arrivals
 * for `durationS` or until `expected` have arrived, then suspends `pids` again.
 */
export async function drainWindow(
  receiver: Receiver,
  options: {
    readonly expected: number;
    readonly settleS: number;
    readonly durationS: number;
    readonly pids: readonly number[];
  },
): Promise<DrainWindow> {
  const done = (stats: ReceiverStats) => stats.distinct >= options.expected;
  resume(options.pids);
  try {
    const settledFrom = (await receiver.stats()).now;
    const settled = await receiver.waitFor(
      (stats) => done(stats) || stats.now - settledFrom >= options.settleS * 1000,
      options.settleS * 1000 + 60_000,
    );
    if (done(settled.stats)) return { rate: NaN, delivered: 0, seconds: 0, cpuSeconds: 0 };
    const start = settled.stats;
    const cpuStart = sumCpu(options.pids);
    const end = await receiver.waitFor(
      (stats) => done(stats) || stats.now - start.now >= options.durationS * 1000,
      options.durationS * 1000 + 60_000,
    );
    const cpu = sumCpu(options.pids) - cpuStart;
    const endAt = done(end.stats) ? end.stats.lastAt : end.stats.now;
    const seconds = Math.max(1e-6, (endAt - start.now) / 1000);
    const delivered = end.stats.distinct - start.distinct;
    return { rate: delivered / seconds, delivered, seconds, cpuSeconds: cpu };
  } finally {
    suspend(options.pids);
  }
}

/** Several windows of one drain as one: deliveries over summed seconds, CPU summed. */
export function mergeDrains(windows: readonly DrainWindow[]): DrainWindow {
  const sum = (pick: (window: DrainWindow) => number) => windows.reduce((total, window) => total + pick(window), 0);
  const delivered = sum((window) => window.delivered);
  const seconds = sum((window) => window.seconds);
  return { rate: delivered / seconds, delivered, seconds, cpuSeconds: sum((window) => window.cpuSeconds) };
}
