import type { Database as SqliteDatabase } from 'better-sqlite3';
import {
  SqliteDialect,
  SqliteDriver,
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  type SqliteDialectConfig,
} from 'kysely';
import type { WalFlusher } from './wal-flusher.ts';

/**
 * Kysely's SQLite driver, with durability made asynchronous. SQLite itself runs with
 * `synchronous=NORMAL`; whenever the connection is given back after a commit (or a write
 * outside a transaction), the WAL is flushed before the caller's query or transaction resolves,
 * but after the connection is released, so other statements run while the disk syncs. Writes
 * made inside `relaxed` skip the flush: they may be lost on power loss (never on a process
 * crash), as the delivery queue's claims and settles allow.
 */
export class DurableSqliteDriver extends SqliteDriver {
  /** A statement that writes ran since the last commit (or autocommit write) was noted. */
  private wrote = false;
  /** A durable write was committed since the connection was acquired. */
  private unflushed = false;
  /** Writes in the current acquisition need no flush (see `relaxed`). */
  private relaxedDepth = 0;
  private connection: DatabaseConnection | undefined;

  constructor(
    config: SqliteDialectConfig,
    private readonly sqlite: SqliteDatabase,
    /** Whether a statement writes (its prepared form, from the statement cache, knows). */
    private readonly writes: (sql: string) => boolean,
    private readonly wal: WalFlusher,
  ) {
    super(config);
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await super.acquireConnection();
    // SQLite has one connection: its wrapper is made once (a closure per acquisition costs a
    // `__name` call under tsx on the hottest path).
    this.connection ??= {
      executeQuery: (query) => this.executeOn(connection, query),
      streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
    };
    return this.connection;
  }

  private async executeOn<R>(connection: DatabaseConnection, query: CompiledQuery): Promise<QueryResult<R>> {
    if (this.writes(query.sql)) this.wrote = true;
    const result = await connection.executeQuery<R>(query);
    // Outside a transaction after writing: an autocommit write, or the COMMIT of a transaction
    // that wrote. Reads, and transactions that only read, need no flush.
    if (this.wrote && !this.sqlite.inTransaction) {
      this.wrote = false;
      if (this.relaxedDepth === 0) this.unflushed = true;
    }
    return result;
  }

  override async releaseConnection(): Promise<void> {
    const flush = this.unflushed;
    this.unflushed = false;
    await super.releaseConnection();
    if (flush) await this.wal.flush();
  }

  /**
   * Runs `fn` on the held connection with durability off. The single connection is held for the
   * whole of `fn`, so no other caller's write can slip in unflushed.
   */
  async relaxed<T>(fn: () => Promise<T>): Promise<T> {
    this.relaxedDepth += 1;
    try {
      return await fn();
    } finally {
      this.relaxedDepth -= 1;
    }
  }
}

/** Kysely's SQLite dialect with `DurableSqliteDriver`. */
export class DurableSqliteDialect extends SqliteDialect {
  constructor(private readonly driver: DurableSqliteDriver) {
    super({ database: () => Promise.reject(new Error('the driver is given, not built')) });
  }

  override createDriver(): Driver {
    return this.driver;
  }
}
