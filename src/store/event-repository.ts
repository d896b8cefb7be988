import { sql, type Insertable, type Kysely, type Selectable } from 'kysely';
import type { TraceEntry } from '../routing/route-event.ts';
import { expandSkip, type StoredSkip } from '../routing/stored-trace.ts';
import type { Database, DeliveriesTable, EventsTable } from './schema.ts';
import { fetchPage, type Page, type PageRequest } from './page.ts';

export type EventRow = Selectable<EventsTable>;

export class EventRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Takes `count` sequence numbers and returns the last one. Must run inside the transaction
   * that stores the events: the counter row stays locked until it commits (see EventIngest).
   */
  async reserveSequence(count: number, trx: Kysely<Database>): Promise<number> {
    const row = await trx
      .updateTable('counters')
      .set({ value: sql<number>`value + ${count}` })
      .where('name', '=', 'event_seq')
      .returning('value')
      .executeTakeFirstOrThrow();
    return Number(row.value);
  }

  /**
   * Stores one event and its deliveries, made outside routing (a hook's test send), in one
   * transaction that takes the event's sequence number; returns that number.
   */
  async insertWithDeliveries(
    event: Omit<Insertable<EventsTable>, 'seq'>,
    deliveries: readonly Omit<Insertable<DeliveriesTable>, 'event_seq'>[],
  ): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const seq = await this.reserveSequence(1, trx);
      await trx
        .insertInto('events')
        .values({ ...event, seq })
        .execute();
      if (deliveries.length > 0) {
        await trx
          .insertInto('deliveries')
          .values(deliveries.map((delivery) => ({ ...delivery, event_seq: seq })))
          .execute();
      }
      return seq;
    });
  }

  get(organizationId: string, id: string): Promise<EventRow | undefined> {
    return this.db
      .selectFrom('events')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /** The skip entries routing recorded for an event (empty when it skipped nothing). */
  async skippedFor(seq: number): Promise<TraceEntry[]> {
    const row = await this.db
      .selectFrom('routing_traces')
      .select('skipped')
      .where('event_seq', '=', seq)
      .executeTakeFirst();
    return row === undefined ? [] : (JSON.parse(row.skipped) as StoredSkip[]).map(expandSkip);
  }

  async getBySeq(seqs: readonly number[]): Promise<Map<number, EventRow>> {
    if (seqs.length === 0) return new Map();
    const rows = await this.db.selectFrom('events').selectAll().where('seq', 'in', seqs).execute();
    return new Map(rows.map((row) => [row.seq, row]));
  }

  /** The organization's events after `cursor`, oldest first: what a stream reads next. */
  after(organizationId: string, cursor: number, limit: number): Promise<EventRow[]> {
    return this.db
      .selectFrom('events')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .where('seq', '>', cursor)
      .orderBy('seq')
      .limit(limit)
      .execute();
  }

  /** The organization's newest sequence number (0 when it has no events): where a live-only stream starts. */
  async lastSeqOf(organizationId: string): Promise<number> {
    const row = await this.db
      .selectFrom('events')
      .select((eb) => eb.fn.max('seq').as('last'))
      .where('organization_id', '=', organizationId)
      .executeTakeFirst();
    return Number(row?.last ?? 0);
  }

  /** The organization's events, newest first, optionally of one type. */
  list(organizationId: string, filter: { type?: string | undefined }, page: PageRequest): Promise<Page<EventRow>> {
    const query = this.db
      .selectFrom('events')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .$if(filter.type !== undefined, (qb) => qb.where('type', '=', filter.type!));
    return fetchPage(query, page, {
      column: 'seq',
      direction: 'desc',
      keyOf: (row) => String(row.seq),
      parseKey: Number,
    });
  }
}
