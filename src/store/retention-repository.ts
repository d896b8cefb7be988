import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';

const FINISHED = ['sent', 'failed', 'gone', 'cancelled'] as const;

/** How many rows one purge removed. */
export interface PurgeResult {
  attempts: number;
  deliveries: number;
  events: number;
  traces: number;
  inbox: number;
  targetHealth: number;
}

/**
 * The settings key holding the highest sequence number retention has deleted: a stream asked to
 * resume below it may have missed events, and says so (a `reset`).
 */
export const PURGED_THROUGH_KEY = 'events_purged_through';

/**
 * Deletes what is older than the retention window, in small batches so no statement holds
 * locks for long (one long DELETE is how Hook0's retention job stalled, issue #47). Pending
 * deliveries, and the events they belong to or whose fan-out is still being written, are kept
 * whatever their age.
 */
export class RetentionRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly batchSize = 2000,
  ) {}

  async purgeBefore(cutoff: number): Promise<PurgeResult> {
    const result: PurgeResult = { attempts: 0, deliveries: 0, events: 0, traces: 0, inbox: 0, targetHealth: 0 };
    result.attempts = await this.repeat(async () => {
      const ids = this.db.selectFrom('attempts').select('id').where('started_at', '<', cutoff).limit(this.batchSize);
      return Number((await this.db.deleteFrom('attempts').where('id', 'in', ids).executeTakeFirst()).numDeletedRows);
    });
    result.deliveries = await this.repeat(async () => {
      const ids = this.db
        .selectFrom('deliveries')
        .select('id')
        .where('created_at', '<', cutoff)
        .where('status', 'in', FINISHED)
        .limit(this.batchSize);
      return Number((await this.db.deleteFrom('deliveries').where('id', 'in', ids).executeTakeFirst()).numDeletedRows);
    });
    let purgedThrough = 0;
    result.events = await this.repeat(async () => {
      const seqs = await this.db
        .selectFrom('events')
        .select('seq')
        .where('received_at', '<', cutoff)
        .where((eb) =>
          eb.not(
            eb.exists(eb.selectFrom('deliveries').select('id').whereRef('deliveries.event_seq', '=', 'events.seq')),
          ),
        )
        // An event whose fan-out is not fully written yet has deliveries still to come.
        .where((eb) =>
          eb.not(
            eb.exists(eb.selectFrom('fanouts').select('event_seq').whereRef('fanouts.event_seq', '=', 'events.seq')),
          ),
        )
        .limit(this.batchSize)
        .execute();
      if (seqs.length === 0) return 0;
      const batch = seqs.map((row) => row.seq);
      purgedThrough = Math.max(purgedThrough, ...batch);
      return Number((await this.db.deleteFrom('events').where('seq', 'in', batch).executeTakeFirst()).numDeletedRows);
    });
    if (purgedThrough > 0) await this.raisePurgedThrough(purgedThrough);
    result.inbox = await this.repeat(async () => {
      const keys = await this.db
        .selectFrom('inbox_items')
        .select(['user_id', 'event_seq'])
        .where('created_at', '<', cutoff)
        .limit(this.batchSize)
        .execute();
      if (keys.length === 0) return 0;
      const removed = await this.db
        .deleteFrom('inbox_items')
        .where((eb) => eb.or(keys.map((key) => eb.and({ user_id: key.user_id, event_seq: key.event_seq }))))
        .executeTakeFirst();
      return Number(removed.numDeletedRows);
    });
    // A trace goes with its event: kept while the event is, whatever its own age.
    result.traces = await this.repeat(async () => {
      const seqs = this.db
        .selectFrom('routing_traces')
        .select('event_seq')
        .where('created_at', '<', cutoff)
        .where((eb) =>
          eb.not(
            eb.exists(eb.selectFrom('events').select('seq').whereRef('events.seq', '=', 'routing_traces.event_seq')),
          ),
        )
        .limit(this.batchSize);
      return Number(
        (await this.db.deleteFrom('routing_traces').where('event_seq', 'in', seqs).executeTakeFirst()).numDeletedRows,
      );
    });
    // A failing target's row is touched by every attempt and probe; one untouched for the whole
    // window belongs to a target nobody sends to any more (a deleted hook, a removed device).
    result.targetHealth = await this.repeat(async () => {
      const targets = this.db
        .selectFrom('target_health')
        .select('target')
        .where('updated_at', '<', cutoff)
        .where((eb) => eb.or([eb('paused_until', 'is', null), eb('paused_until', '<', cutoff)]))
        .limit(this.batchSize);
      return Number(
        (await this.db.deleteFrom('target_health').where('target', 'in', targets).executeTakeFirst()).numDeletedRows,
      );
    });
    return result;
  }

  /** The highest sequence number retention has deleted (0 before the first purge). */
  async purgedThrough(): Promise<number> {
    const row = await this.db
      .selectFrom('settings')
      .select('value')
      .where('key', '=', PURGED_THROUGH_KEY)
      .executeTakeFirst();
    return row === undefined ? 0 : Number(row.value);
  }

  // Only ever raised: two sweepers in two processes may finish in either order.
  private async raisePurgedThrough(seq: number): Promise<void> {
    await this.db
      .insertInto('settings')
      .values({ key: PURGED_THROUGH_KEY, value: String(seq) })
      .onConflict((oc) =>
        oc
          .column('key')
          .doUpdateSet({ value: String(seq) })
          .where(sql`cast(settings.value as bigint)`, '<', seq),
      )
      .execute();
  }

  private async repeat(batch: () => Promise<number>): Promise<number> {
    let total = 0;
    for (;;) {
      const removed = await batch();
      total += removed;
      if (removed < this.batchSize) return total;
    }
  }
}
