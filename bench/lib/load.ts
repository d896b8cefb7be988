// The one load generator every HTTP figure comes from: an undici Pool per run, either a closed
// loop (a fixed number of requests in flight, as fast as the server answers) or an open loop
// (requests started on a fixed schedule whatever the server does, so a slow answer cannot hide
// the requests that should have been sent meanwhile: latency counts from the scheduled time).
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { Samples, summarize, type LatencySummary } from './percentiles.ts';

export interface RequestSpec {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: Buffer | string;
}

export interface Response {
  readonly n: number;
  readonly status: number;
  readonly body: string;
  /** Epoch milliseconds when the answer was complete (comparable with the receiver's clock). */
  readonly doneAt: number;
  /** False for answers to warm-up requests (seen, but not in the figures). */
  readonly recorded: boolean;
}

interface CommonOptions {
  readonly origin: string;
  readonly connections: number;
  /** Builds the n-th request (0-based). */
  readonly request: (n: number) => RequestSpec;
  /** Seconds of load before anything is recorded. */
  readonly warmupS: number;
  /** Seconds recorded after the warm-up; leave out to run until `total` requests are done. */
  readonly durationS?: number;
  /** Stops after this many requests (warm-up included). */
  readonly total?: number;
  /** Hard stop in seconds, whatever else is set (default: warm-up + duration + 30, or 900). */
  readonly timeoutS?: number;
  /** Sees every HTTP answer, warm-up ones included (see Response.recorded). */
  readonly onResponse?: (response: Response) => void;
}

export interface ClosedLoopOptions extends CommonOptions {
  /** Requests in flight (default: one per connection). */
  readonly concurrency?: number;
}

export interface OpenLoopOptions extends CommonOptions {
  /** Requests started per second. */
  readonly rate: number;
  /** Beyond this many unanswered requests, scheduled ones are skipped and counted as missed. */
  readonly maxInFlight?: number;
}

export interface LoadResult {
  /** 2xx answers recorded, per second of the recorded window. */
  readonly rate: number;
  readonly ok: number;
  /** Non-2xx answers and failed requests in the recorded window. */
  readonly errors: number;
  readonly statuses: Readonly<Record<string, number>>;
  /** Scheduled requests the open loop could not start (too many unanswered). */
  readonly missed: number;
  readonly seconds: number;
  /** Of the 2xx answers recorded. */
  readonly latency: LatencySummary;
  /** The latencies `latency` summarises, in milliseconds (to merge windows: mergeResults). */
  readonly latencies: Float64Array;
  /** The first error seen, for the report. */
  readonly firstError: string | undefined;
}

const epochNow = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Shared bookkeeping of both loops: what is recorded, and when recording starts and stops. */
class Recorder {
  readonly latencies = new Samples();
  readonly statuses: Record<string, number> = {};
  ok = 0;
  errors = 0;
  firstError: string | undefined;
  windowStart = 0;
  windowEnd = 0;

  constructor(private readonly onResponse: ((response: Response) => void) | undefined) {}

  answer(n: number, status: number, body: string, latencyMs: number, recorded: boolean): void {
    this.onResponse?.({ n, status, body, doneAt: epochNow(), recorded });
    if (!recorded) return;
    this.statuses[status] = (this.statuses[status] ?? 0) + 1;
    if (status >= 200 && status < 300) {
      this.ok += 1;
      this.latencies.add(latencyMs);
    } else {
      this.errors += 1;
      this.firstError ??= `HTTP ${status}: ${body.slice(0, 200)}`;
    }
  }

  failure(error: unknown, recorded: boolean): void {
    if (!recorded) return;
    this.errors += 1;
    this.statuses['error'] = (this.statuses['error'] ?? 0) + 1;
    this.firstError ??= String((error as { code?: string }).code ?? error);
  }

  result(missed: number): LoadResult {
    const seconds = Math.max(1e-9, (this.windowEnd - this.windowStart) / 1000);
    return {
      rate: this.ok / seconds,
      ok: this.ok,
      errors: this.errors,
      statuses: this.statuses,
      missed,
      seconds,
      latency: this.latencies.summary(),
      latencies: this.latencies.values(),
      firstError: this.firstError,
    };
  }
}

function newPool(options: CommonOptions): Pool {
  return new Pool(options.origin, {
    connections: options.connections,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  });
}

function hardStopMs(options: CommonOptions): number {
  if (options.timeoutS !== undefined) return options.timeoutS * 1000;
  return options.durationS === undefined ? 900_000 : (options.warmupS + options.durationS + 30) * 1000;
}

/** A fixed number of requests in flight for the duration (or until `total` are done). */
export async function closedLoop(options: ClosedLoopOptions): Promise<LoadResult> {
  const pool = newPool(options);
  const recorder = new Recorder(options.onResponse);
  const start = performance.now();
  const warmEnd = start + options.warmupS * 1000;
  const end = options.durationS === undefined ? Infinity : warmEnd + options.durationS * 1000;
  let issued = 0;
  let stopped = false;
  const hardStop = setTimeout(() => {
    stopped = true;
    void pool.destroy();
  }, hardStopMs(options));

  const loop = async () => {
    while (!stopped) {
      const n = issued;
      if (options.total !== undefined && n >= options.total) return;
      const startedAt = performance.now();
      if (startedAt >= end) return;
      issued += 1;
      const recorded = startedAt >= warmEnd;
      try {
        const spec = options.request(n);
        const response = await pool.request({
          method: spec.method,
          path: spec.path,
          headers: spec.headers ?? {},
          body: spec.body ?? null,
        });
        const body = await response.body.text();
        const doneAt = performance.now();
        recorder.answer(n, response.statusCode, body, doneAt - startedAt, recorded && doneAt <= end);
      } catch (error) {
        recorder.failure(error, recorded);
        // A refused connection fails at once: do not spin on it.
        await sleep(10);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? options.connections }, loop));
  clearTimeout(hardStop);
  recorder.windowStart = warmEnd;
  recorder.windowEnd = Math.min(end, performance.now());
  await pool.close().catch(() => pool.destroy());
  return recorder.result(0);
}

/** Starts `rate` requests a second on schedule for the duration, whatever the answers do. */
export async function openLoop(options: OpenLoopOptions): Promise<LoadResult> {
  const pool = newPool(options);
  const recorder = new Recorder(options.onResponse);
  const maxInFlight = options.maxInFlight ?? 10_000;
  const intervalMs = 1000 / options.rate;
  const start = performance.now();
  const warmEnd = start + options.warmupS * 1000;
  const end = options.durationS === undefined ? Infinity : warmEnd + options.durationS * 1000;
  let issued = 0;
  let inFlight = 0;
  let missed = 0;
  let stopped = false;
  const pending = new Set<Promise<void>>();

  const fire = (n: number, scheduledAt: number) => {
    const recorded = scheduledAt >= warmEnd;
    inFlight += 1;
    const spec = options.request(n);
    const done = pool
      .request({ method: spec.method, path: spec.path, headers: spec.headers ?? {}, body: spec.body ?? null })
      .then(async (response) => {
        const body = await response.body.text();
        recorder.answer(n, response.statusCode, body, performance.now() - scheduledAt, recorded);
      })
      .catch((error: unknown) => recorder.failure(error, recorded))
      .finally(() => {
        inFlight -= 1;
        pending.delete(done);
      });
    pending.add(done);
  };

  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      // Requests 0 .. due-1 are scheduled at or before now (request n at start + n * interval).
      const due = now >= end ? Math.ceil((end - start) / intervalMs) : Math.floor((now - start) / intervalMs) + 1;
      while (issued < due && !stopped) {
        const n = issued++;
        if (options.total !== undefined && n >= options.total) break;
        if (inFlight >= maxInFlight) {
          if (start + n * intervalMs >= warmEnd) missed += 1;
          continue;
        }
        fire(n, start + n * intervalMs);
      }
      const finished = now >= end || (options.total !== undefined && issued >= options.total);
      if (finished || stopped) {
        clearInterval(timer);
        resolve();
      }
    };
    // setInterval(1) fires about every millisecond: each tick starts every request now due.
    const timer = setInterval(tick, 1);
  });
  recorder.windowStart = warmEnd;
  recorder.windowEnd = Math.min(end, performance.now());
  // The answers still owed are waited for (they count), but not forever.
  const hardStop = setTimeout(() => {
    stopped = true;
    void pool.destroy();
  }, 30_000);
  await Promise.allSettled([...pending]);
  clearTimeout(hardStop);
  await pool.close().catch(() => pool.destroy());
  return recorder.result(missed);
}

/** Several windows of one subject as one result: rates over their summed seconds, latencies pooled. */
export function mergeResults(windows: readonly LoadResult[]): LoadResult {
  const latencies = new Float64Array(windows.reduce((sum, window) => sum + window.latencies.length, 0));
  const statuses: Record<string, number> = {};
  let offset = 0;
  for (const window of windows) {
    latencies.set(window.latencies, offset);
    offset += window.latencies.length;
    for (const [status, count] of Object.entries(window.statuses)) statuses[status] = (statuses[status] ?? 0) + count;
  }
  const sum = (pick: (window: LoadResult) => number) => windows.reduce((total, window) => total + pick(window), 0);
  const ok = sum((window) => window.ok);
  const seconds = Math.max(
    1e-9,
    sum((window) => window.seconds),
  );
  return {
    rate: ok / seconds,
    ok,
    errors: sum((window) => window.errors),
    statuses,
    missed: sum((window) => window.missed),
    seconds,
    latency: summarize(latencies),
    latencies,
    firstError: windows.find((window) => window.firstError !== undefined)?.firstError,
  };
}
