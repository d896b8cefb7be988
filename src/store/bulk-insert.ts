import { CompiledQuery, sql, type Insertable, type Kysely, type RawBuilder } from 'kysely';
import type { StoreDialect } from './opened-database.ts';
import type { Database } from './schema.ts';

/**
 * Rows per multi-row VALUES statement on SQLite, largest first. A batch is cut into chunks of
 * these sizes (1,000 rows of up to 32 columns stay under SQLite's 32,766 bound parameters), so
 * every statement has one of eight texts, compiled once here and prepared once by the
 * statement cache.
 */
const VALUES_CHUNKS = [1000, 256, 64, 16, 8, 4, 2, 1] as const;
const MAX_COLUMNS = 32;

type TableName = keyof Database;

/** The columns a bulk insert writes, in order, with their PostgreSQL types (for the arrays). */
export type BulkColumns<Name extends TableName> = readonly (readonly [keyof Database[Name] & string, string])[];

/**
 * Inserts many rows of one table in a transaction, with statement texts built here rather than
 * by Kysely's query builder: the builder makes a frozen node per bound value (115,200 for 64
 * events to 100 hooks each), which cost more CPU than SQLite's own insert and was most of the
 * garbage an ingest process made.
 * - Where the store takes arrays (PostgreSQL), each column is bound as one array and unpacked by
 *   `unnest`: as many bound values as columns, whatever the row count (pg converts each bound
 *   value in JavaScript).
 * - Otherwise (SQLite), multi-row VALUES statements of the fixed VALUES_CHUNKS sizes.
 */
export class BulkInsert<Name extends TableName> {
  private readonly valuesStatements = new Map<number, string>();

  constructor(
    readonly table: Name,
    private readonly columns: BulkColumns<Name>,
  ) {
    if (columns.length > MAX_COLUMNS) throw new Error(`${table}: at most ${MAX_COLUMNS} columns per bulk insert`);
  }

  async run(trx: Kysely<Database>, dialect: StoreDialect, rows: readonly Insertable<Database[Name]>[]): Promise<void> {
    if (rows.length === 0) return;
    if (dialect.bindsArrays) await this.unnest(trx, rows);
    else await this.values(trx, rows);
  }

  /** The column names, in the order of `arrays`. */
  get columnNames(): readonly string[] {
    return this.columns.map(([column]) => column);
  }

  /**
   * `rows` as one bound array per column, cast to the column's PostgreSQL type, in column order:
   * `unnest` turns them back into rows, here and in statements that insert more around them.
   */
  arrays(rows: readonly Insertable<Database[Name]>[]): RawBuilder<unknown>[] {
    return this.columns.map(([column, type]) => {
      const values = rows.map((row) => (row as Record<string, unknown>)[column] ?? null);
      return sql`${values}::${sql.raw(type)}[]`;
    });
  }

  private async unnest(trx: Kysely<Database>, rows: readonly Insertable<Database[Name]>[]): Promise<void> {
    await sql`
      insert into ${sql.table(this.table)} (${sql.join(this.columnNames.map((column) => sql.ref(column)))})
      select * from unnest(${sql.join(this.arrays(rows))})
    `.execute(trx);
  }

  private async values(trx: Kysely<Database>, rows: readonly Insertable<Database[Name]>[]): Promise<void> {
    let start = 0;
    for (const size of VALUES_CHUNKS) {
      while (rows.length - start >= size) {
        const parameters: unknown[] = [];
        for (let i = start; i < start + size; i++) {
          const row = rows[i] as Record<string, unknown>;
          for (const [column] of this.columns) parameters.push(row[column] ?? null);
        }
        await trx.executeQuery(CompiledQuery.raw(this.valuesStatement(size), parameters));
        start += size;
      }
    }
  }

  /** The INSERT of `count` rows with positional parameters, in column order. */
  private valuesStatement(count: number): string {
    let text = this.valuesStatements.get(count);
    if (text === undefined) {
      const columns = this.columns.map(([column]) => `"${column}"`).join(', ');
      const tuple = `(${this.columns.map(() => '?').join(', ')})`;
      text = `insert into "${this.table}" (${columns}) values ${Array(count).fill(tuple).join(', ')}`;
      this.valuesStatements.set(count, text);
    }
    return text;
  }
}
