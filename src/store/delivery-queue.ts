import { sql, type Insertable, type Kysely, type Selectable } from 'kysely';
import type { OpenedDatabase, StoreDialect } from './opened-database.ts';
import type { AttemptsTable, Database, DeliveriesTable, DeliveryStatus } from './schema.ts';

export type DeliveryRow = Selectable<DeliveriesTable>;

/**
 * The columns of a delivery the worker needs to send it and settle the attempt. A claim returns
 * only these: on SQLite, building the claimed rows as whole 22-column objects cost about as much
 * CPU as the claim's update itself.
 */
const CLAIMED_COLUMNS = [
  'id',
  'organization_id',
  'event_seq',
  'application_id',
  'hook_id',
  'channel',
  'address',
  'user_id',
  'attempts',
  'next_attempt_at',
] as const;

export type ClaimedDelivery = Pick<DeliveryRow, (typeof CLAIMED_COLUMNS)[number]>;

// 9 bound values per outcome row and 10 per attempt row: 500 rows stay far below SQLite's
// 32,766 and PostgreSQL's 65,535 parameters per statement.
const SETTLE_CHUNK = 500;

/** How one attempt ends for its delivery, written back by the worker that holds its lease. */
export interface Settlement {
  readonly deliveryId: string;
  /** The attempt to log; null when the channel put the send off and nothing went out. */
  readonly attempt: Insertable<AttemptsTable> | null;
  readonly status: Exclude<DeliveryStatus, 'sending' | 'cancelled'>;
  /** When status is `pending`: the time of the next attempt. */
  readonly nextAttemptAt: number;
  readonly attempts: number;
  /** Shown on the delivery until its next attempt: the last answer's status code and error. */
  readonly lastStatusCode: number | null;
  readonly lastError: string | null;
  readonly providerMessageId: string | null;
  /** A hook whose target is gone is disabled in the same transaction. */
  readonly disableHook: { readonly id: string; readonly reason: string } | null;
  /** A member's iOS device or Web Push subscription whose target is gone is deleted in the same transaction. */
  readonly removePushTarget?: string | null;
  readonly now: number;
}

/** A hook a settle disabled because its target is gone. */
export interface DisabledHook {
  readonly id: string;
  readonly organization_id: string;
  readonly name: string;
  readonly kind: string;
  readonly reason: string;
  readonly disabledAt: number;
}

/**
 * The delivery queue is rows in the store (graphile-worker style): a worker claims due rows
 * by taking a lease, sends without holding any transaction open, then settles each row.
 */
export class DeliveryQueue {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: StoreDialect,
    /** Claims, renewals and outcomes are safe to redo, so their commits need not wait for the disk. */
    private readonly relaxed: Pick<OpenedDatabase, 'relaxedTransaction' | 'relaxedStatement'>,
  ) {}

  /**
   * Leases up to `limit` due pending deliveries to `owner` until `leaseUntil`. On PostgreSQL
   * `FOR UPDATE SKIP LOCKED` lets any number of workers claim at once without taking the same
   * row; SQLite has one writer, so the statement itself is the lock.
   */
  claim(owner: string, now: number, limit: number, leaseUntil: number): Promise<ClaimedDelivery[]> {
    // One statement: the row locks of its subquery last until it commits.
    return this.relaxed.relaxedStatement((db) => this.claimIn(db, owner, now, limit, leaseUntil));
  }

  private claimIn(db: Kysely<Database>, owner: string, now: number, limit: number, leaseUntil: number) {
    const due = db
      .selectFrom('deliveries')
      .select('id')
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .orderBy('next_attempt_at')
      .limit(limit)
      .$if(this.dialect.supportsSkipLocked, (qb) => qb.forUpdate().skipLocked());
    return db
      .updateTable('deliveries')
      .set({ status: 'sending', lease_owner: owner, lease_until: leaseUntil, updated_at: now })
      .where('id', 'in', due)
      .returning(CLAIMED_COLUMNS)
      .execute();
  }

  /** Extends the leases `owner` still holds; a lease lost to expiry is not taken back. */
  async renew(owner: string, ids: readonly string[], leaseUntil: number): Promise<void> {
    if (ids.length === 0) return;
    await this.relaxed.relaxedStatement((db) =>
      db
        .updateTable('deliveries')
        .set({ lease_until: leaseUntil })
        .where('id', 'in', ids)
        .where('lease_owner', '=', owner)
        .where('status', '=', 'sending')
        .execute(),
    );
  }

  /**
   * Returns deliveries whose lease expired (their worker died) to the queue; returns how many.
   * The caller's own leases are left alone: it renews them until their outcome is written, so
   * one that looks expired only means its event loop was slow. Rows another transaction holds
   * are skipped, not waited for: a settling worker still owns them, and waiting could deadlock
   * with its bulk update.
   */
  async reclaimExpired(owner: string, now: number): Promise<number> {
    const expired = this.db
      .selectFrom('deliveries')
      .select('id')
      .where('status', '=', 'sending')
      .where('lease_until', '<', now)
      .where('lease_owner', '!=', owner)
      .$if(this.dialect.supportsSkipLocked, (qb) => qb.forUpdate().skipLocked());
    const result = await this.db
      .updateTable('deliveries')
      .set({ status: 'pending', lease_owner: null, lease_until: null, updated_at: now })
      .where('id', 'in', expired)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /**
   * Returns every leased delivery to the queue. Only for a store no other process uses (SQLite
   * at start): any lease found there belongs to a process that is gone.
   */
  async releaseAll(now: number): Promise<number> {
    const result = await this.db
      .updateTable('deliveries')
      .set({ status: 'pending', lease_owner: null, lease_until: null, updated_at: now })
      .where('status', '=', 'sending')
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /**
   * Writes a batch of attempts and their deliveries' new state in one transaction: one insert
   * and one bulk update per chunk, whatever the batch size (on PostgreSQL, a batch with nothing
   * else to write is one statement). A delivery whose lease this worker no longer holds keeps
   * its state (its attempt is still logged).
   */
  async settle(
    owner: string,
    settlements: readonly Settlement[],
    /** Runs last in the same transaction, told which hooks this settle disabled. */
    within?: (trx: Kysely<Database>, disabledHooks: readonly DisabledHook[]) => Promise<void>,
  ): Promise<DisabledHook[]> {
    if (settlements.length === 0) return [];
    const plain =
      within === undefined &&
      settlements.length <= SETTLE_CHUNK &&
      settlements.every((settlement) => !settlement.disableHook && !settlement.removePushTarget);
    if (plain && this.dialect.supportsWritableCtes) {
      // The usual batch (nothing disabled, removed or recorded besides) as one statement in its
      // own transaction: one round trip, where BEGIN, the insert, the update and COMMIT take four.
      await this.relaxed.relaxedStatement((db) => settleInOneStatement(db, owner, settlements));
      return [];
    }
    return this.relaxed.relaxedTransaction(async (trx) => {
      const disabledHooks: DisabledHook[] = [];
      for (let i = 0; i < settlements.length; i += SETTLE_CHUNK) {
        const chunk = settlements.slice(i, i + SETTLE_CHUNK);
        const attempts = chunk.flatMap((settlement) => (settlement.attempt === null ? [] : [settlement.attempt]));
        if (attempts.length > 0) await trx.insertInto('attempts').values(attempts).execute();
        await sql`
          with outcome (id, status, attempts, next_attempt_at, last_status_code, last_error, provider_message_id, updated_at, finished_at) as (
            values ${sql.join(chunk.map(outcomeRow))}
          )
          update deliveries set
            status = outcome.status,
            attempts = cast(outcome.attempts as integer),
            next_attempt_at = cast(outcome.next_attempt_at as bigint),
            lease_owner = null,
            lease_until = null,
            last_status_code = cast(outcome.last_status_code as integer),
            last_error = outcome.last_error,
            provider_message_id = coalesce(outcome.provider_message_id, deliveries.provider_message_id),
            updated_at = cast(outcome.updated_at as bigint),
            finished_at = cast(outcome.finished_at as bigint)
          from outcome
          where deliveries.id = outcome.id and deliveries.lease_owner = ${owner} and deliveries.status = 'sending'
        `.execute(trx);
      }
      const goneTargets = settlements.flatMap((settlement) => settlement.removePushTarget ?? []);
      if (goneTargets.length > 0) await trx.deleteFrom('push_targets').where('id', 'in', goneTargets).execute();
      for (const settlement of settlements) {
        if (!settlement.disableHook) continue;
        // Only a hook still enabled counts: two gone answers for one hook disable it once.
        const disabled = await trx
          .updateTable('hooks')
          .set({ enabled: 0, disabled_reason: settlement.disableHook.reason, updated_at: settlement.now })
          .where('id', '=', settlement.disableHook.id)
          .where('enabled', '=', 1)
          .returning(['id', 'organization_id', 'name', 'kind', 'disabled_reason'])
          .executeTakeFirst();
        if (disabled) {
          const { disabled_reason: reason, ...hook } = disabled;
          disabledHooks.push({ ...hook, reason: reason ?? '', disabledAt: settlement.now });
        }
      }
      await within?.(trx, disabledHooks);
      return disabledHooks;
    });
  }

  /** When the next pending delivery falls due, or null when none is pending. */
  async nextDueAt(): Promise<number | null> {
    const row = await this.db
      .selectFrom('deliveries')
      .select(sql<number | null>`min(next_attempt_at)`.as('due'))
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return row?.due === null || row?.due === undefined ? null : Number(row.due);
  }

  /** Pending deliveries and the age of the oldest due one (for metrics). */
  async depth(now: number): Promise<{ pending: number; oldestDueAgeMs: number }> {
    const row = await this.db
      .selectFrom('deliveries')
      .select([sql<number>`count(*)`.as('pending'), sql<number | null>`min(next_attempt_at)`.as('oldest')])
      .where('status', '=', 'pending')
      .executeTakeFirst();
    const oldest = row?.oldest === null || row?.oldest === undefined ? null : Number(row.oldest);
    return {
      pending: Number(row?.pending ?? 0),
      oldestDueAgeMs: oldest === null ? 0 : Math.max(0, now - oldest),
    };
  }
}

/**
 * A settle as one PostgreSQL statement: the attempts are inserted by a `WITH` clause (run once
 * whether or not the update reads it) and the outcomes updated from arrays, one bound value
 * per column.
 */
async function settleInOneStatement(db: Kysely<Database>, owner: string, settlements: readonly Settlement[]) {
  const attempts = settlements.flatMap((settlement) => (settlement.attempt === null ? [] : [settlement.attempt]));
  const attemptColumn = <K extends keyof Insertable<AttemptsTable>>(key: K) =>
    attempts.map((attempt) => attempt[key] ?? null);
  const outcomeColumn = <T>(value: (settlement: Settlement) => T) => settlements.map(value);
  await sql`
    with logged as (
      insert into attempts (
        id, delivery_id, organization_id, attempt, started_at, latency_ms, outcome, status_code, response_excerpt, error
      )
      select * from unnest(
        ${attemptColumn('id')}::text[], ${attemptColumn('delivery_id')}::text[], ${attemptColumn('organization_id')}::text[],
        ${attemptColumn('attempt')}::int4[], ${attemptColumn('started_at')}::int8[], ${attemptColumn('latency_ms')}::int4[],
        ${attemptColumn('outcome')}::text[], ${attemptColumn('status_code')}::int4[], ${attemptColumn('response_excerpt')}::text[],
        ${attemptColumn('error')}::text[]
      )
    ), outcome (
      id, status, attempts, next_attempt_at, last_status_code, last_error, provider_message_id, updated_at, finished_at
    ) as (
      select * from unnest(
        ${outcomeColumn((s) => s.deliveryId)}::text[], ${outcomeColumn((s) => s.status)}::text[],
        ${outcomeColumn((s) => s.attempts)}::int4[], ${outcomeColumn((s) => s.nextAttemptAt)}::int8[],
        ${outcomeColumn((s) => s.lastStatusCode)}::int4[], ${outcomeColumn((s) => s.lastError)}::text[],
        ${outcomeColumn((s) => s.providerMessageId)}::text[], ${outcomeColumn((s) => s.now)}::int8[],
        ${outcomeColumn((s) => (s.status === 'pending' ? null : s.now))}::int8[]
      )
    )
    update deliveries set
      status = outcome.status,
      attempts = outcome.attempts,
      next_attempt_at = outcome.next_attempt_at,
      lease_owner = null,
      lease_until = null,
      last_status_code = outcome.last_status_code,
      last_error = outcome.last_error,
      provider_message_id = coalesce(outcome.provider_message_id, deliveries.provider_message_id),
      updated_at = outcome.updated_at,
      finished_at = outcome.finished_at
    from outcome
    where deliveries.id = outcome.id and deliveries.lease_owner = ${owner} and deliveries.status = 'sending'
  `.execute(db);
}

function outcomeRow(settlement: Settlement) {
  const finished = settlement.status !== 'pending';
  return sql`(${settlement.deliveryId}, ${settlement.status}, ${settlement.attempts}, ${settlement.nextAttemptAt}, ${
    settlement.lastStatusCode
  }, ${settlement.lastError}, ${settlement.providerMessageId}, ${settlement.now}, ${finished ? settlement.now : null})`;
}
