import type { Kysely } from 'kysely';
import type { Catalog } from '../catalog/catalog.ts';
import type { Clock } from '../clock.ts';
import {
  insertEventBatchWithin,
  insertNumberedEventBatch,
  type NumberedBatchResult,
  type PlannedVersions,
} from '../store/event-batch.ts';
import type { Database } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { eventKey, numberRows, planBatch, settle, type IngestResult, type StoredEvent } from './batch-plan.ts';
import { checkEvent, type CheckedEvent, type EventInput } from './event-input.ts';
import { GroupCommit } from './group-commit.ts';
import { Handover, type LocalDispatch } from './local-dispatch.ts';
import { RoutingContexts, type OrganizationContext } from './routing-contexts.ts';

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

/**
 * Accepts events: checks them, then stores each event with every delivery routing decides
 * for it in one transaction, committed to disk before the caller is answered. Concurrent
 * submissions share commits (GroupCommit). An event routed to more deliveries than the inline
 * limit is stored with its routing plan instead, and FanoutExpander writes its deliveries.
 */
export class EventIngest {
  private readonly batches: GroupCommit<CheckedEvent, IngestResult>;
  private readonly contexts: RoutingContexts;

  constructor(private readonly options: EventIngestOptions) {
    // One batch at a time. Commits take turns anyway (the sequence counter's lock is held until
    // each is durable), so a second batch in progress only split the waiting requests into
    // smaller batches, each paying for its own flush: on PostgreSQL one batch at a time carried
    // 12% more events/s than two in alternating windows, and on SQLite the same.
    this.batches = new GroupCommit((items) => this.commit(items));
    this.contexts = new RoutingContexts(options.store);
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
   * other event. Returns the events refused, which never undo the caller's transaction, and
   * `announce`, which the caller calls once its transaction committed: it wakes the workers,
   * the expanders and the event streams, as a commit of the API's own does.
   */
  async ingestWithin(
    trx: Kysely<Database>,
    inputs: readonly EventInput[],
  ): Promise<{ refused: Error[]; announce: () => void }> {
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
    if (items.length === 0) return { refused, announce: () => {} };
    // The caller's transaction holds the store (SQLite's only connection): read inside it.
    const committed = await this.commitIn(trx, items);
    for (const answer of committed.answers) if (answer instanceof Error) refused.push(answer);
    return { refused, announce: () => this.committed(committed, 0) };
  }

  private commit(items: CheckedEvent[]): Promise<(IngestResult | Error)[]> {
    return this.options.store.dialect.supportsWritableCtes
      ? this.commitAsOneStatement(items)
      : this.commitAsTransaction(items);
  }

  private async commitAsTransaction(items: CheckedEvent[]): Promise<(IngestResult | Error)[]> {
    const { store } = this.options;
    // What routing reads is loaded before the transaction, so the sequence lock is held only for
    // the writes. A hook or member changed meanwhile is seen by the next batch, as it would be
    // had the change come a few milliseconds later.
    const contexts = await this.contexts.load(store.db, items);
    const handOver = new Handover(this.options.dispatch);
    let committed;
    try {
      committed = await store.db.transaction().execute((trx) => this.commitIn(trx, items, contexts, handOver));
    } finally {
      handOver.finish(committed !== undefined);
    }
    return this.committed(committed, handOver.size);
  }

  /**
   * PostgreSQL: a batch is written by one statement that also takes its sequence numbers (see
   * insertNumberedEventBatch). When the cache holds its routing contexts, that statement is the
   * only round trip: it confirms the versions they were read at, and ids stored already are
   * left out by it and answered from their stored copy. Otherwise, or when a version moved, the
   * contexts and the replays are read first, in parallel and outside any lock: two round trips.
   */
  private async commitAsOneStatement(items: CheckedEvent[]): Promise<(IngestResult | Error)[]> {
    const { store } = this.options;
    const cached = this.contexts.cachedFor(items);
    if (cached !== undefined) {
      const written = await this.writeAsOneStatement(items, cached.contexts, new Map(), cached.versions);
      if (written !== 'stale') return written;
    }
    const [contexts, stored] = await Promise.all([
      this.contexts.load(store.db, items),
      storedEvents(store.db, namedIds(items)),
    ]);
    // A change landing after this read is seen by the next batch, as on SQLite: no versions to
    // confirm, so the write cannot come back stale.
    return (await this.writeAsOneStatement(items, contexts, stored, undefined)) as (IngestResult | Error)[];
  }

  private async writeAsOneStatement(
    items: CheckedEvent[],
    contexts: Map<string, OrganizationContext>,
    stored: Map<string, StoredEvent>,
    versions: PlannedVersions | undefined,
  ): Promise<(IngestResult | Error)[] | 'stale'> {
    const { store, clock } = this.options;
    const now = clock.now();
    const batch = planBatch(items, contexts, stored, now, this.options.inlineDeliveryLimit);
    const handOver = new Handover(this.options.dispatch);
    handOver.lease(batch.rows.deliveries, now);
    let written: NumberedBatchResult | 'stale' | undefined;
    try {
      if (batch.rows.events.length > 0) written = await insertNumberedEventBatch(store.db, batch.rows, versions);
    } finally {
      if (written === undefined || written === 'stale') handOver.finish(false);
    }
    if (written === 'stale') return 'stale';
    if (written === undefined) return batch.answers.map((answer) => settle(answer, 0, undefined));
    const { base } = written;
    numberRows(batch.rows, base);
    // Ids stored before our write: those events were left out, with their rows; the rest is
    // committed and goes to the local worker now.
    const late = batch.rows.events.filter((row) => !written.stored.has(row.seq - base));
    const leftOut = new Set(late.map((row) => row.seq));
    const isLeftOut = (row: { event_seq: number }): boolean => leftOut.has(row.event_seq);
    handOver.withdraw(isLeftOut);
    handOver.finish(true);
    const created = batch.rows.deliveries.length - batch.rows.deliveries.filter(isLeftOut).length;
    const storedFirst = new Map<number, StoredEvent | undefined>();
    if (late.length > 0) {
      const found = await storedEvents(
        store.db,
        late.map((row) => ({ organization: row.organization_id, id: row.id })),
      );
      for (const row of late) storedFirst.set(row.seq - base, found.get(eventKey(row.organization_id, row.id)));
    }
    const answers = batch.answers.map((answer) => settle(answer, base, storedFirst));
    return this.committed({ answers, created, fanouts: batch.rows.fanouts.length, feeds: batch.feeds }, handOver.size);
  }

  /** Wakes whoever has news after a commit, and gives the answers. */
  private committed(
    { answers, created, fanouts, feeds }: CommittedBatch,
    /** Deliveries handed to the local worker with their lease: no one needs waking for them. */
    handedOver: number,
  ): (IngestResult | Error)[] {
    // Deliveries left in the queue are news for this process's worker and for other processes.
    if (created > handedOver) this.options.onDeliveriesQueued();
    if (fanouts > 0) this.options.onFanoutsQueued?.();
    if (feeds.length > 0) this.options.onEventsCommitted?.(feeds);
    return answers;
  }

  private async commitIn(
    trx: Kysely<Database>,
    items: CheckedEvent[],
    loaded?: Map<string, OrganizationContext>,
    handOver?: Handover,
  ): Promise<CommittedBatch> {
    const { store, clock } = this.options;
    // Reserving the numbers first locks the counter row until commit, so transactions that
    // store events commit one after another and sequence numbers increase in commit order.
    // The replay check comes after it: under the lock, no other batch can store the same id.
    const last = await store.events.reserveSequence(items.length, trx);
    const now = clock.now();
    const contexts = loaded ?? (await this.contexts.load(trx, items));
    const batch = planBatch(
      items,
      contexts,
      await storedEvents(trx, namedIds(items)),
      now,
      this.options.inlineDeliveryLimit,
    );
    const base = last - items.length;
    numberRows(batch.rows, base);
    handOver?.lease(batch.rows.deliveries, now);
    await insertEventBatchWithin(trx, store.dialect, batch.rows);
    return {
      answers: batch.answers.map((answer) => settle(answer, base, undefined)),
      created: batch.rows.deliveries.length,
      fanouts: batch.rows.fanouts.length,
      feeds: batch.feeds,
    };
  }
}

/** What a batch's commit wrote, for the answers and the wake-ups. */
interface CommittedBatch {
  readonly answers: (IngestResult | Error)[];
  /** Delivery rows written. */
  readonly created: number;
  /** Fan-outs stored for the expanders. */
  readonly fanouts: number;
  /** The stream feeds with news. */
  readonly feeds: string[];
}

/** The ids a batch names (events without one get a new id, so most batches name none). */
function namedIds(items: readonly CheckedEvent[]): { organization: string; id: string }[] {
  return items.flatMap(({ input }) =>
    input.id === undefined ? [] : [{ organization: input.organization, id: input.id }],
  );
}

/** The events already stored under `ids` (replays and conflicts), by eventKey. */
async function storedEvents(
  db: Kysely<Database>,
  ids: readonly { organization: string; id: string }[],
): Promise<Map<string, StoredEvent>> {
  const byOrg = new Map<string, string[]>();
  for (const { organization, id } of ids) byOrg.set(organization, [...(byOrg.get(organization) ?? []), id]);
  const stored = new Map<string, StoredEvent>();
  await Promise.all(
    [...byOrg].map(async ([orgId, orgIds]) => {
      const rows = await db
        .selectFrom('events')
        .select(['id', 'seq', 'body_hash'])
        .where('organization_id', '=', orgId)
        .where('id', 'in', orgIds)
        .execute();
      for (const row of rows) stored.set(eventKey(orgId, row.id), { seq: row.seq, hash: row.body_hash });
    }),
  );
  return stored;
}
