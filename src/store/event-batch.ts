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
 * An event whose id another batch stored after the caller looked (`on conflict do nothing`) is
 * left out with its deliveries and other rows; its number stays unused.
 */
export async function insertNumberedEventBatch(
  db: Kysely<Database>,
  rows: EventBatchRows,
): Promise<NumberedBatchResult> {
  const count = rows.events.length;
  const parts: RawBuilder<unknown>[] = [
    sql`reserved as (
      update counters set value = value + ${count} where name = 'event_seq' returning value - ${count} as base
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
  const { rows: result } = await sql<{ base: number; stored: number[] }>`
    with ${sql.join(parts)}
    select reserved.base, array(select (seq - reserved.base)::int4 from new_events) as stored from reserved
  `.execute(db);
  const [row] = result;
  if (row === undefined) throw new Error('the event_seq counter is missing');
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
