// A worker keeps looking at the queue on its poll interval after a claim that took fewer
// deliveries than it asked for yet left too few free slots to claim again: a lease that a dead
// worker left to expire is found and sent again once its sends end, with nothing waking it.
// (CI saw a restarted PostgreSQL worker miss such leases for a minute after a crash.)
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { FakeClock } from '../../src/clock.ts';
import { newId } from '../../src/ids.ts';
import { startHttpReceiver, type HttpReceiver } from '../helpers/http-receiver.ts';
import { STORE_KINDS } from '../helpers/stores.ts';
import { startTestClarion, type TestClarion } from '../helpers/test-clarion.ts';

/** 50 of 64 slots: the claim asks for 64 and gets fewer, and the 14 left are under the 16 it waits for. */
const CONCURRENCY = 64;
const QUEUED = 50;

for (const kind of STORE_KINDS) {
  describe(`${kind}: polling the queue`, () => {
    const open: { close(): Promise<void> }[] = [];
    afterEach(async () => {
      for (const thing of open.splice(0).reverse()) await thing.close();
    });

    it('looks again after a claim that left too few free slots, and sends a lease a dead worker left to expire', async () => {
      const clock = new FakeClock();
      const receiver: HttpReceiver = await startHttpReceiver();
      open.push(receiver);
      const t: TestClarion = await startTestClarion(kind, {
        config: { workerConcurrency: CONCURRENCY },
        deps: { clock, pollIntervalMs: 1000 },
      });
      open.push(t);
      const { db } = t.clarion.store;
      await t.createOrganization('acme');
      await t.createWebhook('acme', { name: 'ops', url: receiver.url, events: ['job.fail'] });
      await t.json('POST', '/v1/events', { id: 'seed', type: 'job.fail', organization: 'acme', data: {} });
      await receiver.waitFor(1);
      const seed = await db.selectFrom('deliveries').selectAll().executeTakeFirstOrThrow();
      const copy = () => ({ ...seed, id: newId('dlv'), status: 'pending' as const, attempts: 0, finished_at: null });

      // Due deliveries written behind the worker's back, then one look at the queue: it claims all
      // 50 and launches them, which leaves 14 free slots, too few to claim again.
      await db
        .insertInto('deliveries')
        .values(Array.from({ length: QUEUED }, copy))
        .execute();
      t.clarion.worker!.wake();
      await receiver.waitFor(1 + QUEUED);

      // A delivery another worker leased, then died: its lease has run out. Nothing tells this worker.
      const orphan = { ...copy(), status: 'sending' as const, lease_owner: 'wrk_dead', lease_until: clock.now() - 1 };
      await db.insertInto('deliveries').values(orphan).execute();
      // Leases are looked for every half lease (30 s by default): 40 s of polls on the fake clock.
      for (let second = 0; second < 40 && receiver.requests.length < 2 + QUEUED; second++) {
        clock.advance(1000);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      const requests = await receiver.waitFor(2 + QUEUED, 2000);
      assert.equal(requests.at(-1)!.headers['webhook-id'], orphan.id);
    });
  });
}
