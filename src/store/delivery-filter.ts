import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import type { Database, DeliveryStatus } from './schema.ts';

/** What the delivery log, its statistics and a bulk re-send select; every field narrows. */
export interface DeliveryFilter {
  organizationId?: string | undefined;
  eventId?: string | undefined;
  /** The event's type (`job.fail`). */
  eventType?: string | undefined;
  applicationId?: string | undefined;
  hookId?: string | undefined;
  status?: DeliveryStatus | undefined;
  channel?: string | undefined;
  /** Created at or after (epoch ms). */
  since?: number | undefined;
  /** Created before (epoch ms). */
  until?: number | undefined;
}

/**
 * The filter as one condition on the deliveries table. Columns are qualified, so the condition
 * holds inside an UPDATE and beside other tables alike.
 */
export function deliveryMatches(
  eb: ExpressionBuilder<Database, 'deliveries'>,
  filter: DeliveryFilter,
): Expression<SqlBool> {
  const conditions: Expression<SqlBool>[] = [];
  if (filter.organizationId !== undefined)
    conditions.push(eb('deliveries.organization_id', '=', filter.organizationId));
  if (filter.eventId !== undefined) conditions.push(eb('deliveries.event_id', '=', filter.eventId));
  if (filter.eventType !== undefined) conditions.push(eb('deliveries.event_type', '=', filter.eventType));
  if (filter.applicationId !== undefined) conditions.push(eb('deliveries.application_id', '=', filter.applicationId));
  if (filter.hookId !== undefined) conditions.push(eb('deliveries.hook_id', '=', filter.hookId));
  if (filter.status !== undefined) conditions.push(eb('deliveries.status', '=', filter.status));
  if (filter.channel !== undefined) conditions.push(eb('deliveries.channel', '=', filter.channel));
  if (filter.since !== undefined) conditions.push(eb('deliveries.created_at', '>=', filter.since));
  if (filter.until !== undefined) conditions.push(eb('deliveries.created_at', '<', filter.until));
  return eb.and(conditions);
}
