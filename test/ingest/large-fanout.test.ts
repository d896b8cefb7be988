// An event routed to more deliveries than the inline limit is answered once it and its routing
// plan are committed; the fan-out expander then writes its deliveries a chunk per transaction.
// The clock is frozen, so nothing here moves on a poll: only the wake-ups the design relies on.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import pino from 'pino';
import { FakeClock } from '../../src/clock.ts';
import { FanoutExpander } from '../../src/ingest/fanout-expander.ts';
import type { Store } from '../../src/store/store.ts';
import { startHttpReceiver } from '../helpers/http-receiver.ts';
import { STORE_KINDS } from '../helpers/stores.ts';
import { startTestClarion, type TestClarion } from '../helpers/test-clarion.ts';

const HOOKS = 8;
const INLINE_LIMIT = 3;

interface Recipient {
  decision: string;
  hook: string | null;
  delivery?: { id: string; status: string };
}

for (const kind of STORE_KINDS) {
  describe(`${kind}: a fan-out larger than the inline limit`, () => {
    const open: { close(): Promise<void> }[] = [];
    afterEach(async () => {
      for (const thing of open.splice(0).reverse()) await thing.close();
    });

    /** A Clarion whose workers have not started, with HOOKS webhook hooks to `url`. */
    async function setUp(url: string, hooks = HOOKS): Promise<TestClarion> {
      const t = await startTestClarion(kind, {
        config: { inlineDeliveryLimit: INLINE_LIMIT },
        deps: { clock: new FakeClock() },
        start: false,
      });
      open.push(t);
      assert.equal((await t.json('POST', '/v1/organizations', { id: 'acme', name: 'Acme' })).status, 201);
      for (let i = 0; i < hooks; i++) {
        const hook = await t.json('POST', '/v1/organizations/acme/hooks', {
          name: `Hook ${i}`,
          kind: 'webhook',
          url: `${url}/${i}`,
          events: ['job.fail'],
        });
        assert.equal(hook.status, 201, JSON.stringify(hook.body));
      }
      return t;
    }

    const send = (t: TestClarion, id: string) =>
      t.json('POST', '/v1/events', { id, type: 'job.fail', organization: 'acme', data: {} });

    const recipients = async (t: TestClarion, id: string): Promise<Recipient[]> =>
      (await t.json('GET', `/v1/organizations/acme/events/${id}/recipients`)).body.data;

    async function deliveryHooks(store: Store, eventId: string): Promise<string[]> {
      const rows = await store.db
        .selectFrom('deliveries')
        .select('hook_id')
        .where('event_id', '=', eventId)
        .orderBy('hook_id')
        .execute();
      return rows.map((row) => row.hook_id!);
    }

    function expander(store: Store, chunkSize: number): FanoutExpander {
      return new FanoutExpander({
        store,
        clock: new FakeClock(),
        logger: pino({ level: 'silent' }),
        onDeliveriesQueued: () => {},
        chunkSize,
      });
    }

    it('answers before any delivery is written, then every hook gets the event once', async () => {
      const receiver = await startHttpReceiver();
      open.push(receiver);
      const t = await setUp(receiver.url);
      assert.equal((await send(t, 'big')).status, 202);
      const { store } = t.clarion;
      assert.deepEqual(await deliveryHooks(store, 'big'), [], 'no delivery row is written before the answer');
      const unwritten = async () =>
        /^clarion_fanout_unwritten_deliveries (\d+)$/m.exec((await t.request('GET', '/metrics')).body)?.[1];
      assert.equal(await unwritten(), String(HOOKS));
      // "Why" already lists every planned hook, none of them with a delivery yet.
      const planned = await recipients(t, 'big');
      assert.equal(planned.length, HOOKS);
      assert.ok(planned.every((entry) => entry.decision === 'deliver' && entry.delivery === undefined));

      await t.clarion.start();
      const requests = await receiver.waitFor(HOOKS, 5000);
      assert.deepEqual(
        requests.map((request) => request.url).sort(),
        Array.from({ length: HOOKS }, (_, i) => `/${i}`).sort(),
      );
      assert.equal(new Set(await deliveryHooks(store, 'big')).size, HOOKS);
      assert.equal(
        (await store.db.selectFrom('fanouts').selectAll().execute()).length,
        0,
        'the finished fan-out is gone',
      );
      assert.equal(await unwritten(), '0');
      const reached = await recipients(t, 'big');
      assert.equal(reached.length, HOOKS);
      assert.ok(reached.every((entry) => entry.delivery !== undefined));
    });

    it('writes events at or under the limit before the answer, as always', async () => {
      const t = await setUp('http://127.0.0.1:9', INLINE_LIMIT);
      assert.equal((await send(t, 'small')).status, 202);
      assert.equal((await deliveryHooks(t.clarion.store, 'small')).length, INLINE_LIMIT);
      assert.equal((await t.clarion.store.db.selectFrom('fanouts').selectAll().execute()).length, 0);
    });

    it('goes on from the last committed chunk after a stop, writing no delivery twice', async () => {
      const t = await setUp('http://127.0.0.1:9');
      await send(t, 'big');
      const { store } = t.clarion;
      assert.equal(await expander(store, 3).expandChunk(), 3);
      assert.equal((await deliveryHooks(store, 'big')).length, 3);
      const halfway = await recipients(t, 'big');
      assert.equal(halfway.length, HOOKS);
      assert.equal(halfway.filter((entry) => entry.delivery !== undefined).length, 3);

      // Another expander (a restarted process) has no cached plan: it reads progress from the store.
      const next = expander(store, 3);
      assert.deepEqual([await next.expandChunk(), await next.expandChunk(), await next.expandChunk()], [3, 2, 0]);
      const hooks = await deliveryHooks(store, 'big');
      assert.equal(hooks.length, HOOKS);
      assert.equal(new Set(hooks).size, HOOKS);
    });

    it('lets expanders run at once without writing a chunk twice', async () => {
      const t = await setUp('http://127.0.0.1:9');
      for (const id of ['a', 'b', 'c']) await send(t, id);
      const { store } = t.clarion;
      const expanders = [expander(store, 2), expander(store, 2), expander(store, 2)];
      // Each round, every expander writes the next chunk of the oldest fan-out it can lock.
      for (let round = 0; round < 3 * HOOKS; round++) {
        const written = await Promise.all(expanders.map((each) => each.expandChunk()));
        if (written.every((count) => count === 0)) break;
      }
      for (const id of ['a', 'b', 'c']) {
        const hooks = await deliveryHooks(store, id);
        assert.equal(hooks.length, HOOKS, `event ${id}`);
        assert.equal(new Set(hooks).size, HOOKS, `event ${id}`);
      }
      assert.equal((await store.db.selectFrom('fanouts').selectAll().execute()).length, 0);
    });

    it('keeps an event whose fan-out is not fully written through retention', async () => {
      const t = await setUp('http://127.0.0.1:9');
      await send(t, 'big');
      const { store } = t.clarion;
      const removed = await store.retention.purgeBefore(new FakeClock().now() + 86_400_000);
      assert.equal(removed.events, 0);
      assert.ok(await store.events.get('acme', 'big'));
    });
  });
}
