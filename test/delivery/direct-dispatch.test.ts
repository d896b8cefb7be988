// Where the process that ingests an event also runs a worker with free slots, the event's
// deliveries are committed already leased to that worker and handed to it after the commit: no
// claim, no wake-up. Deliveries beyond its free slots stay in the queue and are claimed as usual.
// The queue's claim is wrapped with a counter (the store itself is real) so the tests can tell
// the two paths apart; the clock is frozen so no poll timer claims behind their back.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { FakeClock } from '../../src/clock.ts';
import { startHttpReceiver, type ReceiverReply } from '../helpers/http-receiver.ts';
import { STORE_KINDS } from '../helpers/stores.ts';
import { startTestClarion, type TestClarion } from '../helpers/test-clarion.ts';

const WAIT_MS = 5000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Counts the claims the worker makes from now on. */
function countClaims(t: TestClarion): { readonly count: number } {
  const queue = t.clarion.store.queue;
  const claim = queue.claim.bind(queue);
  const counter = { count: 0 };
  queue.claim = (...args) => {
    counter.count += 1;
    return claim(...args);
  };
  return counter;
}

async function deliveriesOf(t: TestClarion, eventId: string): Promise<{ status: string; attempts: number }[]> {
  return (await t.json('GET', `/v1/deliveries?event=${eventId}`)).body.data;
}

for (const kind of STORE_KINDS) {
  describe(`${kind}: deliveries handed from ingest to the local worker`, () => {
    const open: { close(): Promise<void> }[] = [];
    afterEach(async () => {
      for (const thing of open.splice(0).reverse()) await thing.close();
    });

    async function start(workerConcurrency: number, reply?: () => Promise<ReceiverReply>) {
      const receiver = await startHttpReceiver(reply);
      open.push(receiver);
      const t = await startTestClarion(kind, { config: { workerConcurrency }, deps: { clock: new FakeClock() } });
      open.push(t);
      assert.equal((await t.json('POST', '/v1/organizations', { id: 'acme', name: 'Acme' })).status, 201);
      for (const name of ['One', 'Two', 'Three']) {
        const hook = await t.json('POST', '/v1/organizations/acme/hooks', {
          name,
          kind: 'webhook',
          url: `${receiver.url}/${name}`,
          events: ['job.fail'],
        });
        assert.equal(hook.status, 201, JSON.stringify(hook.body));
      }
      // The worker's first look at the queue (at start) is over before counting begins.
      await sleep(50);
      return { receiver, t, claims: countClaims(t) };
    }

    const send = (t: TestClarion, id: string) =>
      t.json('POST', '/v1/events', { id, type: 'job.fail', organization: 'acme', data: {} });

    it('sends an event to every hook without claiming, when the worker has slots free', async () => {
      const { receiver, t, claims } = await start(16);
      assert.equal((await send(t, 'e1')).status, 202);
      await receiver.waitFor(3, WAIT_MS);
      for (let deadline = Date.now() + WAIT_MS; Date.now() < deadline; await sleep(20)) {
        if ((await deliveriesOf(t, 'e1')).every((delivery) => delivery.status === 'sent')) break;
      }
      assert.deepEqual(
        (await deliveriesOf(t, 'e1')).map((delivery) => [delivery.status, delivery.attempts]),
        [
          ['sent', 1],
          ['sent', 1],
          ['sent', 1],
        ],
      );
      assert.equal(claims.count, 0);
    });

    it('hands over only what fits in the free slots; the rest is claimed once a slot frees', async () => {
      let release: () => void = () => {};
      const released = new Promise<void>((resolve) => (release = resolve));
      const { receiver, t, claims } = await start(2, async () => {
        await released;
        return { status: 200 };
      });
      assert.equal((await send(t, 'e2')).status, 202);
      await receiver.waitFor(2, WAIT_MS);
      await sleep(100);
      assert.equal(receiver.requests.length, 2, 'more sends than the worker has slots');
      assert.equal(claims.count, 0, 'the worker claimed while its slots were full');
      const statuses = (await deliveriesOf(t, 'e2')).map((delivery) => delivery.status).sort();
      assert.deepEqual(statuses, ['pending', 'sending', 'sending']);

      release();
      await receiver.waitFor(3, WAIT_MS);
      assert.ok(claims.count >= 1, 'the third delivery was sent without a claim');
    });

    it('leaves everything in the queue while the worker is stopped, and sends it once it starts', async () => {
      const { receiver, t } = await start(16);
      const worker = t.clarion.worker!;
      await worker.stop(WAIT_MS);
      assert.equal((await send(t, 'e3')).status, 202);
      assert.deepEqual(
        (await deliveriesOf(t, 'e3')).map((delivery) => delivery.status),
        ['pending', 'pending', 'pending'],
      );
      await worker.start();
      await receiver.waitFor(3, WAIT_MS);
    });
  });
}
