import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, TargetHealthTable } from './schema.ts';

export type TargetHealthRow = Selectable<TargetHealthTable>;

/** When a target's breaker opens, and how long it stays open (docs/channels.md "Common to all channels"). */
export interface BreakerPolicy {
  /** Consecutive `retry` outcomes, with no success in between, that open the breaker... */
  readonly failuresToOpen: number;
  /** ...provided the first of them is at least this old (a burst of timeouts from one outage instant is not enough). */
  readonly minFailingMs: number;
  readonly firstPauseMs: number;
  /** Each failed probe doubles the pause, up to this. */
  readonly maxPauseMs: number;
}

/**
 * What one settle batch says about one target: how its outcomes ended, in the order they came.
 * `failures` counts the `retry` outcomes after the batch's last success (or all of them when
 * `reset` is false, there being no success in the batch).
 */
export interface TargetOutcomes {
  readonly target: string;
  readonly failures: number;
  /** A success was seen: the stored failure count starts again from `failures`. */
  readonly reset: boolean;
  /** The target's probe ended with `retry`: the pause is extended (doubled). */
  readonly probeFailed: boolean;
}

/** The key of the target a delivery goes to: the hook, or for a personal delivery its channel and address. */
export function deliveryTarget(row: { hook_id: string | null; channel: string; address: string | null }): string {
  return row.hook_id !== null ? `hook:${row.hook_id}` : `to:${row.channel}:${row.address ?? ''}`;
}

/**
 * The circuit breakers of failing targets. Only failing targets have a row: the worker reads the
 * rows of a claimed batch's targets with one query and writes only the targets whose state
 * changes, inside the settle transaction.
 */
export class TargetHealthRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async read(targets: readonly string[]): Promise<TargetHealthRow[]> {
    if (targets.length === 0) return [];
    return this.db.selectFrom('target_health').selectAll().where('target', 'in', targets).execute();
  }

  async get(target: string): Promise<TargetHealthRow | undefined> {
    return this.db.selectFrom('target_health').selectAll().where('target', '=', target).executeTakeFirst();
  }

  /**
   * Takes the right to probe a target whose pause has ended: moves `paused_until` from the value
   * the caller read to `holdUntil`. Exactly one caller wins (the row is compared and set in one
   * statement); the others then read the target as paused. A probe whose worker dies lets the
   * hold run out, and the next worker probes.
   */
  async takeProbe(target: string, seenPausedUntil: number, holdUntil: number, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('target_health')
      .set({ paused_until: holdUntil, updated_at: now })
      .where('target', '=', target)
      .where('paused_until', '=', seenPausedUntil)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Paused targets (for the metrics gauge). */
  async pausedCount(now: number): Promise<number> {
    const row = await this.db
      .selectFrom('target_health')
      .select(sql<number>`count(*)`.as('paused'))
      .where('paused_until', '>', now)
      .executeTakeFirst();
    return Number(row?.paused ?? 0);
  }

  /**
   * Applies one settle batch's outcomes, inside the settle transaction `trx`. A target whose last
   * outcome was a success is closed (its row deleted) and, if it was paused, the deliveries waiting
   * for it fall due at once. A failing one counts its failures, and opens or extends its pause.
   */
  async record(trx: Kysely<Database>, outcomes: readonly TargetOutcomes[], policy: BreakerPolicy, now: number) {
    for (const outcome of outcomes) {
      if (outcome.failures === 0) {
        const closed = await trx
          .deleteFrom('target_health')
          .where('target', '=', outcome.target)
          .returning('paused_until')
          .executeTakeFirst();
        if (closed?.paused_until !== null && closed?.paused_until !== undefined) {
          await drainTarget(trx, outcome.target, now);
        }
        continue;
      }
      const row = await trx
        .insertInto('target_health')
        .values({
          target: outcome.target,
          consecutive_failures: outcome.failures,
          failing_since: now,
          paused_until: null,
          pause_ms: 0,
          updated_at: now,
        })
        .onConflict((conflict) =>
          conflict.column('target').doUpdateSet((eb) =>
            outcome.reset
              ? { consecutive_failures: outcome.failures, failing_since: now, updated_at: now }
              : {
                  consecutive_failures: eb('target_health.consecutive_failures', '+', outcome.failures),
                  updated_at: now,
                },
          ),
        )
        .returningAll()
        .executeTakeFirstOrThrow();
      let pauseMs: number | null = null;
      if (outcome.probeFailed) {
        pauseMs = Math.min(Math.max(row.pause_ms * 2, policy.firstPauseMs), policy.maxPauseMs);
      } else if (
        row.paused_until === null &&
        row.consecutive_failures >= policy.failuresToOpen &&
        now - Number(row.failing_since) >= policy.minFailingMs
      ) {
        pauseMs = policy.firstPauseMs;
      }
      if (pauseMs !== null) {
        await trx
          .updateTable('target_health')
          .set({ paused_until: now + pauseMs, pause_ms: pauseMs, updated_at: now })
          .where('target', '=', outcome.target)
          .execute();
      }
    }
  }
}

/**
 * Makes every pending delivery of a target that just recovered due now: those the pause held
 * back, and those waiting out a back-off that the same outage caused.
 */
async function drainTarget(trx: Kysely<Database>, target: string, now: number): Promise<void> {
  let query = trx
    .updateTable('deliveries')
    .set({
      next_attempt_at: now,
      last_error: sql<string | null>`case when last_error like 'waiting: target paused%' then null else last_error end`,
      updated_at: now,
    })
    .where('status', '=', 'pending')
    .where('next_attempt_at', '>', now);
  if (target.startsWith('hook:')) {
    query = query.where('hook_id', '=', target.slice('hook:'.length));
  } else {
    const [, channel = '', ...address] = target.split(':');
    query = query.where('hook_id', 'is', null).where('channel', '=', channel).where('address', '=', address.join(':'));
  }
  await query.execute();
}
