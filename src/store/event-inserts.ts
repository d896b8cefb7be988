import type { Insertable, Kysely } from 'kysely';
import { BulkInsert } from './bulk-insert.ts';
import type { StoreDialect } from './opened-database.ts';
import type { Database, EventsTable } from './schema.ts';

/** New events, as ingest writes a group commit's worth of them (see BulkInsert). */
export const newEvents = new BulkInsert('events', [
  ['seq', 'int8'],
  ['organization_id', 'text'],
  ['id', 'text'],
  ['type', 'text'],
  ['application_id', 'text'],
  ['addon_id', 'text'],
  ['occurred_at', 'int8'],
  ['received_at', 'int8'],
  ['data', 'text'],
  ['body_hash', 'text'],
]);

/** Inserts new events inside `trx`. */
export function insertEvents(
  trx: Kysely<Database>,
  dialect: StoreDialect,
  rows: readonly Insertable<EventsTable>[],
): Promise<void> {
  return newEvents.run(trx, dialect, rows);
}
