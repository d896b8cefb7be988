import type { ExpressionBuilder, Kysely, Selectable } from 'kysely';
import type { AttemptsTable, Database } from './schema.ts';
import type { DeliveryRow } from './delivery-queue.ts';
import { deliveryMatches, type DeliveryFilter } from './delivery-filter.ts';
import { deliveryStats, type StatsBucket, type StatsRange } from './delivery-stats.ts';
import { fetchPage, type Page, type PageRequest } from './page.ts';

export type AttemptRow = Selectable<AttemptsTable>;
export type { DeliveryFilter } from './delivery-filter.ts';

/** Reading the delivery log and re-sending deliveries. */
export class DeliveryRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Deliveries matching the filter, newest first. */
  list(filter: DeliveryFilter, page: PageRequest): Promise<Page<DeliveryRow>> {
    const query = this.db
      .selectFrom('deliveries')
      .selectAll()
      .where((eb) => deliveryMatches(eb, filter));
    return fetchPage(query, page, { column: 'id', direction: 'desc', keyOf: (row) => row.id });
  }

  /** Deliveries by outcome and attempt durations, bucket by bucket over the range (delivery-stats.ts). */
  stats(filter: Omit<DeliveryFilter, 'since' | 'until'>, range: StatsRange): Promise<StatsBucket[]> {
    return deliveryStats(this.db, filter, range);
  }

  /** Every delivery an event produced, in the order routing created them. */
  forEvent(eventSeq: number): Promise<DeliveryRow[]> {
    return this.db.selectFrom('deliveries').selectAll().where('event_seq', '=', eventSeq).orderBy('id').execute();
  }

  get(id: string): Promise<DeliveryRow | undefined> {
    return this.db.selectFrom('deliveries').selectAll().where('id', '=', id).executeTakeFirst();
  }

  attempts(deliveryId: string): Promise<AttemptRow[]> {
    return this.db
      .selectFrom('attempts')
      .selectAll()
      .where('delivery_id', '=', deliveryId)
      .orderBy('started_at')
      .orderBy('attempt')
      .execute();
  }

  /**
   * Puts finished deliveries back in the queue for a new schedule of attempts, due now.
   * Returns how many were re-queued (a delivery still pending or sending is left alone).
   */
  async requeue(ids: readonly string[], now: number): Promise<number> {
    if (ids.length === 0) return 0;
    const result = await this.db
      .updateTable('deliveries')
      .set({ status: 'pending', attempts: 0, next_attempt_at: now, updated_at: now, finished_at: null })
      .where('id', 'in', ids)
      .where('status', 'in', ['sent', 'failed', 'gone', 'cancelled'])
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /**
   * Re-queues every `failed` delivery of an organization matching the filter (its status is
   * `failed` whatever the filter says), except those of a hook that is disabled or deleted:
   * they are counted as `skipped` and left as they are.
   */
  async requeueAllFailed(
    filter: DeliveryFilter & { organizationId: string },
    now: number,
  ): Promise<{ requeued: number; skipped: number }> {
    const failed = { ...filter, status: 'failed' as const };
    // A member's delivery has no hook; a hook's may go out only while the hook is enabled.
    const sendable = (eb: ExpressionBuilder<Database, 'deliveries'>) =>
      eb.or([
        eb('deliveries.hook_id', 'is', null),
        eb(
          'deliveries.hook_id',
          'in',
          eb
            .selectFrom('hooks')
            .select('hooks.id')
            .where('hooks.organization_id', '=', filter.organizationId)
            .where('hooks.enabled', '=', 1),
        ),
      ]);
    const skipped = await this.db
      .selectFrom('deliveries')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where((eb) => eb.and([deliveryMatches(eb, failed), eb.not(sendable(eb))]))
      .executeTakeFirstOrThrow();
    const result = await this.db
      .updateTable('deliveries')
      .set({ status: 'pending', attempts: 0, next_attempt_at: now, updated_at: now, finished_at: null })
      .where((eb) => eb.and([deliveryMatches(eb, failed), sendable(eb)]))
      .executeTakeFirst();
    return { requeued: Number(result.numUpdatedRows), skipped: Number(skipped.count) };
  }

  /** Re-queues every `failed` delivery of a hook created since `since`; returns the count. */
  async requeueFailed(hookId: string, since: number, now: number): Promise<number> {
    const result = await this.db
      .updateTable('deliveries')
      .set({ status: 'pending', attempts: 0, next_attempt_at: now, updated_at: now, finished_at: null })
      .where('hook_id', '=', hookId)
      .where('status', '=', 'failed')
      .where('created_at', '>=', since)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }
}
