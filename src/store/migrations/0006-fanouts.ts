import type { Kysely } from 'kysely';

// Large fan-outs written after the 202 (issue "speed"): an event routed to more deliveries than
// the inline limit stores its routing plan here, in the commit that stores the event, and the
// workers turn the plan into deliveries a chunk per transaction.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('fanouts')
    .addColumn('event_seq', 'bigint', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('application_id', 'text')
    .addColumn('plan', 'text', (c) => c.notNull())
    .addColumn('total', 'integer', (c) => c.notNull())
    .addColumn('expanded', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}
