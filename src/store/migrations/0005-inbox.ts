import type { Kysely } from 'kysely';

// Live event streams and the member inbox (issue "live events").
export async function up(db: Kysely<unknown>): Promise<void> {
  // A stream reads "this organization's events after seq N, in seq order": without this index
  // every look (one per wake-up or poll) would scan all events.
  await db.schema.createIndex('events_organization_seq').on('events').columns(['organization_id', 'seq']).execute();

  // One row per member and event their `browser` preference routed to them; the read state lives
  // here, on the server, so it is the same on every device.
  await db.schema
    .createTable('inbox_items')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('event_seq', 'bigint', (c) => c.notNull())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('read_at', 'bigint')
    .addPrimaryKeyConstraint('inbox_items_pk', ['user_id', 'event_seq'])
    .execute();
  await db.schema.createIndex('inbox_items_created').on('inbox_items').column('created_at').execute();
}
