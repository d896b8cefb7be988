// The store ceiling: the rows one ingested event creates (its events row and one deliveries
// row, as with one matching hook) inserted straight into Clarion's schema, in durable
// transactions of BENCH_BATCH events each, one transaction at a time as Clarion's group commit
// runs them, with the same pragmas (SQLite WAL, synchronous=FULL) or server settings. No HTTP,
// no checks, no routing, no query builder: what is left is the price of the durable write.
// Prints one JSON line: { eventsPerSecond, batches, seconds }.
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import pg from 'pg';
import { newId } from '../../src/ids.ts';
import { Store } from '../../src/store/store.ts';
import { eventBody, EVENT_TYPE, ORG } from '../lib/body.ts';

const kind = process.env['BENCH_STORE'] === 'postgres' ? 'postgres' : 'sqlite';
const dataDir = process.env['BENCH_DATA_DIR'] ?? '.';
const databaseUrl = process.env['BENCH_DATABASE_URL'];
const batch = Number(process.env['BENCH_BATCH'] ?? 64);
const warmupS = Number(process.env['BENCH_WARMUP_S'] ?? 1);
const durationS = Number(process.env['BENCH_DURATION_S'] ?? 5);

// Clarion's own migrations make the schema, indexes included: every index costs on insert.
const store = Store.open({ dataDir, databaseUrl: kind === 'postgres' ? databaseUrl : undefined });
await store.migrate();
await store.close();

const { data } = JSON.parse(eventBody().toString()) as { data: unknown };
const dataJson = JSON.stringify(data);
const bodyHash = 'x'.repeat(43);
const reason = `hook "bench hook 0" matches ${EVENT_TYPE}`;

type Value = string | number | null;
let seq = 0;
function rows(): { events: Value[][]; deliveries: Value[][] } {
  const now = Date.now();
  const events: Value[][] = [];
  const deliveries: Value[][] = [];
  for (let i = 0; i < batch; i++) {
    seq += 1;
    const id = newId('evt');
    events.push([seq, ORG, id, EVENT_TYPE, null, null, now, now, dataJson, bodyHash]);
    deliveries.push([
      newId('dlv'),
      ORG,
      seq,
      id,
      EVENT_TYPE,
      null,
      'hook_bench',
      null,
      'webhook',
      null,
      reason,
      'pending',
      0,
      now,
      now,
      now,
    ]);
  }
  return { events, deliveries };
}

const EVENT_COLUMNS =
  'seq, organization_id, id, type, application_id, addon_id, occurred_at, received_at, data, body_hash';
const DELIVERY_COLUMNS =
  'id, organization_id, event_seq, event_id, event_type, application_id, hook_id, user_id, channel, address, reason, status, attempts, next_attempt_at, created_at, updated_at';

/** Runs `writeBatch` for the warm-up, then counts the events written per second. */
async function measure(writeBatch: () => void | Promise<void>): Promise<void> {
  const start = performance.now();
  while (performance.now() - start < warmupS * 1000) await writeBatch();
  const measuredFrom = performance.now();
  let batches = 0;
  while (performance.now() - measuredFrom < durationS * 1000) {
    await writeBatch();
    batches += 1;
  }
  const seconds = (performance.now() - measuredFrom) / 1000;
  process.stdout.write(`${JSON.stringify({ eventsPerSecond: (batches * batch) / seconds, batches, seconds })}\n`);
}

if (kind === 'sqlite') {
  const db = new Database(path.join(dataDir, 'clarion.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  const insertEvent = db.prepare(`insert into events (${EVENT_COLUMNS}) values (${'?, '.repeat(9)}?)`);
  const insertDelivery = db.prepare(`insert into deliveries (${DELIVERY_COLUMNS}) values (${'?, '.repeat(15)}?)`);
  const write = db.transaction((batchRows: ReturnType<typeof rows>) => {
    for (const row of batchRows.events) insertEvent.run(row);
    for (const row of batchRows.deliveries) insertDelivery.run(row);
  });
  await measure(() => write(rows()));
  db.close();
} else {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const placeholders = (width: number) =>
    Array.from(
      { length: batch },
      (_, r) => `(${Array.from({ length: width }, (_, c) => `$${r * width + c + 1}`).join(', ')})`,
    ).join(', ');
  const insertEvents = `insert into events (${EVENT_COLUMNS}) values ${placeholders(10)}`;
  const insertDeliveries = `insert into deliveries (${DELIVERY_COLUMNS}) values ${placeholders(16)}`;
  await measure(async () => {
    const batchRows = rows();
    await client.query('begin');
    await client.query(insertEvents, batchRows.events.flat());
    await client.query(insertDeliveries, batchRows.deliveries.flat());
    await client.query('commit');
  });
  await client.end();
}
