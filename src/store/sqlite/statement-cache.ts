import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';

/**
 * better-sqlite3 with its prepared statements kept, most recently used first. Kysely's SQLite
 * driver prepares every statement anew; preparing cost about 4% of the worker's CPU in a
 * profile. Queries with `IN (?, ?, ...)` lists of many lengths make many shapes, so the cache
 * is bounded.
 */
export function withStatementCache(database: SqliteDatabase, capacity = 500) {
  const statements = new Map<string, Statement>();
  return {
    prepare(sql: string): Statement {
      let statement = statements.get(sql);
      if (statement === undefined) {
        statement = database.prepare(sql);
        if (statements.size >= capacity) statements.delete(statements.keys().next().value!);
      } else {
        statements.delete(sql); // re-inserted below: Map order is the recency order
      }
      statements.set(sql, statement);
      return statement;
    },
    close(): void {
      statements.clear();
      database.close();
    },
  };
}
