import { ClarionError } from '../errors.ts';
import { newId } from '../ids.ts';
import { routeEvent } from '../routing/route-event.ts';
import { serializePlan } from '../routing/stored-plan.ts';
import { compactSkip } from '../routing/stored-trace.ts';
import type { EventBatchRows } from '../store/event-batch.ts';
import type { CheckedEvent } from './event-input.ts';
import { newDelivery } from './new-delivery.ts';
import type { OrganizationContext } from './routing-contexts.ts';

// Checking and routing one batch of events into the rows to write and an answer per item,
// with its events numbered 1, 2, ... until the writer knows the base of their sequence numbers.

/** The answer to an accepted event: the same for a replay of the same id and body. */
export interface IngestResult {
  readonly id: string;
  readonly seq: number;
  /** True when this id was already stored with this body (nothing new was created). */
  readonly duplicate: boolean;
  /** Deliveries routing planned for the event (0 for a duplicate), written already or after the answer. */
  readonly deliveries: number;
}

/** An event already stored under an id a batch names. */
export interface StoredEvent {
  readonly seq: number;
  readonly hash: string;
}

/** Events are unique by organization and id. */
export function eventKey(organization: string, id: string): string {
  return `${organization}\u0000${id}`;
}

/**
 * Checks each event against what is stored and routes it: the rows to write, with events
 * numbered 1, 2, ... within the batch (the writer adds the base of the numbers it reserves),
 * and an answer per item.
 */
export function planBatch(
  items: readonly CheckedEvent[],
  contexts: ReadonlyMap<string, OrganizationContext>,
  stored: ReadonlyMap<string, StoredEvent>,
  now: number,
  inlineDeliveryLimit = Infinity,
): PlannedBatch {
  const rows: EventBatchRows = { events: [], deliveries: [], fanouts: [], traces: [], inbox: [] };
  const answers: PlannedBatch['answers'] = [];
  const seen = new Map<string, { ordinal: number; hash: string }>();

  for (const item of items) {
    const { input } = item;
    const org = contexts.get(input.organization);
    if (!org) {
      answers.push(new ClarionError('CLARION_ERR_EVENT_UNKNOWN_ORGANIZATION', input.organization));
      continue;
    }
    if (input.application !== undefined && !org.applications.has(input.application)) {
      answers.push(new ClarionError('CLARION_ERR_EVENT_UNKNOWN_APPLICATION', input.application, input.organization));
      continue;
    }
    if (input.addon !== undefined && !org.addons.has(input.addon)) {
      answers.push(new ClarionError('CLARION_ERR_EVENT_UNKNOWN_ADDON', input.addon, input.organization));
      continue;
    }
    const id = input.id ?? newId('evt');
    const key = eventKey(input.organization, id);
    const prior = stored.get(key);
    if (prior) {
      answers.push(
        prior.hash === item.bodyHash
          ? { id, seq: prior.seq, duplicate: true, deliveries: 0 }
          : new ClarionError('CLARION_ERR_EVENT_ID_CONFLICT', id),
      );
      continue;
    }
    const earlier = seen.get(key);
    if (earlier) {
      answers.push(
        earlier.hash === item.bodyHash
          ? { id, ordinal: earlier.ordinal, hash: item.bodyHash, duplicate: true, deliveries: 0 }
          : new ClarionError('CLARION_ERR_EVENT_ID_CONFLICT', id),
      );
      continue;
    }
    const seq = rows.events.length + 1;
    seen.set(key, { ordinal: seq, hash: item.bodyHash });
    rows.events.push({
      seq,
      organization_id: input.organization,
      id,
      type: item.eventType.name,
      application_id: input.application ?? null,
      addon_id: input.addon ?? null,
      occurred_at: item.occurredAt,
      received_at: now,
      data: JSON.stringify(item.data),
      body_hash: item.bodyHash,
    });
    const routing = routeEvent(
      { type: item.eventType.name, applicationId: input.application ?? null, addonId: input.addon ?? null },
      item.eventType,
      org,
    );
    const event = {
      organizationId: input.organization,
      seq,
      id,
      type: item.eventType.name,
      applicationId: input.application ?? null,
    };
    if (routing.deliveries.length > inlineDeliveryLimit) {
      rows.fanouts.push({
        event_seq: seq,
        organization_id: event.organizationId,
        event_id: id,
        event_type: event.type,
        application_id: event.applicationId,
        plan: serializePlan(routing.deliveries),
        total: routing.deliveries.length,
        expanded: 0,
        created_at: now,
      });
    } else {
      for (const planned of routing.deliveries) rows.deliveries.push(newDelivery(event, planned, now));
    }
    for (const userId of routing.inbox) {
      rows.inbox.push({ user_id: userId, event_seq: seq, organization_id: input.organization, created_at: now });
    }
    // The deliveries carry the "deliver" half of the trace; the skips are kept beside them.
    const skipped = routing.trace.filter((entry) => entry.decision === 'skip');
    if (skipped.length > 0) {
      rows.traces.push({
        event_seq: seq,
        organization_id: input.organization,
        skipped: JSON.stringify(skipped.map(compactSkip)),
        created_at: now,
      });
    }
    answers.push({
      id,
      ordinal: seq,
      hash: item.bodyHash,
      duplicate: false,
      deliveries: routing.deliveries.length,
    });
  }
  // The stream feeds with news: each organization that stored an event, each member whose inbox got an item.
  const feeds = new Set<string>();
  for (const row of rows.events) feeds.add(`org:${row.organization_id}`);
  for (const row of rows.inbox) feeds.add(`user:${row.user_id}`);
  return { rows, answers, feeds: [...feeds] };
}

/** The answer to a new event (or to a copy of one in the same batch), numbered within its batch. */
export interface NumberedAnswer {
  readonly id: string;
  readonly ordinal: number;
  /** The item's body hash, to tell a replay from a conflict should another batch store the id first. */
  readonly hash: string;
  readonly duplicate: boolean;
  readonly deliveries: number;
}

/** One batch, checked and routed: its rows and an answer per item, before the writer numbers them. */
export interface PlannedBatch {
  readonly rows: EventBatchRows;
  readonly answers: (NumberedAnswer | IngestResult | Error)[];
  /** The stream feeds with news: `org:<id>` per organization, `user:<id>` per member whose inbox got an item. */
  readonly feeds: string[];
}

/** Adds `base` to the event numbers of every row (they count from 1 within the batch until then). */
export function numberRows(rows: EventBatchRows, base: number): void {
  for (const row of rows.events) row.seq += base;
  for (const table of [rows.deliveries, rows.fanouts, rows.traces, rows.inbox]) {
    for (const row of table) row.event_seq += base;
  }
}

/**
 * The final answer to an item once its batch is written from `base`. `late` holds the events
 * another batch stored first (by their number within the batch), with what that batch stored.
 */
export function settle(
  answer: NumberedAnswer | IngestResult | Error,
  base: number,
  late: ReadonlyMap<number, StoredEvent | undefined> | undefined,
): IngestResult | Error {
  if (answer instanceof Error || !('ordinal' in answer)) return answer;
  const { id, ordinal, duplicate, deliveries } = answer;
  if (late?.has(ordinal)) {
    const stored = late.get(ordinal);
    // The other batch's copy is the one stored: the same body is a replay of it, another a conflict.
    return stored !== undefined && stored.hash === answer.hash
      ? { id, seq: stored.seq, duplicate: true, deliveries: 0 }
      : new ClarionError('CLARION_ERR_EVENT_ID_CONFLICT', id);
  }
  return { id, seq: base + ordinal, duplicate, deliveries };
}
