// The store's side of the per-target circuit breaker, on every store kind: when a breaker opens,
// how a failed probe extends the pause, that exactly one of many racing callers wins a probe, and
// that closing a paused target makes its waiting deliveries (and only its) due at once.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { Catalog } from '../../src/catalog/catalog.ts';
import { FakeClock } from '../../src/clock.ts';
import { EventIngest } from '../../src/ingest/event-ingest.ts';
import type { Database } from '../../src/store/schema.ts';
import { Store } from '../../src/store/store.ts';
import type { BreakerPolicy, TargetOutcomes } from '../../src/store/target-health-repository.ts';
import { freshStoreLocation, STORE_KINDS, type TestStoreLocation } from '../helpers/stores.ts';

const POLICY: BreakerPolicy = { failuresToOpen: 5, minFailingMs: 10_000, firstPauseMs: 30_000, maxPauseMs: 100_000 };
const HOUR = 3_600_000;

const failures = (target: string, count: number, more: Partial<TargetOutcomes> = {}): TargetOutcomes => ({
  target,
  failures: count,
  reset: false,
  probeFailed: false,
  ...more,
});

for (const kind of STORE_KINDS) {
  describe(`${kind} store: target health`, () => {
    let location: TestStoreLocation;
    let store: Store;
    const clock = new FakeClock();
    const record = (outcomes: TargetOutcomes[], now: number) =>
      store.db.transaction().execute((trx: Kysely<Database>) => store.targetHealth.record(trx, outcomes, POLICY, now));

    before(async () => {
      location = await freshStoreLocation(kind);
      store = Store.open(location);
      await store.migrate();
      const now = clock.now();
      await store.organizations.create({ id: 'acme', name: 'Acme', created_at: now, updated_at: now });
      for (const id of ['h1', 'h2']) {
        await store.hooks.create({
          id,
          organization_id: 'acme',
          name: id,
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
      }
    });

    after(async () => {
      await store.close();
      await location.cleanup();
    });

    it('opens only after five failures spanning ten seconds, and a failed probe doubles the pause up to the cap', async () => {
      const t0 = clock.now();
      await record([failures('hook:a', 4)], t0);
      await record([failures('hook:a', 3)], t0 + 9_999);
      let row = await store.targetHealth.get('hook:a');
      assert.equal(row?.consecutive_failures, 7);
      assert.equal(row?.paused_until, null, 'opened before ten seconds of failures');

      await record([failures('hook:a', 1)], t0 + 10_000);
      row = await store.targetHealth.get('hook:a');
      assert.equal(row?.paused_until, t0 + 40_000);
      assert.equal(row?.pause_ms, 30_000);

      const pauses: number[] = [];
      for (let probe = 0; probe < 3; probe++) {
        await record([failures('hook:a', 1, { probeFailed: true })], t0 + HOUR);
        pauses.push((await store.targetHealth.get('hook:a'))!.pause_ms);
      }
      assert.deepEqual(pauses, [60_000, 100_000, 100_000]);
      assert.equal((await store.targetHealth.get('hook:a'))!.paused_until, t0 + HOUR + 100_000);
      assert.equal(await store.targetHealth.pausedCount(t0 + HOUR), 1);
    });

    it('starts counting again after a success within one batch', async () => {
      const t0 = clock.now();
      await record([failures('hook:b', 4)], t0);
      await record([failures('hook:b', 2, { reset: true })], t0 + 20_000);
      const row = await store.targetHealth.get('hook:b');
      assert.equal(row?.consecutive_failures, 2);
      assert.equal(row?.failing_since, t0 + 20_000);
      assert.equal(row?.paused_until, null);
    });

    it('lets exactly one of many callers racing for the probe take it', async () => {
      const t0 = clock.now();
      await record([failures('hook:c', 5)], t0);
      await record([failures('hook:c', 1)], t0 + 10_000);
      const pausedUntil = (await store.targetHealth.get('hook:c'))!.paused_until!;
      const wins = await Promise.all(
        Array.from({ length: 12 }, () =>
          store.targetHealth.takeProbe('hook:c', pausedUntil, pausedUntil + 30_000, pausedUntil),
        ),
      );
      assert.equal(wins.filter(Boolean).length, 1);
      assert.equal((await store.targetHealth.get('hook:c'))!.paused_until, pausedUntil + 30_000);
    });

    it("closes a paused target on success and makes its waiting deliveries due now, no other target's", async () => {
      const ingest = new EventIngest({ store, catalog: new Catalog(), clock, onDeliveriesQueued: () => {} });
      const event = await ingest.submit({ id: 'drain', type: 'job.fail', organization: 'acme', data: {} });
      const now = clock.now();
      const later = now + HOUR;
      await store.db
        .insertInto('deliveries')
        .values({
          id: 'dlv_personal',
          organization_id: 'acme',
          event_seq: event.seq,
          event_id: 'drain',
          event_type: 'job.fail',
          application_id: null,
          hook_id: null,
          user_id: 'ann',
          channel: 'email',
          address: 'ann@acme.test',
          reason: 'test',
          status: 'pending',
          attempts: 0,
          next_attempt_at: later,
          created_at: now,
          updated_at: now,
        })
        .execute();
      await store.db
        .updateTable('deliveries')
        .set({ next_attempt_at: later, last_error: `waiting: target paused until ${later}` })
        .where('event_seq', '=', event.seq)
        .execute();
      for (const target of ['hook:h1', 'to:email:ann@acme.test', 'hook:h2']) {
        await record([failures(target, 5)], now - 10_000);
        await record([failures(target, 1)], now);
      }

      await record(
        [failures('hook:h1', 0, { reset: true }), failures('to:email:ann@acme.test', 0, { reset: true })],
        now,
      );
      const rows = await store.db
        .selectFrom('deliveries')
        .select(['hook_id', 'channel', 'next_attempt_at', 'last_error'])
        .where('event_seq', '=', event.seq)
        .execute();
      const byTarget = new Map(rows.map((row) => [row.hook_id ?? row.channel, row]));
      assert.equal(byTarget.get('h1')?.next_attempt_at, now);
      assert.equal(byTarget.get('h1')?.last_error, null);
      assert.equal(byTarget.get('email')?.next_attempt_at, now);
      assert.equal(byTarget.get('h2')?.next_attempt_at, later, "another target's delivery was made due");
      assert.equal(await store.targetHealth.get('hook:h1'), undefined);
      assert.notEqual(await store.targetHealth.get('hook:h2'), undefined);
    });
  });
}
