import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from '../schema.ts';
import type { OpenedDatabase } from '../opened-database.ts';
import { PostgresWakeups } from './postgres-wakeups.ts';

const INT8_OID = 20;
const RELAXED_POOL_SIZE = 4;

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
  // Connections whose commits do not wait for the WAL to reach the disk, for the workers'
  // claims and outcomes: set per session, so a relaxed statement is one round trip, not
  // BEGIN, SET LOCAL, the statement and COMMIT. A worker has a claim, an outcome write and a
  // lease renewal under way at most.
  const relaxedPool = new pg.Pool({
    connectionString,
    max: RELAXED_POOL_SIZE,
    types,
    options: '-c synchronous_commit=off',
  });
  // An idle pooled connection that the server ends (a restart, an administrator's terminate) is
  // reported here; unhandled, pg would throw it and take the process down. The pool opens a new
  // connection on next use.
  pool.on('error', onError);
  relaxedPool.on('error', onError);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const relaxedDb = new Kysely<Database>({ dialect: new PostgresDialect({ pool: relaxedPool }) });
  return {
    db,
    relaxedTransaction: (fn) => relaxedDb.transaction().execute(fn),
    relaxedStatement: (fn) => fn(relaxedDb),
    dialect: {
      name: 'postgres',
      supportsSkipLocked: true,
      supportsRowLocks: true,
      sharedByProcesses: true,
      bindsArrays: true,
      supportsWritableCtes: true,
    },
    wakeups: new PostgresWakeups(pool, connectionString, onError),
    eventWakeups: new PostgresWakeups(pool, connectionString, onError, 'clarion_events'),
    inboxReadWakeups: new PostgresWakeups(pool, connectionString, onError, 'clarion_inbox_reads'),
    description: redactConnectionString(connectionString),
    close: async () => {
      await relaxedDb.destroy();
      await db.destroy();
    },
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
