import type { Kysely, Insertable } from 'kysely';
import type { Catalog } from '../catalog/catalog.ts';
import type { Clock } from '../clock.ts';
import { ClarionError } from '../errors.ts';
import { newId } from '../ids.ts';
import { routeEvent } from '../routing/route-event.ts';
import { compactSkip } from '../routing/stored-trace.ts';
import type { Database, DeliveriesTable, EventsTable, InboxItemsTable, RoutingTracesTable } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { checkEvent, type CheckedEvent, type EventInput } from './event-input.ts';
import { GroupCommit } from './group-commit.ts';

/** The answer to an accepted event: the same for a replay of the same id and body. */
export interface IngestResult {
  readonly id: string;
  readonly seq: number;
  /** True when this id was already stored with this body (nothing new was created). */
  readonly duplicate: boolean;
  /** Deliveries created for the event (0 for a duplicate). */
  readonly deliveries: number;
}

export interface EventIngestOptions {
  readonly store: Store;
  readonly catalog: Catalog;
  readonly clock: Clock;
  /** Called after each commit that created deliveries (wakes the workers). */
  readonly onDeliveriesQueued: () => void;
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
 * submissions share commits (GroupCommit).
 */
export class EventIngest {
  private readonly batches: GroupCommit<CheckedEvent, IngestResult>;

  constructor(private readonly options: EventIngestOptions) {
    this.batches = new GroupCommit((items) => this.commit(items));
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
   * commit) and the events refused, which never undo the caller's transaction.
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
    const { answers, created } = await this.commitIn(trx, items);
    for (const answer of answers) if (answer instanceof Error) refused.push(answer);
    return { created, refused };
  }

  private async commit(items: CheckedEvent[]): Promise<(IngestResult | Error)[]> {
    const { store } = this.options;
    const { answers, created, feeds } = await store.db.transaction().execute((trx) => this.commitIn(trx, items));
    if (created > 0) this.options.onDeliveriesQueued();
    if (feeds.length > 0) this.options.onEventsCommitted?.(feeds);
    return answers;
  }

  private async commitIn(
    trx: Kysely<Database>,
    items: CheckedEvent[],
  ): Promise<{ answers: (IngestResult | Error)[]; created: number; feeds: string[] }> {
    const { store, clock } = this.options;
    // Reserving the numbers first locks the counter row until commit, so transactions that
    // store events commit one after another and sequence numbers increase in commit order.
    const last = await store.events.reserveSequence(items.length, trx);
    let nextSeq = last - items.length + 1;
    const now = clock.now();
    const context = await loadContexts(trx, store, items);
    const seen = new Map<string, { seq: number; hash: string }>();
    const eventRows: Insertable<EventsTable>[] = [];
    const deliveryRows: Insertable<DeliveriesTable>[] = [];
    const traceRows: Insertable<RoutingTracesTable>[] = [];
    const inboxRows: Insertable<InboxItemsTable>[] = [];
    const answers: (IngestResult | Error)[] = [];

    for (const item of items) {
      const { input } = item;
      const org = context.get(input.organization);
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
      const prior = org.existing.get(id) ?? seen.get(key);
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
      for (const planned of routing.deliveries) {
        deliveryRows.push({
          id: newId('dlv'),
          organization_id: input.organization,
          event_seq: seq,
          event_id: id,
          event_type: item.eventType.name,
          application_id: input.application ?? null,
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
        });
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

    for (let i = 0; i < eventRows.length; i += INSERT_CHUNK) {
      await trx
        .insertInto('events')
        .values(eventRows.slice(i, i + INSERT_CHUNK))
        .execute();
    }
    for (let i = 0; i < deliveryRows.length; i += INSERT_CHUNK) {
      await trx
        .insertInto('deliveries')
        .values(deliveryRows.slice(i, i + INSERT_CHUNK))
        .execute();
    }
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
    return { answers, created: deliveryRows.length, feeds: [...feeds] };
  }
}

interface OrganizationContext {
  applications: Set<string>;
  addons: Set<string>;
  /** Already stored events of this batch's ids: id -> seq and body hash. */
  existing: Map<string, { seq: number; hash: string }>;
  hooks: Awaited<ReturnType<Store['hooks']['allFor']>>;
  members: Awaited<ReturnType<Store['members']['all']>>;
  preferences: Awaited<ReturnType<Store['preferences']['matricesOf']>>;
  pushTargets: Awaited<ReturnType<Store['pushTargets']['ofMembers']>>;
}

/** Reads, per organization of the batch, what checking and routing need. */
async function loadContexts(
  trx: Kysely<Database>,
  store: Store,
  items: CheckedEvent[],
): Promise<Map<string, OrganizationContext>> {
  const byOrg = new Map<string, CheckedEvent[]>();
  for (const item of items) {
    const list = byOrg.get(item.input.organization) ?? [];
    list.push(item);
    byOrg.set(item.input.organization, list);
  }
  const found = await trx
    .selectFrom('organizations')
    .select('id')
    .where('id', 'in', [...byOrg.keys()])
    .execute();
  const contexts = new Map<string, OrganizationContext>();
  for (const { id: orgId } of found) {
    const orgItems = byOrg.get(orgId) ?? [];
    const ids = orgItems.flatMap((item) => (item.input.id === undefined ? [] : [item.input.id]));
    const appIds = [...new Set(orgItems.flatMap((item) => item.input.application ?? []))];
    const addonIds = [...new Set(orgItems.flatMap((item) => item.input.addon ?? []))];
    const existing =
      ids.length === 0
        ? []
        : await trx
            .selectFrom('events')
            .select(['id', 'seq', 'body_hash'])
            .where('organization_id', '=', orgId)
            .where('id', 'in', ids)
            .execute();
    contexts.set(orgId, {
      applications: await store.organizations.existingIds('applications', orgId, appIds, trx),
      addons: await store.organizations.existingIds('addons', orgId, addonIds, trx),
      existing: new Map(existing.map((row) => [row.id, { seq: row.seq, hash: row.body_hash }])),
      hooks: await store.hooks.allFor(orgId, trx),
      members: await store.members.all(orgId, trx),
      preferences: await store.preferences.matricesOf(orgId, trx),
      pushTargets: await store.pushTargets.ofMembers(orgId, trx),
    });
  }
  return contexts;
}
