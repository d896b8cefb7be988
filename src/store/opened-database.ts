import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import type { Wakeups } from './wakeups.ts';

/** What differs between the stores, as capabilities rather than `if (sqlite)` branches. */
export interface StoreDialect {
  readonly name: 'sqlite' | 'postgres';
  /** Claims use `FOR UPDATE SKIP LOCKED` so several workers never take the same row. */
  readonly supportsSkipLocked: boolean;
  /** `SELECT ... FOR UPDATE` locks rows until commit (SQLite has one writer at a time instead). */
  readonly supportsRowLocks: boolean;
  /** Several processes use this store at once (leases of others may be alive). */
  readonly sharedByProcesses: boolean;
  /** A statement can bind a whole array as one value (PostgreSQL); bulk inserts then use `unnest`. */
  readonly bindsArrays: boolean;
  /** A `WITH` clause may insert (PostgreSQL): several writes then go in one statement. */
  readonly supportsWritableCtes: boolean;
}

export interface OpenedDatabase {
  readonly db: Kysely<Database>;
  /**
   * Runs `fn` in a transaction whose commit does not wait for the disk (on SQLite, no WAL
   * flush after it; on PostgreSQL, `synchronous_commit=off`): a power cut may forget it, a
   * process crash may not. Only for bookkeeping that is safe to redo (a forgotten claim or
   * outcome means the delivery is sent again). Later durable commits make it durable too.
   */
  relaxedTransaction<T>(fn: (trx: Kysely<Database>) => Promise<T>): Promise<T>;
  /**
   * Runs the one statement `fn` makes as its own transaction, with the durability of
   * `relaxedTransaction`. On PostgreSQL that is a single round trip, against three for a
   * transaction (BEGIN, the statement, COMMIT).
   */
  relaxedStatement<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T>;
  readonly dialect: StoreDialect;
  /** How workers in other processes learn that deliveries were queued. */
  readonly wakeups: Wakeups;
  /** How event streams in other processes learn that events were stored (payload: feed keys). */
  readonly eventWakeups: Wakeups;
  /** How inbox streams in other processes learn that a member read notifications (payload: JSON). */
  readonly inboxReadWakeups: Wakeups;
  /** Where the data lives, safe to log. */
  readonly description: string;
  close(): Promise<void>;
}
