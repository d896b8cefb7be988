import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely } from 'kysely';
import type { Database } from '../schema.ts';
import type { OpenedDatabase } from '../opened-database.ts';
import { withStatementCache } from './statement-cache.ts';
import { DurableSqliteDialect, DurableSqliteDriver } from './durable-sqlite-driver.ts';
import { WalFlusher, type FileSync } from './wal-flusher.ts';
import { localWakeups } from '../wakeups.ts';

/**
 * The embedded store: one SQLite file in the data directory, one writer (this process).
 * `walSync` replaces the fdatasync that makes commits durable (tests hold it to watch the order).
 */
export function openSqliteDatabase(dataDir: string, walSync?: FileSync): OpenedDatabase {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'clarion.db');
  const sqlite = new SqliteDatabase(file);
  // WAL lets readers run beside the writer. Commits are made durable by syncing the WAL off the
  // event loop before they resolve (DurableSqliteDriver), which is what lets POST /v1/events
  // answer 202 only for durable events; SQLite's own synchronous=FULL would block the event loop
  // for each sync (1-2 ms here: 15% of a busy process).
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  const wal = new WalFlusher(`${file}-wal`, walSync);
  const statements = withStatementCache(sqlite);
  // sqlite3_stmt_readonly: false for any statement that may change the database file.
  const writes = (text: string) => !statements.prepare(text).readonly;
  const driver = new DurableSqliteDriver({ database: statements }, sqlite, writes, wal);
  const db = new Kysely<Database>({ dialect: new DurableSqliteDialect(driver) });
  return {
    db,
    relaxedTransaction: (fn) =>
      // One held connection: nothing else can commit while durability is off.
      db.connection().execute((connection) => driver.relaxed(() => connection.transaction().execute(fn))),
    relaxedStatement: (fn) => db.connection().execute((connection) => driver.relaxed(() => fn(connection))),
    dialect: {
      name: 'sqlite',
      supportsSkipLocked: false,
      supportsRowLocks: false,
      sharedByProcesses: false,
      bindsArrays: false,
      supportsWritableCtes: false,
    },
    wakeups: localWakeups,
    eventWakeups: localWakeups,
    inboxReadWakeups: localWakeups,
    description: file,
    close: async () => {
      await db.destroy();
      await wal.close();
    },
  };
}
