import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { PlannedDelivery } from '../routing/route-event.ts';
import { insertDeliveries } from '../store/delivery-inserts.ts';
import type { Store } from '../store/store.ts';
import { Handover, type LocalDispatch } from './local-dispatch.ts';
import { newDelivery } from './new-delivery.ts';

/** The wake-up payload that announces a new fan-out to the expanders of other processes. */
export const FANOUT_WAKEUP = 'fanout';

/**
 * Deliveries written per transaction. A chunk holds SQLite's only writer, or a PostgreSQL
 * connection, for tens of milliseconds: the workers' claims and settles go in between.
 */
const DEFAULT_CHUNK = 1000;

export interface FanoutExpanderOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Called after each chunk that left deliveries in the queue (wakes the workers). */
  readonly onDeliveriesQueued: () => void;
  /** The delivery worker of this process, if it runs one: it takes what it has free slots for with no claim. */
  readonly dispatch?: LocalDispatch;
  /** Longest sleep between looks for fan-outs when nothing wakes the expander. */
  readonly pollIntervalMs?: number;
  readonly chunkSize?: number;
}

/**
 * Writes the deliveries of large fan-outs after their event's 202. Ingest stores such an
 * event's routing plan in the commit that stores the event (durable like any event: the 202
 * still means nothing is lost), and this turns the plan into queue rows, one chunk per
 * transaction that also records how far it got. A crash between chunks loses nothing and
 * writes nothing twice: the next expander, here or in another process, goes on from the last
 * committed chunk. Routing is not evaluated again: the plan is what it decided at ingest.
 */
export class FanoutExpander {
  private readonly chunkSize: number;
  private readonly pollIntervalMs: number;
  private running = false;
  /** The expansion running now, if any. */
  private expanding: Promise<void> | undefined;
  private expandAgain = false;
  private cancelPoll: (() => void) | undefined;
  private stopListening: (() => Promise<void>) | undefined;
  /** The plan of the fan-out being expanded, parsed once rather than once per chunk. */
  private plan: { eventSeq: number; entries: PlannedDelivery[] } | undefined;

  constructor(private readonly options: FanoutExpanderOptions) {
    this.chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
  }

  async start(): Promise<void> {
    this.running = true;
    // '' comes after a (re)connection: a fan-out may have been stored while nobody listened.
    this.stopListening = await this.options.store.wakeups.listen((payload) => {
      if (payload === FANOUT_WAKEUP || payload === '') this.wake();
    });
    this.wake();
  }

  /** Looks for fan-outs now (one was stored). */
  wake(): void {
    if (!this.running) return;
    if (this.expanding !== undefined) {
      this.expandAgain = true;
      return;
    }
    this.cancelPoll?.();
    this.expanding = this.expandAll().finally(() => {
      this.expanding = undefined;
      if (this.expandAgain) {
        this.expandAgain = false;
        this.wake();
      } else if (this.running) {
        // Fan-outs left by a process that stopped, or announced by a lost notification.
        this.cancelPoll = this.options.clock.setTimer(() => this.wake(), this.pollIntervalMs);
      }
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    this.cancelPoll?.();
    await this.stopListening?.();
    await this.expanding;
  }

  private async expandAll(): Promise<void> {
    try {
      while (this.running && (await this.expandChunk()) > 0);
    } catch (error) {
      // Nothing was half-written (each chunk is one transaction): the next look goes on from the last chunk.
      this.options.logger.error({ err: error }, 'writing the deliveries of a fan-out failed; retried at the next poll');
    }
  }

  /**
   * Writes the next chunk of the oldest fan-out not fully written, in one transaction with its
   * progress; returns how many deliveries it wrote (0: no fan-out is waiting).
   */
  async expandChunk(): Promise<number> {
    const handOver = new Handover(this.options.dispatch);
    let written: number | undefined;
    try {
      written = await this.writeChunk(handOver);
    } finally {
      handOver.finish(written !== undefined);
    }
    if (written > handOver.size) this.options.onDeliveriesQueued();
    return written;
  }

  private writeChunk(handOver: Handover): Promise<number> {
    const { store, clock } = this.options;
    return store.db.transaction().execute(async (trx) => {
      const fanout = await store.fanouts.nextWithin(trx);
      if (fanout === undefined) return 0;
      if (this.plan?.eventSeq !== fanout.event_seq) {
        // The row is locked by this transaction: its plan is there.
        const entries = (await store.fanouts.planOf(fanout.event_seq, trx)) ?? [];
        this.plan = { eventSeq: fanout.event_seq, entries };
      }
      const event = {
        organizationId: fanout.organization_id,
        seq: fanout.event_seq,
        id: fanout.event_id,
        type: fanout.event_type,
        applicationId: fanout.application_id,
      };
      const now = clock.now();
      const chunk = this.plan.entries.slice(fanout.expanded, fanout.expanded + this.chunkSize);
      // Due since the event was stored, so they take their turn in the queue from then.
      const rows = chunk.map((planned) => ({ ...newDelivery(event, planned, fanout.created_at), updated_at: now }));
      handOver.lease(rows, now);
      await insertDeliveries(trx, store.dialect, rows);
      await store.fanouts.advanceWithin(trx, fanout, fanout.expanded + chunk.length);
      if (fanout.expanded + chunk.length >= fanout.total) this.plan = undefined;
      return chunk.length;
    });
  }
}
