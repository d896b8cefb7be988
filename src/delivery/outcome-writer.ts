import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { DisabledHook, Settlement } from '../store/delivery-queue.ts';
import type { Database } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { BREAKER_POLICY, type TargetBreaker } from './target-breaker.ts';

/** Outcomes are written in batches of about this many while sends keep finishing... */
const SETTLE_BATCH_TARGET = 64;
/**
 * ...waiting at most this long for a batch to fill (outcomes only: slots are already free).
 * A settle transaction has a large fixed cost (on SQLite about 0.7 ms of CPU, probably the WAL
 * pages it writes): 100 us per delivery in batches of 8, 36 us in batches of 64. At 2 ms the
 * batches held about 2 ms of outcomes (by estimate, under 10 at 4,000/s); 10 ms raised the worker's
 * deliveries per CPU-second by 10-15% on SQLite. The leases of unsettled deliveries are renewed
 * meanwhile, so the only cost is outcomes reaching the store up to 10 ms later.
 */
const SETTLE_LINGER_MS = 10;

/**
 * Tells the organizations of the hooks a settle disabled, by events stored in the settle's
 * transaction. Returns what to call once that transaction committed: it wakes whoever the
 * events have news for (workers, fan-out expanders, event streams).
 */
export type AnnounceDisabled = (trx: Kysely<Database>, hooks: readonly DisabledHook[]) => Promise<() => void>;

export interface OutcomeWriterOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The worker whose leases the outcomes settle. */
  readonly owner: string;
  /** Its breaker: the targets' folded outcomes are written in the same transaction. */
  readonly breaker: TargetBreaker;
  readonly announceDisabled?: AnnounceDisabled;
  /** Whether sends are still in flight, so more outcomes are on their way. */
  readonly sending: () => boolean;
  /**
   * Called once a batch is written (or its write failed: the leases then run out and the
   * deliveries are sent again). `queueChanged` says whether deliveries went back to the queue.
   */
  readonly written: (batch: readonly Settlement[], queueChanged: boolean) => void;
}

/**
 * Writes a worker's outcomes, one transaction at a time, each taking everything that finished
 * since the last one: under load the batches grow instead of the backlog.
 */
export class OutcomeWriter {
  private pending: Settlement[] = [];
  private scheduled = false;
  private writing: Promise<void> | undefined;

  constructor(private readonly options: OutcomeWriterOptions) {}

  add(settlement: Settlement): void {
    this.pending.push(settlement);
    if (this.scheduled) return;
    this.scheduled = true;
    // Outcomes that finish in the same turn share one transaction.
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  /** Starts writing what is pending, if not under way; resolves once nothing is left to write. */
  flush(): Promise<void> {
    if (this.writing === undefined && this.pending.length > 0) {
      this.writing = this.writeAll().finally(() => {
        this.writing = undefined;
      });
    }
    return this.writing ?? Promise.resolve();
  }

  private async writeAll(): Promise<void> {
    const { store, logger, clock, breaker, announceDisabled } = this.options;
    while (this.pending.length > 0) {
      if (this.pending.length < SETTLE_BATCH_TARGET && this.options.sending()) {
        // More outcomes are on their way: a moment's wait makes one commit carry them all.
        await new Promise((resolve) => setTimeout(resolve, SETTLE_LINGER_MS));
      }
      const batch = this.pending;
      this.pending = [];
      const targets = breaker.takeOutcomes();
      let announced: (() => void) | undefined;
      try {
        // Most batches have nothing to write besides the outcomes: they settle without `within`,
        // which lets the store write them in one statement.
        const writesMore = targets.length > 0 || batch.some((settlement) => settlement.disableHook !== null);
        await store.queue.settle(
          this.options.owner,
          batch,
          writesMore
            ? async (trx, disabledHooks) => {
                if (targets.length > 0) await store.targetHealth.record(trx, targets, BREAKER_POLICY, clock.now());
                if (disabledHooks.length > 0 && announceDisabled) {
                  announced = await announceDisabled(trx, disabledHooks);
                }
              }
            : undefined,
        );
        announced?.();
      } catch (error) {
        // The leases run out and the deliveries are sent again: at least once, never lost.
        logger.error({ err: error, count: batch.length }, 'recording delivery outcomes failed');
      }
      // Deliveries back in the queue (a retry, a deferral, a target's pause lifted) change when
      // the worker must look next; outcomes that end a delivery do not. (A notice's deliveries
      // wake it through `announced`.)
      const queueChanged = targets.length > 0 || batch.some((settlement) => settlement.status === 'pending');
      this.options.written(batch, queueChanged);
    }
  }
}
