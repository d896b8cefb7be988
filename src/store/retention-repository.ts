import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

const FINISHED = ['sent', 'failed', 'gone', 'cancelled'] as const;

/** How many rows one purge removed. */
export interface PurgeResult {
  attempts: number;
  deliveries: number;
  events: number;
  traces: number;
}

/**
 * Deletes what is older than the retention window, in small batches so no statement holds
 * locks for long (one long DELETE is how Hook0's retention job stalled, issue #47). Pending
 * deliveries, and the events they belong to, are kept whatever their age.
 */
export class RetentionRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly batchSize = 2000,
  ) {}

  async purgeBefore(cutoff: number): Promise<PurgeResult> {
    const result: PurgeResult = { attempts: 0, deliveries: 0, events: 0, traces: 0 };
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
    result.events = await this.repeat(async () => {
      const seqs = this.db
        .selectFrom('events')
        .select('seq')
        .where('received_at', '<', cutoff)
        .where((eb) =>
          eb.not(
            eb.exists(eb.selectFrom('deliveries').select('id').whereRef('deliveries.event_seq', '=', 'events.seq')),
          ),
        )
        .limit(this.batchSize);
      return Number((await this.db.deleteFrom('events').where('seq', 'in', seqs).executeTakeFirst()).numDeletedRows);
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
    return result;
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
