import type { Kysely, Selectable } from 'kysely';
import type { AttemptsTable, Database, DeliveryStatus } from './schema.ts';
import type { DeliveryRow } from './delivery-queue.ts';
import { fetchPage, type Page, type PageRequest } from './page.ts';

export type AttemptRow = Selectable<AttemptsTable>;

export interface DeliveryFilter {
  organizationId?: string | undefined;
  eventId?: string | undefined;
  hookId?: string | undefined;
  status?: DeliveryStatus | undefined;
  channel?: string | undefined;
  /** Created at or after (epoch ms). */
  since?: number | undefined;
  /** Created before (epoch ms). */
  until?: number | undefined;
}

/** Reading the delivery log and re-sending deliveries. */
export class DeliveryRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Deliveries matching the filter, newest first. */
  list(filter: DeliveryFilter, page: PageRequest): Promise<Page<DeliveryRow>> {
    const query = this.db
      .selectFrom('deliveries')
      .selectAll()
      .$if(filter.organizationId !== undefined, (qb) => qb.where('organization_id', '=', filter.organizationId!))
      .$if(filter.eventId !== undefined, (qb) => qb.where('event_id', '=', filter.eventId!))
      .$if(filter.hookId !== undefined, (qb) => qb.where('hook_id', '=', filter.hookId!))
      .$if(filter.status !== undefined, (qb) => qb.where('status', '=', filter.status!))
      .$if(filter.channel !== undefined, (qb) => qb.where('channel', '=', filter.channel!))
      .$if(filter.since !== undefined, (qb) => qb.where('created_at', '>=', filter.since!))
      .$if(filter.until !== undefined, (qb) => qb.where('created_at', '<', filter.until!));
    return fetchPage(query, page, { column: 'id', direction: 'desc', keyOf: (row) => row.id });
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
