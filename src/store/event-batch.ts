import { sql, type Insertable, type Kysely, type RawBuilder } from 'kysely';
import { BulkInsert } from './bulk-insert.ts';
import { newDeliveries } from './delivery-inserts.ts';
import { newEvents } from './event-inserts.ts';
import type { StoreDialect } from './opened-database.ts';
import type {
  Database,
  DeliveriesTable,
  EventsTable,
  FanoutsTable,
  InboxItemsTable,
  RoutingTracesTable,
} from './schema.ts';

/**
 * What one group commit of ingest stores: its events and the rows routing made for them, each
 * naming its event by `seq` (events) or `event_seq` (the others).
 */
export interface EventBatchRows {
  readonly events: Insertable<EventsTable>[];
  readonly deliveries: Insertable<DeliveriesTable>[];
  readonly fanouts: Insertable<FanoutsTable>[];
  readonly traces: Insertable<RoutingTracesTable>[];
  readonly inbox: Insertable<InboxItemsTable>[];
}

const newFanouts = new BulkInsert('fanouts', [
  ['event_seq', 'int8'],
  ['organization_id', 'text'],
  ['event_id', 'text'],
  ['event_type', 'text'],
  ['application_id', 'text'],
  ['plan', 'text'],
  ['total', 'int4'],
  ['expanded', 'int4'],
  ['created_at', 'int8'],
]);

const newTraces = new BulkInsert('routing_traces', [
  ['event_seq', 'int8'],
  ['organization_id', 'text'],
  ['skipped', 'text'],
  ['created_at', 'int8'],
]);

const newInboxItems = new BulkInsert('inbox_items', [
  ['user_id', 'text'],
  ['event_seq', 'int8'],
  ['organization_id', 'text'],
  ['created_at', 'int8'],
]);

/** Inserts a batch whose rows carry their events' sequence numbers, inside `trx`. */
export async function insertEventBatchWithin(
  trx: Kysely<Database>,
  dialect: StoreDialect,
  rows: EventBatchRows,
): Promise<void> {
  await newEvents.run(trx, dialect, rows.events);
  await newDeliveries.run(trx, dialect, rows.deliveries);
  await newFanouts.run(trx, dialect, rows.fanouts);
  await newTraces.run(trx, dialect, rows.traces);
  await newInboxItems.run(trx, dialect, rows.inbox);
}

/** The routing versions a batch was planned at (`organizations.routing_version`), by organization. */
export type PlannedVersions = ReadonlyMap<string, number>;

/** What `insertNumberedEventBatch` stored. */
export interface NumberedBatchResult {
  /** Added to an event's number within the batch, it gives its sequence number. */
  readonly base: number;
  /** The numbers within the batch of the events stored; the others' ids were stored already. */
  readonly stored: ReadonlySet<number>;
}

/**
 * PostgreSQL (`supportsWritableCtes`): stores a batch in one statement, which is its own
 * transaction. The rows are numbered within the batch (1, 2, ... in `seq` and `event_seq`);
 * the statement reserves the batch's sequence numbers, adds their base to every number, and
 * inserts every row from arrays (`unnest`).
 *
 * Reserving locks the counter row until commit, so batches commit in the order of their
 * numbers. Held for one statement's execution on the server, the lock no longer spans the
 * round trips of a transaction (BEGIN, the reservation, five inserts, COMMIT), which made
 * concurrent batches wait for each other.
 *
 * An event whose id was stored already, by an earlier request or by another batch after the
 * caller looked (`on conflict do nothing`), is left out with its deliveries and other rows; its
 * number stays unused.
 *
 * With `versions`, the batch is written only if every organization it was planned for is still
 * at that routing version, checked in the statement's own snapshot: otherwise nothing is
 * written, no number is taken, and the result is `'stale'` (plan again from a fresh read).
 */
export async function insertNumberedEventBatch(
  db: Kysely<Database>,
  rows: EventBatchRows,
  versions?: PlannedVersions,
): Promise<NumberedBatchResult | 'stale'> {
  const count = rows.events.length;
  const parts: RawBuilder<unknown>[] = [
    versions === undefined
      ? sql`planned as (select true as current)`
      : sql`planned as (
          select count(*) = ${versions.size} as current
          from organizations o
          join unnest(${[...versions.keys()]}::text[], ${[...versions.values()]}::int8[]) as v(id, version)
            on o.id = v.id and o.routing_version = v.version
        )`,
    sql`reserved as (
      update counters set value = value + ${count}
      where name = 'event_seq' and (select current from planned)
      returning value - ${count} as base
    )`,
    sql`new_events as (
      ${numberedInsert(newEvents, rows.events, 'seq')}
      on conflict (organization_id, id) do nothing
      returning seq
    )`,
  ];
  const children = [
    numberedChild('new_deliveries', newDeliveries, rows.deliveries),
    numberedChild('new_fanouts', newFanouts, rows.fanouts),
    numberedChild('new_traces', newTraces, rows.traces),
    numberedChild('new_inbox_items', newInboxItems, rows.inbox),
  ];
  for (const child of children) if (child !== undefined) parts.push(child);
  // Every insert selects from `reserved`: when the plan is stale it is empty, and so are they.
  const { rows: result } = await sql<{ current: boolean; base: number | null; stored: number[] }>`
    with ${sql.join(parts)}
    select planned.current, reserved.base,
      array(select (seq - reserved.base)::int4 from new_events) as stored
    from planned left join reserved on true
  `.execute(db);
  const [row] = result;
  if (row === undefined || !row.current) return 'stale';
  if (row.base === null) throw new Error('the event_seq counter is missing');
  return { base: row.base, stored: new Set(row.stored) };
}

/**
 * The `WITH` part that inserts the rows of one table that names events by `event_seq`, for the
 * events the statement stored; undefined when there are none.
 */
function numberedChild<Name extends keyof Database>(
  name: string,
  table: BulkInsert<Name>,
  rows: readonly Insertable<Database[Name]>[],
): RawBuilder<unknown> | undefined {
  if (rows.length === 0) return undefined;
  return sql`${sql.id(name)} as (
    ${numberedInsert(table, rows, 'event_seq')}
    and reserved.base + r.event_seq in (select seq from new_events)
  )`;
}

/**
 * `insert into <table> select ... from reserved, unnest(...) as r where true`: the rows of one
 * table, with the reserved base added to the column that numbers their event.
 */
function numberedInsert<Name extends keyof Database>(
  table: BulkInsert<Name>,
  rows: readonly Insertable<Database[Name]>[],
  numberColumn: string,
): RawBuilder<unknown> {
  const columns = table.columnNames;
  const selected = columns.map((column) =>
    column === numberColumn ? sql`reserved.base + ${sql.ref(`r.${column}`)}` : sql.ref(`r.${column}`),
  );
  return sql`
    insert into ${sql.table(table.table)} (${sql.join(columns.map((column) => sql.ref(column)))})
    select ${sql.join(selected)}
    from reserved, unnest(${sql.join(table.arrays(rows))}) as r(${sql.join(columns.map((column) => sql.id(column)))})
    where true
  `;
}
