import type { Kysely } from 'kysely';

// The circuit breaker's state per delivery target (a hook, or a channel and address). A row
// exists only while a target is failing: a success deletes it, so a healthy target costs nothing.
// It lives in the store, not in a worker's memory, so every worker process sharing the store
// sees one pause, and only one of them may probe the target when the pause ends.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('target_health')
    .addColumn('target', 'text', (c) => c.primaryKey())
    .addColumn('consecutive_failures', 'integer', (c) => c.notNull())
    .addColumn('failing_since', 'bigint', (c) => c.notNull())
    .addColumn('paused_until', 'bigint')
    .addColumn('pause_ms', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}
