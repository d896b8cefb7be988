import type { Insertable } from 'kysely';
import { newId } from '../ids.ts';
import type { PlannedDelivery } from '../routing/route-event.ts';
import type { DeliveriesTable } from '../store/schema.ts';

/** The stored event a new delivery belongs to. */
export interface DeliveredEvent {
  readonly organizationId: string;
  readonly seq: number;
  readonly id: string;
  readonly type: string;
  readonly applicationId: string | null;
}

/** The queue row of one delivery routing planned: pending, due at `now`. */
export function newDelivery(event: DeliveredEvent, planned: PlannedDelivery, now: number): Insertable<DeliveriesTable> {
  return {
    id: newId('dlv'),
    organization_id: event.organizationId,
    event_seq: event.seq,
    event_id: event.id,
    event_type: event.type,
    application_id: event.applicationId,
    hook_id: planned.hookId,
    user_id: planned.userId,
    channel: planned.channel,
    address: planned.address,
    reason: planned.reason,
    status: 'pending',
    attempts: 0,
    next_attempt_at: now,
    created_at: now,
    updated_at: now,
  };
}
