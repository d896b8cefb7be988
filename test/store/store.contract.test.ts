import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Catalog } from '../../src/catalog/catalog.ts';
import { FakeClock } from '../../src/clock.ts';
import { EventIngest } from '../../src/ingest/event-ingest.ts';
import { insertDeliveries } from '../../src/store/delivery-inserts.ts';
import { insertEvents } from '../../src/store/event-inserts.ts';
import type { Settlement } from '../../src/store/delivery-queue.ts';
import { Store } from '../../src/store/store.ts';
import { freshStoreLocation, STORE_KINDS, type TestStoreLocation } from '../helpers/stores.ts';

for (const kind of STORE_KINDS) {
  describe(`${kind} store`, () => {
    let location: TestStoreLocation;
    let store: Store;
    const clock = new FakeClock();

    before(async () => {
      location = await freshStoreLocation(kind);
      store = Store.open(location);
      await store.migrate();
      const now = clock.now();
      await store.organizations.create({ id: 'acme', name: 'Acme', created_at: now, updated_at: now });
      await store.hooks.create({
        id: 'hook_all',
        organization_id: 'acme',
        name: 'everything',
        kind: 'webhook',
        settings: {},
        events: 'all',
        applications: null,
        addons: null,
        enabled: true,
        disabled_reason: null,
        created_at: now,
        updated_at: now,
      });
    });

    after(async () => {
      await store.close();
      await location.cleanup();
    });

    it('applies migrations once: a second run has nothing to do', async () => {
      const again = await store.migrate();
      assert.deepEqual(again.results, []);
    });

    it('hands out sequence numbers in commit order when two ingest pipelines commit at once', async () => {
      // Two EventIngest instances stand for two API processes: each commits its own batches.
      const ingests = [0, 1].map(
        () => new EventIngest({ store, catalog: new Catalog(), clock, onDeliveriesQueued: () => {} }),
      );
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          ingests[i % 2]!.submit({ type: 'job.fail', organization: 'acme', data: { i } }),
        ),
      );
      const seqs = results.map((result) => result.seq).sort((a, b) => a - b);
      assert.equal(new Set(seqs).size, 200);
      // Every reader sees a gap-free prefix in seq order once all have committed: the stored
      // order by seq equals the order of the seqs handed out.
      const stored = await store.db.selectFrom('events').select('seq').orderBy('seq').execute();
      assert.deepEqual(
        stored.map((row) => row.seq).filter((seq) => seqs.includes(seq)),
        seqs,
      );
    });

    it('never lets a reader find a newly committed event below a sequence number it has already seen', async () => {
      const ingests = [0, 1, 2].map(
        () => new EventIngest({ store, catalog: new Catalog(), clock, onDeliveriesQueued: () => {} }),
      );
      const seen = new Set<number>();
      let maxSeen = 0;
      let violations = 0;
      let writing = true;
      const reader = (async () => {
        while (writing) {
          const rows = await store.db.selectFrom('events').select('seq').execute();
          const fresh = rows.map((row) => row.seq).filter((seq) => !seen.has(seq));
          for (const seq of fresh) if (seq < maxSeen) violations++;
          for (const seq of fresh) seen.add(seq);
          maxSeen = Math.max(maxSeen, ...fresh);
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      await Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          ingests[i % 3]!.submit({ type: 'job.fail', organization: 'acme', data: { reader: i } }),
        ),
      );
      writing = false;
      await reader;
      assert.equal(violations, 0);
      assert.ok(seen.size > 0);
    });

    it('never leases one delivery to two workers claiming at the same time', async () => {
      const now = clock.now();
      await store.db.deleteFrom('deliveries').execute();
      const ingest = new EventIngest({ store, catalog: new Catalog(), clock, onDeliveriesQueued: () => {} });
      await Promise.all(
        Array.from({ length: 300 }, (_, i) => ingest.submit({ type: 'job.fail', organization: 'acme', data: { i } })),
      );
      const owners = ['w1', 'w2', 'w3', 'w4'];
      const claimed = await Promise.all(
        owners.flatMap((owner) =>
          [0, 1, 2].map(() =>
            store.queue.claim(owner, now, 40, now + 30_000).then((rows) => rows.map((row) => row.id)),
          ),
        ),
      );
      const all = claimed.flat();
      assert.equal(all.length, new Set(all).size, 'a delivery was claimed twice');
      assert.ok(all.length > 0);
    });

    it('returns a delivery whose lease expired to the queue, and ignores the late outcome of its old owner', async () => {
      await store.db.deleteFrom('deliveries').execute();
      const ingest = new EventIngest({ store, catalog: new Catalog(), clock, onDeliveriesQueued: () => {} });
      await ingest.submit({ type: 'job.fail', organization: 'acme', data: { lease: true } });
      const now = clock.now();
      const [row] = await store.queue.claim('dead-worker', now, 1, now + 1000);
      assert.ok(row);
      assert.equal(await store.queue.reclaimExpired('live-worker', now + 500), 0, 'a live lease was reclaimed');
      assert.equal(await store.queue.reclaimExpired('dead-worker', now + 1001), 0, 'a worker reclaimed its own lease');
      assert.equal(await store.queue.reclaimExpired('live-worker', now + 1001), 1);
      const [again] = await store.queue.claim('live-worker', now + 1001, 1, now + 5000);
      assert.equal(again?.id, row.id);

      const settlement = (status: Settlement['status']): Settlement => ({
        deliveryId: row.id,
        attempt: {
          id: `att_${status}_${Math.random()}`,
          delivery_id: row.id,
          organization_id: 'acme',
          attempt: 1,
          started_at: now,
          latency_ms: 1,
          outcome: status === 'pending' ? 'retry' : 'sent',
          status_code: 200,
          response_excerpt: null,
          error: null,
        },
        status,
        nextAttemptAt: now,
        attempts: 1,
        lastStatusCode: 200,
        lastError: null,
        providerMessageId: null,
        disableHook: null,
        now,
      });
      await store.queue.settle('dead-worker', [settlement('failed')]);
      assert.equal((await store.deliveries.get(row.id))?.status, 'sending', "the old owner's outcome was applied");
      await store.queue.settle('live-worker', [settlement('sent')]);
      assert.equal((await store.deliveries.get(row.id))?.status, 'sent');
      assert.equal((await store.deliveries.attempts(row.id)).length, 2, 'both attempts are in the log');
    });

    it('renews only the leases the worker still holds', async () => {
      await store.db.deleteFrom('deliveries').execute();
      const ingest = new EventIngest({ store, catalog: new Catalog(), clock, onDeliveriesQueued: () => {} });
      await ingest.submit({ type: 'job.fail', organization: 'acme', data: { renew: true } });
      const now = clock.now();
      const [row] = await store.queue.claim('w1', now, 1, now + 1000);
      await store.queue.renew('w2', [row!.id], now + 99_000);
      assert.equal((await store.deliveries.get(row!.id))?.lease_until, now + 1000);
      await store.queue.renew('w1', [row!.id], now + 9000);
      assert.equal((await store.deliveries.get(row!.id))?.lease_until, now + 9000);
    });

    it('purges finished deliveries, their attempts and events past retention, keeping anything still pending', async () => {
      await store.db.deleteFrom('deliveries').execute();
      await store.db.deleteFrom('attempts').execute();
      await store.db.deleteFrom('events').execute();
      const ingest = new EventIngest({ store, catalog: new Catalog(), clock, onDeliveriesQueued: () => {} });
      const old = await ingest.submit({ id: 'old-done', type: 'job.fail', organization: 'acme', data: {} });
      // A millisecond apart, so the claim below takes the older one: rows due at the same time come in no set order.
      clock.advance(1);
      const stuck = await ingest.submit({ id: 'old-pending', type: 'job.fail', organization: 'acme', data: {} });
      const now = clock.now();
      const [done] = await store.queue.claim('w', now, 1, now + 1000);
      assert.equal(done?.event_seq, old.seq);
      await store.queue.settle('w', [
        {
          deliveryId: done.id,
          attempt: {
            id: 'att_old',
            delivery_id: done.id,
            organization_id: 'acme',
            attempt: 1,
            started_at: now,
            latency_ms: 3,
            outcome: 'sent',
            status_code: 200,
            response_excerpt: null,
            error: null,
          },
          status: 'sent',
          nextAttemptAt: now,
          attempts: 1,
          lastStatusCode: 200,
          lastError: null,
          providerMessageId: null,
          disableHook: null,
          now,
        },
      ]);
      // The breaker's row of a target untouched for the whole window goes; a fresh one stays.
      const health = { consecutive_failures: 5, failing_since: now, paused_until: null, pause_ms: 30_000 };
      await store.db
        .insertInto('target_health')
        .values([
          { target: 'hook:deleted-long-ago', ...health, updated_at: now },
          { target: 'hook:failing-now', ...health, updated_at: now + 5 },
        ])
        .execute();
      const removed = await store.retention.purgeBefore(now + 1);
      assert.deepEqual(removed, { attempts: 1, deliveries: 1, events: 1, traces: 0, inbox: 0, targetHealth: 1 });
      const kept = await store.db.selectFrom('target_health').select('target').execute();
      assert.deepEqual(
        kept.map((row) => row.target),
        ['hook:failing-now'],
      );
      assert.ok((await store.retention.purgedThrough()) > 0, 'the purge raised the watermark');
      const events = await store.db.selectFrom('events').select('id').execute();
      assert.deepEqual(
        events.map((row) => row.id),
        ['old-pending'],
      );
      assert.equal(stuck.deliveries, 1);
      assert.deepEqual(await store.retention.purgeBefore(now + 1), {
        attempts: 0,
        deliveries: 0,
        events: 0,
        traces: 0,
        inbox: 0,
        targetHealth: 0,
      });
    });

    it('reports when the next pending delivery falls due, and the queue depth', async () => {
      await store.db.deleteFrom('deliveries').execute();
      assert.equal(await store.queue.nextDueAt(), null);
      const ingest = new EventIngest({ store, catalog: new Catalog(), clock, onDeliveriesQueued: () => {} });
      await ingest.submit({ type: 'job.fail', organization: 'acme', data: { due: true } });
      assert.equal(await store.queue.nextDueAt(), clock.now());
      const depth = await store.queue.depth(clock.now() + 2000);
      assert.deepEqual(depth, { pending: 1, oldestDueAgeMs: 2000 });
    });

    it('stores every row of a large insert exactly as given, whatever the batch size', async () => {
      await store.db.deleteFrom('deliveries').execute();
      const now = clock.now();
      // 1,337 rows cross every chunk size the SQLite statements are cut in (1,000 + 256 + 64 + 16 + 1).
      const rows = Array.from({ length: 1337 }, (_, i) => ({
        id: `dlv_insert_${String(i).padStart(4, '0')}`,
        organization_id: 'acme',
        event_seq: 10_000 + i,
        event_id: `evt_${i}`,
        event_type: 'job.fail',
        application_id: i % 3 === 0 ? null : `app_${i}`,
        hook_id: i % 2 === 0 ? 'hook_all' : null,
        user_id: i % 2 === 0 ? null : `usr_${i}`,
        channel: i % 2 === 0 ? 'webhook' : 'email',
        address: i % 2 === 0 ? null : `person${i}@example.com`,
        reason: `rule ${i}`,
        status: 'pending' as const,
        attempts: i % 4,
        next_attempt_at: now + i,
        lease_owner: i % 5 === 0 ? 'wrk_insert' : null,
        lease_until: i % 5 === 0 ? now + 30_000 : null,
        created_at: now,
        updated_at: now + 1,
      }));
      await store.db.transaction().execute((trx) => insertDeliveries(trx, store.dialect, rows));
      const stored = await store.db
        .selectFrom('deliveries')
        .select([
          'id',
          'organization_id',
          'event_seq',
          'event_id',
          'event_type',
          'application_id',
          'hook_id',
          'user_id',
          'channel',
          'address',
          'reason',
          'status',
          'attempts',
          'next_attempt_at',
          'lease_owner',
          'lease_until',
          'created_at',
          'updated_at',
        ])
        .orderBy('id')
        .execute();
      assert.deepEqual(
        stored.map((row) => ({
          ...row,
          event_seq: Number(row.event_seq),
          next_attempt_at: Number(row.next_attempt_at),
          lease_until: row.lease_until === null ? null : Number(row.lease_until),
          created_at: Number(row.created_at),
          updated_at: Number(row.updated_at),
        })),
        rows,
      );
      await store.db.deleteFrom('deliveries').execute();
    });

    it('stores every event of a large insert exactly as given', async () => {
      const now = clock.now();
      // Sequence numbers far above the other tests' events; 1,337 crosses every chunk size.
      const rows = Array.from({ length: 1337 }, (_, i) => ({
        seq: 1_000_000 + i,
        organization_id: 'acme',
        id: `evt_insert_${String(i).padStart(4, '0')}`,
        type: i % 2 === 0 ? 'job.fail' : 'stack.redeploy.fail',
        application_id: i % 2 === 0 ? null : `app_${i}`,
        addon_id: i % 4 === 1 ? `addon_${i}` : null,
        occurred_at: now - i,
        received_at: now,
        data: JSON.stringify({ n: i, text: `quote " backslash \\ brace { comma , ${i}` }),
        body_hash: `hash_${i}`,
      }));
      await store.db.transaction().execute((trx) => insertEvents(trx, store.dialect, rows));
      const stored = await store.db
        .selectFrom('events')
        .select([
          'seq',
          'organization_id',
          'id',
          'type',
          'application_id',
          'addon_id',
          'occurred_at',
          'received_at',
          'data',
          'body_hash',
        ])
        .where('seq', '>=', 1_000_000)
        .orderBy('seq')
        .execute();
      assert.deepEqual(
        stored.map((row) => ({
          ...row,
          seq: Number(row.seq),
          occurred_at: Number(row.occurred_at),
          received_at: Number(row.received_at),
        })),
        rows,
      );
      await store.db.deleteFrom('events').where('seq', '>=', 1_000_000).execute();
    });
  });
}
