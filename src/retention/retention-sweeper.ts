import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { Store } from '../store/store.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
const SWEEP_INTERVAL_MS = 60 * 60 * 1000; // hourly: a day's window moves little in an hour

/** Deletes events, deliveries and attempts older than the retention window, every hour. */
export class RetentionSweeper {
  private cancel: (() => void) | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly deps: { store: Store; clock: Clock; logger: Logger; retentionDays: number }) {}

  start(): void {
    this.schedule(0);
  }

  /** Runs one sweep now (also what the timer does). */
  async sweep(): Promise<void> {
    const { store, clock, logger, retentionDays } = this.deps;
    const cutoff = clock.now() - retentionDays * DAY_MS;
    try {
      const removed = await store.retention.purgeBefore(cutoff);
      if (Object.values(removed).some((count) => count > 0)) {
        logger.info({ ...removed, retentionDays }, 'removed data past the retention window');
      }
    } catch (error) {
      logger.error({ err: error }, 'retention sweep failed; trying again next hour');
    }
  }

  async stop(): Promise<void> {
    this.cancel?.();
    this.cancel = undefined;
    await this.running;
  }

  private schedule(delayMs: number): void {
    this.cancel = this.deps.clock.setTimer(() => {
      this.running = this.sweep().finally(() => this.schedule(SWEEP_INTERVAL_MS));
    }, delayMs);
  }
}
