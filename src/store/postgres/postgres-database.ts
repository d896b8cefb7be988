import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from '../schema.ts';
import type { OpenedDatabase } from '../opened-database.ts';
import { PostgresWakeups } from './postgres-wakeups.ts';

const INT8_OID = 20;

/**
 * PostgreSQL: any number of API and worker processes share it. BIGINT columns hold epoch
 * milliseconds and sequence numbers, all far below 2^53, so they are parsed as numbers.
 */
export function openPostgresDatabase(
  connectionString: string,
  onError: (error: unknown) => void = () => {},
  poolSize = 10,
): OpenedDatabase {
  const parseInt8 = (value: string): number => Number(value);
  const types = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === INT8_OID ? parseInt8 : (pg.types.getTypeParser(oid, format) as unknown)) as typeof pg.types.getTypeParser,
  };
  const pool = new pg.Pool({ connectionString, max: poolSize, types });
  // An idle pooled connection that the server ends (a restart, an administrator's terminate) is
  // reported here; unhandled, pg would throw it and take the process down. The pool opens a new
  // connection on next use.
  pool.on('error', onError);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    relaxedTransaction: (fn) =>
      db.transaction().execute(async (trx) => {
        await sql`set local synchronous_commit = off`.execute(trx);
        return fn(trx);
      }),
    dialect: {
      name: 'postgres',
      supportsSkipLocked: true,
      supportsRowLocks: true,
      sharedByProcesses: true,
      bindsArrays: true,
    },
    wakeups: new PostgresWakeups(pool, connectionString, onError),
    eventWakeups: new PostgresWakeups(pool, connectionString, onError, 'clarion_events'),
    inboxReadWakeups: new PostgresWakeups(pool, connectionString, onError, 'clarion_inbox_reads'),
    description: redactConnectionString(connectionString),
    close: () => db.destroy(),
  };
}

/** The connection string without its password, for logs. */
export function redactConnectionString(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return 'postgres://(unparseable)';
  }
}
