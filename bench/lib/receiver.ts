import { baseEnv, spawnNode, type Child } from './children.ts';
import { call, ready } from './ipc.ts';

export interface ReceiverStats {
  /** Webhook requests received since the last reset, repeats included. */
  readonly requests: number;
  /** Distinct webhook-id values among them. */
  readonly distinct: number;
  /** Requests whose webhook-id had been seen before: deliveries sent twice. */
  readonly duplicates: number;
  /** Epoch ms (sub-ms precision) of the first and last arrival; 0 before any. */
  readonly firstAt: number;
  readonly lastAt: number;
  readonly now: number;
  readonly rss: number;
}

/** When an event's webhook requests arrived (epoch ms) and how many did. */
export interface Arrival {
  readonly eventId: string;
  readonly first: number | null;
  readonly last: number | null;
  readonly count: number;
}

/** The receiver child process (bench/servers/receiver.ts), driven over IPC. */
export class Receiver {
  private constructor(
    readonly child: Child,
    readonly url: string,
  ) {}

  static async start(): Promise<Receiver> {
    const child = spawnNode('receiver', ['bench/servers/receiver.ts'], { env: baseEnv(), ipc: true });
    try {
      const port = await ready<number>(child);
      return new Receiver(child, `http://127.0.0.1:${port}`);
    } catch (error) {
      await child.stop(1000);
      throw error;
    }
  }

  stats(): Promise<ReceiverStats> {
    return call<ReceiverStats>(this.child, 'stats');
  }

  async reset(): Promise<void> {
    await call(this.child, 'reset');
  }

  /** Records arrival times per clarion-event-id (costs memory: only for e2e and fan-out). */
  async record(on: boolean): Promise<void> {
    await call(this.child, 'record', on);
  }

  async arrivals(eventIds?: readonly string[]): Promise<Arrival[]> {
    const rows = await call<[string, number | null, number | null, number][]>(
      this.child,
      'arrivals',
      eventIds,
      120_000,
    );
    return rows.map(([eventId, first, last, count]) => ({ eventId, first, last, count }));
  }

  /** ok answers 200, unavailable 503, down refuses connections. */
  async mode(mode: 'ok' | 'unavailable' | 'down'): Promise<void> {
    await call(this.child, 'mode', mode);
  }

  /** Polls until `done(stats)` or the deadline; returns the last stats either way. */
  async waitFor(
    done: (stats: ReceiverStats) => boolean,
    timeoutMs: number,
    everyMs = 100,
  ): Promise<{ stats: ReceiverStats; timedOut: boolean }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const stats = await this.stats();
      if (done(stats)) return { stats, timedOut: false };
      if (Date.now() >= deadline) return { stats, timedOut: true };
      await sleep(everyMs);
    }
  }

  stop(): Promise<void> {
    return this.child.stop(2000);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
