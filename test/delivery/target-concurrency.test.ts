// A slow target never takes every slot of a worker: at most CLARION_TARGET_CONCURRENCY sends go to
// one target at once, the deliveries over that wait in the queue a moment (no slot held, no
// attempt spent), and another target's deliveries are sent meanwhile. The slow receiver here
// answers only when the test lets it, so "slow" is a state, not a measured time. A fast target's
// burst over the cap waits in the worker's memory instead, and goes out as its sends finish.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { FakeClock } from '../../src/clock.ts';
import { startHttpReceiver, type ReceiverReply } from '../helpers/http-receiver.ts';
import { STORE_KINDS } from '../helpers/stores.ts';
import { startTestClarion } from '../helpers/test-clarion.ts';

const QUIET_MS = 300;
const SETTLE_TIMEOUT_MS = 5000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const kind of STORE_KINDS) {
  describe(`${kind}: per-target concurrency`, () => {
    const open: { close(): Promise<void> }[] = [];
    afterEach(async () => {
      for (const thing of open.splice(0).reverse()) await thing.close();
    });

    it('keeps a slow target to its share of the slots while another target is served promptly', async () => {
      let release: () => void = () => {};
      const released = new Promise<void>((resolve) => (release = resolve));
      const slow = await startHttpReceiver(async (): Promise<ReceiverReply> => {
        await released;
        return { status: 200 };
      });
      const fast = await startHttpReceiver();
      open.push(slow, fast);
      const clock = new FakeClock();
      const t = await startTestClarion(kind, {
        config: { workerConcurrency: 16, targetConcurrency: 4 },
        deps: { clock },
      });
      open.push({
        async close() {
          release();
          await t.close();
        },
      });
      assert.equal((await t.json('POST', '/v1/organizations', { id: 'acme', name: 'Acme' })).status, 201);
      for (const [name, url, type] of [
        ['Slow', `${slow.url}/hook`, 'job.fail'],
        ['Fast', `${fast.url}/hook`, 'job.backon'],
      ] as const) {
        const hook = await t.json('POST', '/v1/organizations/acme/hooks', {
          name,
          kind: 'webhook',
          url,
          events: [type],
        });
        assert.equal(hook.status, 201, JSON.stringify(hook.body));
      }

      // A backlog of 20 on the slow target: more than the worker's 16 slots.
      for (let i = 0; i < 20; i++) {
        const accepted = await t.json('POST', '/v1/events', {
          id: `s${i}`,
          type: 'job.fail',
          organization: 'acme',
          data: {},
        });
        assert.equal(accepted.status, 202);
      }
      await slow.waitFor(4);
      await sleep(QUIET_MS);
      assert.equal(slow.requests.length, 4, 'more than 4 sends in flight to one target');

      for (let i = 0; i < 5; i++) {
        await t.json('POST', '/v1/events', { id: `f${i}`, type: 'job.backon', organization: 'acme', data: {} });
      }
      await fast.waitFor(5, SETTLE_TIMEOUT_MS);
      assert.equal(slow.requests.length, 4, 'the slow target got more sends while its first ones hung');

      const waiting = (await t.json('GET', '/v1/deliveries?event=s19')).body.data[0];
      assert.equal(waiting.status, 'pending');
      assert.equal(waiting.attempts, 0, 'a delivery held back for its target spent an attempt');
      assert.equal(waiting.last_error, 'waiting: 4 sends to this target are already under way');

      // Once the slow target answers, its backlog goes out as the clock moves, four at a time.
      release();
      const deadline = Date.now() + 4 * SETTLE_TIMEOUT_MS;
      while (slow.requests.length < 20 && Date.now() < deadline) {
        clock.advance(1000);
        t.clarion.worker!.wake();
        await sleep(50);
      }
      assert.equal(slow.requests.length, 20);
      const sent = async () =>
        (await t.json('GET', '/v1/deliveries?status=sent&limit=100')).body.data as { attempts: number }[];
      let all = await sent();
      while (all.length < 25 && Date.now() < deadline) {
        await sleep(20);
        all = await sent();
      }
      assert.equal(all.length, 25);
      assert.ok(
        all.every((d) => d.attempts === 1),
        'every delivery was sent on its first attempt',
      );
    });

    it('opens as many connections to one origin as the per-target cap, whatever the hooks on it', async () => {
      let release: () => void = () => {};
      const released = new Promise<void>((resolve) => (release = resolve));
      const held = await startHttpReceiver(async (): Promise<ReceiverReply> => {
        await released;
        return { status: 200 };
      });
      open.push(held);
      const t = await startTestClarion(kind, { config: { workerConcurrency: 16, targetConcurrency: 2 } });
      open.push({
        async close() {
          release();
          await t.close();
        },
      });
      assert.equal((await t.json('POST', '/v1/organizations', { id: 'acme', name: 'Acme' })).status, 201);
      // Two hooks, two targets, one origin: each may have 2 sends in flight, 4 in all.
      for (const [name, type] of [
        ['First', 'job.fail'],
        ['Second', 'job.backon'],
      ] as const) {
        const hook = await t.json('POST', '/v1/organizations/acme/hooks', {
          name,
          kind: 'webhook',
          url: `${held.url}/${name}`,
          events: [type],
        });
        assert.equal(hook.status, 201, JSON.stringify(hook.body));
      }
      for (const type of ['job.fail', 'job.backon'])
        for (let i = 0; i < 2; i++)
          assert.equal((await t.json('POST', '/v1/events', { type, organization: 'acme', data: {} })).status, 202);

      // Both connections carry a held request; the other two sends wait for one of them.
      await held.waitFor(2);
      await sleep(QUIET_MS);
      assert.equal(held.requests.length, 2, 'more connections to one origin than the per-target cap');
      release();
      await held.waitFor(4, SETTLE_TIMEOUT_MS);
    });

    it("sends a fast target's burst over the cap as slots free, without a trip through the queue", async () => {
      const fast = await startHttpReceiver();
      open.push(fast);
      // The clock never moves: a delivery put back in the queue for later would never fall due.
      const clock = new FakeClock();
      const t = await startTestClarion(kind, {
        config: { workerConcurrency: 64, targetConcurrency: 4 },
        deps: { clock },
      });
      open.push(t);
      await t.createOrganization('acme', 'Acme');
      await t.createWebhook('acme', { name: 'Fast', url: `${fast.url}/hook`, events: ['job.backon'] });
      const send = (id: string) =>
        t.json('POST', '/v1/events', { id, type: 'job.backon', organization: 'acme', data: {} });

      // One at a time first: the worker learns how fast this target answers.
      for (let i = 0; i < 15; i++) {
        assert.equal((await send(`warm${i}`)).status, 202);
        await fast.waitFor(i + 1, SETTLE_TIMEOUT_MS);
      }
      // Then twice the cap in one claim: four are sent, four wait in the target's line.
      const worker = t.clarion.worker!;
      await worker.stop(SETTLE_TIMEOUT_MS);
      for (let i = 0; i < 8; i++) assert.equal((await send(`burst${i}`)).status, 202);
      await worker.start();
      await fast.waitFor(23, SETTLE_TIMEOUT_MS);

      let burst: { status: string; attempts: number; last_error: string | null }[] = [];
      for (const deadline = Date.now() + SETTLE_TIMEOUT_MS; Date.now() < deadline; await sleep(20)) {
        burst = await Promise.all(
          Array.from(
            { length: 8 },
            async (_, i) => (await t.json('GET', `/v1/deliveries?event=burst${i}`)).body.data[0],
          ),
        );
        if (burst.every((delivery) => delivery.status === 'sent')) break;
      }
      assert.deepEqual(
        burst.map((delivery) => [delivery.status, delivery.attempts]),
        Array.from({ length: 8 }, () => ['sent', 1]),
      );
    });
  });
}
