import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import type { Database } from '../schema.ts';
import type { OpenedDatabase } from '../opened-database.ts';
import { withStatementCache } from './statement-cache.ts';
import { localWakeups } from '../wakeups.ts';

/** The embedded store: one SQLite file in the data directory, one writer (this process). */
export function openSqliteDatabase(dataDir: string): OpenedDatabase {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'clarion.db');
  const sqlite = new SqliteDatabase(file);
  // WAL lets readers run beside the writer; synchronous=FULL makes every commit reach the disk
  // before it returns, which is what lets POST /v1/events answer 202 only for durable events.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return {
    db,
    relaxedTransaction: (fn) =>
      // One held connection: nothing else can commit while synchronous is lowered.
      db.connection().execute(async (connection) => {
        await sql`pragma synchronous = normal`.execute(connection);
        try {
          return await connection.transaction().execute(fn);
        } finally {
          await sql`pragma synchronous = full`.execute(connection);
        }
      }),
    dialect: {
      name: 'sqlite',
      supportsSkipLocked: false,
      supportsRowLocks: false,
      sharedByProcesses: false,
      concurrentConnections: false,
      bindsArrays: false,
    },
    wakeups: localWakeups,
    eventWakeups: localWakeups,
    inboxReadWakeups: localWakeups,
    description: file,
    close: () => db.destroy(),
  };
}
