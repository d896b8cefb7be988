import { CompiledQuery, sql, type Insertable, type Kysely } from 'kysely';
import type { StoreDialect } from './opened-database.ts';
import type { Database, DeliveriesTable } from './schema.ts';

/**
 * Rows per multi-row VALUES statement on SQLite, largest first. A batch is cut into chunks of
 * these sizes (1,000 x 18 columns stays under SQLite's 32,766 bound parameters), so every
 * statement has one of eight texts, compiled once here and prepared once by the statement cache.
 */
const VALUES_CHUNKS = [1000, 256, 64, 16, 8, 4, 2, 1] as const;

/** The columns a new delivery is written with, and their PostgreSQL types (for the arrays). */
const NEW_DELIVERY_COLUMNS = [
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
] as const satisfies readonly (readonly [keyof DeliveriesTable, string])[];

/**
 * Inserts new deliveries inside `trx`. Where the store takes arrays (PostgreSQL), each column is
 * bound as one array and unpacked by `unnest`: 18 bound values whatever the row count. A
 * multi-row VALUES list binds 18 values per row, and Kysely (compiling) and pg (serializing)
 * spend about a microsecond on each: 180,000 for a 10,000-hook fan-out.
 */
export async function insertDeliveries(
  trx: Kysely<Database>,
  dialect: StoreDialect,
  rows: readonly Insertable<DeliveriesTable>[],
): Promise<void> {
  if (rows.length === 0) return;
  if (!dialect.bindsArrays) {
    await insertByValues(trx, rows);
    return;
  }
  const arrays = NEW_DELIVERY_COLUMNS.map(([column, type]) => {
    const values = rows.map((row) => row[column] ?? null);
    return sql`${values}::${sql.raw(type)}[]`;
  });
  await sql`
    insert into deliveries (${sql.join(NEW_DELIVERY_COLUMNS.map(([column]) => sql.ref(column)))})
    select * from unnest(${sql.join(arrays)})
  `.execute(trx);
}

const valuesStatements = new Map<number, string>();

/** The INSERT of `count` rows with positional parameters, in NEW_DELIVERY_COLUMNS order. */
function valuesStatement(count: number): string {
  let text = valuesStatements.get(count);
  if (text === undefined) {
    const columns = NEW_DELIVERY_COLUMNS.map(([column]) => `"${column}"`).join(', ');
    const tuple = `(${NEW_DELIVERY_COLUMNS.map(() => '?').join(', ')})`;
    text = `insert into "deliveries" (${columns}) values ${Array(count).fill(tuple).join(', ')}`;
    valuesStatements.set(count, text);
  }
  return text;
}

/**
 * Multi-row VALUES inserts whose text is built here, not by Kysely's query builder: the builder
 * makes a frozen node per bound value (115,200 for 64 events to 100 hooks each), which cost more
 * CPU than SQLite's own insert and was most of the garbage an ingest process made.
 */
async function insertByValues(trx: Kysely<Database>, rows: readonly Insertable<DeliveriesTable>[]): Promise<void> {
  let start = 0;
  for (const size of VALUES_CHUNKS) {
    while (rows.length - start >= size) {
      const parameters: unknown[] = [];
      for (let i = start; i < start + size; i++) {
        const row = rows[i]!;
        for (const [column] of NEW_DELIVERY_COLUMNS) parameters.push(row[column] ?? null);
      }
      await trx.executeQuery(CompiledQuery.raw(valuesStatement(size), parameters));
      start += size;
    }
  }
}
