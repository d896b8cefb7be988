import type { Insertable, Kysely } from 'kysely';
import { BulkInsert } from './bulk-insert.ts';
import type { StoreDialect } from './opened-database.ts';
import type { Database, DeliveriesTable } from './schema.ts';

/**
 * New deliveries, as ingest writes them: on PostgreSQL one `unnest` statement of 18 arrays
 * (18 bound values whatever the row count, against 180,000 for a 10,000-hook fan-out as a
 * VALUES list), on SQLite multi-row VALUES statements of fixed sizes.
 */
export const newDeliveries = new BulkInsert('deliveries', [
  ['id', 'text'],
  ['organization_id', 'text'],
  ['event_seq', 'int8'],
  ['event_id', 'text'],
  ['event_type', 'text'],
  ['application_id', 'text'],
  ['hook_id', 'text'],
  ['user_id', 'text'],
  ['channel', 'text'],
  ['address', 'text'],
  ['reason', 'text'],
  ['status', 'text'],
  ['attempts', 'int4'],
  ['next_attempt_at', 'int8'],
  ['lease_owner', 'text'],
  ['lease_until', 'int8'],
  ['created_at', 'int8'],
  ['updated_at', 'int8'],
]);

/** Inserts new deliveries inside `trx`. */
export function insertDeliveries(
  trx: Kysely<Database>,
  dialect: StoreDialect,
  rows: readonly Insertable<DeliveriesTable>[],
): Promise<void> {
  return newDeliveries.run(trx, dialect, rows);
}
