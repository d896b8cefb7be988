import type { Kysely, Insertable } from 'kysely';
import type { Catalog } from '../catalog/catalog.ts';
import type { Clock } from '../clock.ts';
import { ClarionError } from '../errors.ts';
import { newId } from '../ids.ts';
import { routeEvent, type RoutingContext } from '../routing/route-event.ts';
import { serializePlan } from '../routing/stored-plan.ts';
import { compactSkip } from '../routing/stored-trace.ts';
import { insertDeliveries } from '../store/delivery-inserts.ts';
import { insertEvents } from '../store/event-inserts.ts';
import type {
  Database,
  DeliveriesTable,
  EventsTable,
  FanoutsTable,
  InboxItemsTable,
  RoutingTracesTable,
} from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { checkEvent, type CheckedEvent, type EventInput } from './event-input.ts';
import { GroupCommit } from './group-commit.ts';
import { Handover, type LocalDispatch } from './local-dispatch.ts';
import { newDelivery } from './new-delivery.ts';

/** The answer to an accepted event: the same for a replay of the same id and body. */
export interface IngestResult {
  readonly id: string;
  readonly seq: number;
  /** True when this id was already stored with this body (nothing new was created). */
  readonly duplicate: boolean;
  /** Deliveries routing planned for the event (0 for a duplicate), written already or after the answer. */
  readonly deliveries: number;
}

export interface EventIngestOptions {
  readonly store: Store;
  readonly catalog: Catalog;
  readonly clock: Clock;
  /** Called after each commit that created deliveries (wakes the workers). */
  readonly onDeliveriesQueued: () => void;
  /**
   * An event routed to more deliveries than this is answered before they are written: its plan
   * is stored with it, as one value, and a FanoutExpander writes the deliveries. Writing 10,000
   * delivery rows took 425 of a fan-out's 534 ms on PostgreSQL (six indexes per row). Without
   * it, every delivery is written before the answer.
   */
  readonly inlineDeliveryLimit?: number;
  /** Called after each commit that stored a fan-out for the expanders. */
  readonly onFanoutsQueued?: () => void;
  /**
   * The delivery worker of this process, if it runs one: new deliveries it has free slots for
   * are committed already leased to it and handed over after the commit, with no claim.
   */
  readonly dispatch?: LocalDispatch;
  /**
   * Called after each commit that stored events, with the stream feeds that have news:
   * `org:<id>` per organization, `user:<id>` per member whose inbox got an item.
   */
  readonly onEventsCommitted?: (feeds: string[]) => void;
}

// SQLite allows 32,766 bound parameters per statement; rows of ~22 columns fit 1,000 at a time.
const INSERT_CHUNK = 1000;

/**
 * Accepts events: checks them, then stores each event with every delivery routing decides
 * for it in one transaction, committed to disk before the caller is answered. Concurrent
 * submissions share commits (GroupCommit). An event routed to more deliveries than the inline
 * limit is stored with its routing plan instead, and FanoutExpander writes its deliveries.
 */
export class EventIngest {
  private readonly batches: GroupCommit<CheckedEvent, IngestResult>;

  constructor(private readonly options: EventIngestOptions) {
    // Two batches overlap: one reads its routing context and builds its rows while the one
    // before it waits for its commit to be durable (PostgreSQL's answer, or SQLite's WAL sync,
    // both off the event loop). The sequence lock still makes the commits take turns (commitIn).
    this.batches = new GroupCommit((items) => this.commit(items), { concurrency: 2 });
  }

  /** Rejects with a ClarionError for input that cannot be stored; nothing is written then. */
  submit(input: EventInput): Promise<IngestResult> {
    const checked = checkEvent(input, this.options.catalog, this.options.clock.now());
    return this.batches.submit(checked);
  }

  /** Resolves once every submitted event is committed (used at shutdown). */
  drain(): Promise<void> {
    return this.batches.drain();
  }

  /**
   * Stores events inside the caller's transaction `trx` (Clarion's own events, such as
   * `notification.target.disabled` written with the settle that caused it): they route like any
   * other event. Returns how many deliveries were created (the caller wakes the workers after its
   * commit) and the events refused, which never undo the caller's transaction. A fan-out stored
   * here is found by the expanders' next poll.
   */
  async ingestWithin(
    trx: Kysely<Database>,
    inputs: readonly EventInput[],
  ): Promise<{ created: number; refused: Error[] }> {
    const now = this.options.clock.now();
    const items: CheckedEvent[] = [];
    const refused: Error[] = [];
    for (const input of inputs) {
      try {
        items.push(checkEvent(input, this.options.catalog, now));
      } catch (error) {
        refused.push(error as Error);
      }
    }
    if (items.length === 0) return { created: 0, refused };
    // The caller's transaction holds the store (SQLite's only connection): read inside it.
    const { answers, created } = await this.commitIn(trx, items);
    for (const answer of answers) if (answer instanceof Error) refused.push(answer);
    return { created, refused };
  }

  private async commit(items: CheckedEvent[]): Promise<(IngestResult | Error)[]> {
    const { store } = this.options;
    // What routing reads is loaded before the transaction, in parallel, so the sequence lock
    // is held only for the writes. A hook or member changed meanwhile is seen by the next
    // batch, as it would be had the change come a few milliseconds later.
    const contexts = await loadContexts(store.db, store, items);
    const handOver = new Handover(this.options.dispatch);
    let committed;
    try {
      committed = await store.db.transaction().execute((trx) => this.commitIn(trx, items, contexts, handOver));
    } finally {
      handOver.finish(committed !== undefined);
    }
    const { answers, created, fanouts, feeds } = committed;
    // Deliveries left in the queue are news for this process's worker and for other processes.
    if (created > handOver.rows.length) this.options.onDeliveriesQueued();
    if (fanouts > 0) this.options.onFanoutsQueued?.();
    if (feeds.length > 0) this.options.onEventsCommitted?.(feeds);
    return answers;
  }

  private async commitIn(
    trx: Kysely<Database>,
    items: CheckedEvent[],
    loaded?: Map<string, OrganizationContext>,
    handOver?: Handover,
  ): Promise<{ answers: (IngestResult | Error)[]; created: number; fanouts: number; feeds: string[] }> {
    const { store, clock } = this.options;
    // Reserving the numbers first locks the counter row until commit, so transactions that
    // store events commit one after another and sequence numbers increase in commit order.
    // The replay check comes after it: under the lock, no other batch can store the same id.
    const last = await store.events.reserveSequence(items.length, trx);
    let nextSeq = last - items.length + 1;
    const now = clock.now();
    const contexts = loaded ?? (await loadContexts(trx, store, items));
    const stored = await storedEvents(trx, items, contexts);
    const seen = new Map<string, { seq: number; hash: string }>();
    const eventRows: Insertable<EventsTable>[] = [];
    const deliveryRows: Insertable<DeliveriesTable>[] = [];
    const fanoutRows: Insertable<FanoutsTable>[] = [];
    const traceRows: Insertable<RoutingTracesTable>[] = [];
    const inboxRows: Insertable<InboxItemsTable>[] = [];
    const answers: (IngestResult | Error)[] = [];

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
      const key = `${input.organization}\u0000${id}`;
      const prior = stored.get(key) ?? seen.get(key);
      if (prior) {
        answers.push(
          prior.hash === item.bodyHash
            ? { id, seq: prior.seq, duplicate: true, deliveries: 0 }
            : new ClarionError('CLARION_ERR_EVENT_ID_CONFLICT', id),
        );
        continue;
      }
      const seq = nextSeq++;
      seen.set(key, { seq, hash: item.bodyHash });
      eventRows.push({
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
      if (routing.deliveries.length > (this.options.inlineDeliveryLimit ?? Infinity)) {
        fanoutRows.push({
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
        for (const planned of routing.deliveries) deliveryRows.push(newDelivery(event, planned, now));
      }
      for (const userId of routing.inbox) {
        inboxRows.push({ user_id: userId, event_seq: seq, organization_id: input.organization, created_at: now });
      }
      // The deliveries carry the "deliver" half of the trace; the skips are kept beside them.
      const skipped = routing.trace.filter((entry) => entry.decision === 'skip');
      if (skipped.length > 0) {
        traceRows.push({
          event_seq: seq,
          organization_id: input.organization,
          skipped: JSON.stringify(skipped.map(compactSkip)),
          created_at: now,
        });
      }
      answers.push({ id, seq, duplicate: false, deliveries: routing.deliveries.length });
    }

    handOver?.lease(deliveryRows, now);
    await insertEvents(trx, store.dialect, eventRows);
    await insertDeliveries(trx, store.dialect, deliveryRows);
    await store.fanouts.insertWithin(trx, fanoutRows);
    for (let i = 0; i < traceRows.length; i += INSERT_CHUNK) {
      await trx
        .insertInto('routing_traces')
        .values(traceRows.slice(i, i + INSERT_CHUNK))
        .execute();
    }
    for (let i = 0; i < inboxRows.length; i += INSERT_CHUNK) {
      await trx
        .insertInto('inbox_items')
        .values(inboxRows.slice(i, i + INSERT_CHUNK))
        .execute();
    }
    // The stream feeds with news: each organization that stored an event, each member whose inbox got an item.
    const feeds = new Set<string>();
    for (const row of eventRows) feeds.add(`org:${row.organization_id}`);
    for (const row of inboxRows) feeds.add(`user:${row.user_id}`);
    return { answers, created: deliveryRows.length, fanouts: fanoutRows.length, feeds: [...feeds] };
  }
}

/** What checking and routing an organization's events read. */
interface OrganizationContext extends RoutingContext {
  /** Of the applications and add-ons the batch names, those that exist. */
  readonly applications: ReadonlySet<string>;
  readonly addons: ReadonlySet<string>;
}

function byOrganization(items: readonly CheckedEvent[]): Map<string, CheckedEvent[]> {
  const byOrg = new Map<string, CheckedEvent[]>();
  for (const item of items) {
    const list = byOrg.get(item.input.organization) ?? [];
    list.push(item);
    byOrg.set(item.input.organization, list);
  }
  return byOrg;
}

/**
 * Reads, per organization of the batch, what checking and routing need; an organization that
 * does not exist has no entry. The reads are independent, so they run at once: on PostgreSQL
 * (outside a transaction) each takes its own pooled connection.
 */
async function loadContexts(
  db: Kysely<Database>,
  store: Store,
  items: readonly CheckedEvent[],
): Promise<Map<string, OrganizationContext>> {
  const byOrg = byOrganization(items);
  const found = await db
    .selectFrom('organizations')
    .select('id')
    .where('id', 'in', [...byOrg.keys()])
    .execute();
  const loaded = await Promise.all(
    found.map(async ({ id: orgId }): Promise<[string, OrganizationContext]> => {
      const orgItems = byOrg.get(orgId) ?? [];
      const appIds = [...new Set(orgItems.flatMap((item) => item.input.application ?? []))];
      const addonIds = [...new Set(orgItems.flatMap((item) => item.input.addon ?? []))];
      const [applications, addons, hooks, members, preferences, pushTargets] = await Promise.all([
        store.organizations.existingIds('applications', orgId, appIds, db),
        store.organizations.existingIds('addons', orgId, addonIds, db),
        store.hooks.allFor(orgId, db),
        store.members.all(orgId, db),
        store.preferences.matricesOf(orgId, db),
        store.pushTargets.ofMembers(orgId, db),
      ]);
      return [orgId, { applications, addons, hooks, members, preferences, pushTargets }];
    }),
  );
  return new Map(loaded);
}

/**
 * The events already stored under the ids this batch names (replays and conflicts), keyed by
 * organization and id. Events without an id get a new one, so most batches read nothing here.
 */
async function storedEvents(
  trx: Kysely<Database>,
  items: readonly CheckedEvent[],
  contexts: ReadonlyMap<string, OrganizationContext>,
): Promise<Map<string, { seq: number; hash: string }>> {
  const stored = new Map<string, { seq: number; hash: string }>();
  for (const [orgId, orgItems] of byOrganization(items)) {
    const ids = orgItems.flatMap((item) => (item.input.id === undefined ? [] : [item.input.id]));
    if (ids.length === 0 || !contexts.has(orgId)) continue;
    const rows = await trx
      .selectFrom('events')
      .select(['id', 'seq', 'body_hash'])
      .where('organization_id', '=', orgId)
      .where('id', 'in', ids)
      .execute();
    for (const row of rows) stored.set(`${orgId}\u0000${row.id}`, { seq: row.seq, hash: row.body_hash });
  }
  return stored;
}
