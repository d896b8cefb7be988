import type { Kysely, Selectable } from 'kysely';
import type { Database, EventsTable } from './schema.ts';
import { fetchPage, type Page, type PageRequest } from './page.ts';

/**
 * An inbox item with its event, and the names its notification shows (the application's is null
 * for an account event, or when the application was deleted since).
 */
export type InboxRow = Selectable<EventsTable> & {
  read_at: number | null;
  organization_name: string;
  application_name: string | null;
};

/**
 * Members' browser inboxes. Items of an organization the member has left are hidden (kept until
 * retention removes them), so a former member never reads that organization's events again.
 */
export class InboxRepository {
  constructor(private readonly db: Kysely<Database>) {}

  private items(userId: string) {
    return this.db
      .selectFrom('inbox_items')
      .innerJoin('events', 'events.seq', 'inbox_items.event_seq')
      .innerJoin('memberships', (join) =>
        join
          .onRef('memberships.organization_id', '=', 'inbox_items.organization_id')
          .onRef('memberships.user_id', '=', 'inbox_items.user_id'),
      )
      .innerJoin('organizations', 'organizations.id', 'inbox_items.organization_id')
      .leftJoin('applications', (join) =>
        join
          .onRef('applications.organization_id', '=', 'events.organization_id')
          .onRef('applications.id', '=', 'events.application_id'),
      )
      .selectAll('events')
      .select([
        'inbox_items.read_at',
        'organizations.name as organization_name',
        'applications.name as application_name',
      ])
      .where('inbox_items.user_id', '=', userId);
  }

  /** Newest first, optionally unread only. */
  list(userId: string, filter: { unread?: boolean | undefined }, page: PageRequest): Promise<Page<InboxRow>> {
    const query = this.items(userId).$if(filter.unread === true, (qb) => qb.where('inbox_items.read_at', 'is', null));
    return fetchPage(query, page, {
      column: 'inbox_items.event_seq',
      direction: 'desc',
      keyOf: (row) => String(row.seq),
      parseKey: Number,
    });
  }

  /** The member's items after `cursor`, oldest first: what the inbox stream reads next. */
  after(userId: string, cursor: number, limit: number): Promise<InboxRow[]> {
    return this.items(userId)
      .where('inbox_items.event_seq', '>', cursor)
      .orderBy('inbox_items.event_seq')
      .limit(limit)
      .execute();
  }

  async lastSeqOf(userId: string): Promise<number> {
    const row = await this.db
      .selectFrom('inbox_items')
      .select((eb) => eb.fn.max('event_seq').as('last'))
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(row?.last ?? 0);
  }

  async unreadCount(userId: string): Promise<number> {
    const row = await this.items(userId)
      .clearSelect()
      .select((eb) => eb.fn.countAll().as('count'))
      .where('inbox_items.read_at', 'is', null)
      .executeTakeFirst();
    return Number(row?.count ?? 0);
  }

  /** Marks one item read; false when the member has no such item. Marking twice keeps the first time. */
  async markRead(userId: string, seq: number, now: number): Promise<boolean> {
    const exists = await this.items(userId).where('inbox_items.event_seq', '=', seq).executeTakeFirst();
    if (!exists) return false;
    await this.db
      .updateTable('inbox_items')
      .set({ read_at: now })
      .where('user_id', '=', userId)
      .where('event_seq', '=', seq)
      .where('read_at', 'is', null)
      .execute();
    return true;
  }

  /** Marks every unread item read (up to `throughSeq` when given); returns how many changed. */
  async markAllRead(userId: string, now: number, throughSeq?: number): Promise<number> {
    const result = await this.db
      .updateTable('inbox_items')
      .set({ read_at: now })
      .where('user_id', '=', userId)
      .where('read_at', 'is', null)
      .$if(throughSeq !== undefined, (qb) => qb.where('event_seq', '<=', throughSeq!))
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }
}
