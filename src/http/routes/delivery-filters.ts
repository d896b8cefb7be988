import { Type, type Static } from 'typebox';
import type { DeliveryFilter } from '../../store/delivery-filter.ts';
import { Timestamp } from '../schemas.ts';

export const DeliveryStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('sending'),
  Type.Literal('sent'),
  Type.Literal('failed'),
  Type.Literal('gone'),
  Type.Literal('cancelled'),
]);

/** What selects deliveries besides time: the same in the log, its statistics and a bulk re-send. */
export const DeliverySelectors = {
  event: Type.Optional(Type.String({ description: 'Event id' })),
  type: Type.Optional(Type.String({ description: 'Event type (`job.fail`)' })),
  application: Type.Optional(Type.String({ description: "The event's application" })),
  hook: Type.Optional(Type.String()),
  channel: Type.Optional(Type.String()),
};

/** Filters of the delivery log, the same for the platform's and an organization's listing. */
export const DeliveryFilters = {
  ...DeliverySelectors,
  status: Type.Optional(DeliveryStatus),
  since: Type.Optional(Timestamp),
  until: Type.Optional(Timestamp),
};

type Selectors = Static<ReturnType<typeof Type.Object<typeof DeliverySelectors>>>;

/** The store's filter from the query (or body) fields above. */
export function deliveryFilter(
  fields: Selectors & { status?: DeliveryFilter['status']; since?: string; until?: string },
  organization: string | undefined,
): DeliveryFilter {
  return {
    organizationId: organization,
    eventId: fields.event,
    eventType: fields.type,
    applicationId: fields.application,
    hookId: fields.hook,
    status: fields.status,
    channel: fields.channel,
    since: fields.since === undefined ? undefined : Date.parse(fields.since),
    until: fields.until === undefined ? undefined : Date.parse(fields.until),
  };
}
