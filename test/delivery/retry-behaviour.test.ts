// The retry schedule end to end: a real receiver on 127.0.0.1, a whole Clarion, and a FakeClock
// that only moves when a test says so. `random: () => 0.5` makes the jitter exactly zero, so
// every next attempt falls due on the schedule to the millisecond. Real time is only spent
// waiting for the worker to act on a clock that has already moved (or to show it does not).
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { FakeClock } from '../../src/clock.ts';
import { startHttpReceiver, type HttpReceiver, type ReceiverReply } from '../helpers/http-receiver.ts';
import { STORE_KINDS, type StoreKind } from '../helpers/stores.ts';
import { startTestClarion, type TestClarion } from '../helpers/test-clarion.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
/** Delays before attempts 2..10: the Standard Webhooks schedule. */
const SCHEDULE_MS = [
  5 * SECOND,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  14 * HOUR,
  20 * HOUR,
  24 * HOUR,
];

/** How long a test waits, in real time, for the worker to act on a clock that has moved. */
const SETTLE_TIMEOUT_MS = 5000;
/** How long a test watches to see that nothing happens. */
const QUIET_MS = 300;

const iso = (ms: number) => new Date(ms).toISOString();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Harness {
  readonly t: TestClarion;
  readonly clock: FakeClock;
  readonly receiver: HttpReceiver;
  readonly t0: number;
  /** The webhook hook (events: job.fail) pointing at the receiver. */
  readonly hookId: string;
  /** Moves the fake clock and has the worker look at the queue at the new time. */
  advance(ms: number): void;
}

const open: Harness[] = [];

/**
 * A Clarion on a fresh store with a FakeClock, an organization and one webhook hook for job.fail
 * pointing at a receiver that answers as `answer` says (n counts requests from 1).
 */
async function startHarness(kind: StoreKind, answer: (n: number) => ReceiverReply): Promise<Harness> {
  const clock = new FakeClock();
  const t0 = clock.now();
  const receiver = await startHttpReceiver(() => answer(receiver.requests.length));
  const t = await startTestClarion(kind, { deps: { clock, random: () => 0.5 } });
  await t.createOrganization('acme', 'Acme');
  const hook = await t.createWebhook('acme', { name: 'Jobs', url: `${receiver.url}/hook`, events: ['job.fail'] });
  const harness: Harness = {
    t,
    clock,
    receiver,
    t0,
    hookId: hook.id,
    advance(ms) {
      clock.advance(ms);
      // The timers that fell due have woken the worker already. A look at the queue that was
      // under way while the clock moved may have set its next timer from the new time (at least
      // 1 ms ahead), which a fake clock only fires on its next advance: wake it once more.
      t.clarion.worker!.wake();
    },
  };
  open.push(harness);
  return harness;
}

/** Sends a job.fail event (or `type`) and returns the id of the hook's (or `hookId`'s) delivery for it. */
async function sendEvent(h: Harness, id: string, type = 'job.fail', hookId = h.hookId): Promise<string> {
  const accepted = await h.t.json('POST', '/v1/events', { id, type, organization: 'acme', data: { id } });
  assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
  const listed = await h.t.json('GET', `/v1/deliveries?event=${id}&hook=${hookId}`);
  assert.equal(listed.body.data.length, 1, JSON.stringify(listed.body));
  return listed.body.data[0].id as string;
}

/** Polls GET /v1/deliveries/:id until `done` holds (real time, bounded). */
async function waitForDelivery(h: Harness, id: string, done: (delivery: any) => boolean): Promise<any> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  for (;;) {
    const response = await h.t.json('GET', `/v1/deliveries/${id}`);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    if (done(response.body)) return response.body;
    if (Date.now() > deadline) {
      throw new Error(`delivery ${id} did not reach the expected state: ${JSON.stringify(response.body)}`);
    }
    await sleep(10);
  }
}

/** Waits until the delivery has made `attempts` attempts and is no longer being sent. */
function waitForAttempts(h: Harness, id: string, attempts: number): Promise<any> {
  return waitForDelivery(h, id, (delivery) => delivery.attempts >= attempts && delivery.status !== 'sending');
}

/** Watches for a while that the delivery is still waiting, unsent, after `attempts` attempts. */
async function assertStillWaiting(h: Harness, id: string, attempts: number, requests: number): Promise<void> {
  await sleep(QUIET_MS);
  assert.equal(h.receiver.requests.length, requests, 'no request before the attempt falls due');
  const delivery = await waitForDelivery(h, id, () => true);
  assert.equal(delivery.status, 'pending');
  assert.equal(delivery.attempts, attempts);
}

for (const kind of STORE_KINDS) {
  describe(`${kind}: retries on the schedule`, () => {
    afterEach(async () => {
      for (const h of open.splice(0)) {
        await h.t.close();
        await h.receiver.close();
      }
    });

    it('retries a 503 after 5 s and then 5 min, not a moment sooner, and records every attempt', async () => {
      const h = await startHarness(kind, (n) => (n <= 2 ? { status: 503 } : { status: 200 }));
      const id = await sendEvent(h, 'evt-503');

      const first = await waitForAttempts(h, id, 1);
      assert.equal(first.status, 'pending');
      assert.equal(first.last_status_code, 503);
      assert.equal(first.next_attempt_at, iso(h.t0 + 5 * SECOND));
      assert.equal(h.receiver.requests.length, 1);

      h.advance(4.9 * SECOND);
      await assertStillWaiting(h, id, 1, 1);

      h.advance(0.1 * SECOND);
      const second = await waitForAttempts(h, id, 2);
      assert.equal(second.status, 'pending');
      assert.equal(second.next_attempt_at, iso(h.t0 + 5 * SECOND + 5 * MINUTE));
      assert.equal(h.receiver.requests.length, 2);

      h.advance(5 * MINUTE - 1);
      await assertStillWaiting(h, id, 2, 2);
      h.advance(1);
      const done = await waitForDelivery(h, id, (delivery) => delivery.status === 'sent');
      assert.equal(done.attempts, 3);
      assert.equal(done.next_attempt_at, null);
      assert.equal(done.finished_at, iso(h.t0 + 5 * SECOND + 5 * MINUTE));
      assert.deepEqual(
        done.attempts_log.map((attempt: any) => [attempt.attempt, attempt.outcome, attempt.status_code]),
        [
          [1, 'retry', 503],
          [2, 'retry', 503],
          [3, 'sent', 200],
        ],
      );
      assert.deepEqual(
        done.attempts_log.map((attempt: any) => attempt.started_at),
        [iso(h.t0), iso(h.t0 + 5 * SECOND), iso(h.t0 + 5 * SECOND + 5 * MINUTE)],
      );
      assert.equal(h.receiver.requests.length, 3);
      assert.deepEqual(
        h.receiver.requests.map((request) => request.headers['clarion-attempt']),
        ['1', '2', '3'],
      );
      // Receivers deduplicate retries on webhook-id: the same on every attempt.
      assert.deepEqual(
        h.receiver.requests.map((request) => request.headers['webhook-id']),
        [id, id, id],
      );
    });

    it('waits as long as a 429 Retry-After asks instead of the scheduled 5 s', async () => {
      const h = await startHarness(kind, (n) =>
        n === 1 ? { status: 429, headers: { 'retry-after': '120' } } : { status: 200 },
      );
      const id = await sendEvent(h, 'evt-429');

      const first = await waitForAttempts(h, id, 1);
      assert.equal(first.status, 'pending');
      assert.equal(first.last_status_code, 429);
      assert.equal(first.next_attempt_at, iso(h.t0 + 120 * SECOND));

      h.advance(5 * SECOND);
      await assertStillWaiting(h, id, 1, 1);

      h.advance(115 * SECOND);
      const done = await waitForDelivery(h, id, (delivery) => delivery.status === 'sent');
      assert.equal(done.attempts, 2);
      assert.equal(done.attempts_log[1].started_at, iso(h.t0 + 120 * SECOND));
    });

    it('marks a delivery answered 410 gone, disables the hook until it is enabled again', async () => {
      const h = await startHarness(kind, () => ({ status: 410 }));
      const id = await sendEvent(h, 'evt-410');

      const gone = await waitForDelivery(h, id, (delivery) => delivery.status === 'gone');
      assert.equal(gone.attempts, 1);
      assert.equal(gone.last_status_code, 410);
      assert.equal(gone.attempts_log.length, 1);
      assert.equal(gone.attempts_log[0].outcome, 'gone');

      const disabled = await h.t.json('GET', `/v1/organizations/acme/hooks/${h.hookId}`);
      assert.equal(disabled.body.enabled, false);
      assert.equal(typeof disabled.body.disabled_reason, 'string');
      assert.match(disabled.body.disabled_reason, /410/);

      const next = await h.t.json('POST', '/v1/events', {
        id: 'evt-410-next',
        type: 'job.fail',
        organization: 'acme',
        data: {},
      });
      assert.equal(next.status, 202);
      const listed = await h.t.json('GET', `/v1/deliveries?event=evt-410-next&hook=${h.hookId}`);
      assert.deepEqual(listed.body.data, [], 'a disabled hook gets no delivery');

      const resend = await h.t.json('POST', `/v1/deliveries/${id}/retry`);
      assert.equal(resend.status, 409);
      assert.equal(resend.body.code, 'CLARION_ERR_DELIVERY_TARGET_DISABLED');

      const enabled = await h.t.json('PATCH', `/v1/organizations/acme/hooks/${h.hookId}`, { enabled: true });
      assert.equal(enabled.status, 200);
      assert.equal(enabled.body.enabled, true);
      assert.equal(enabled.body.disabled_reason, null);
      assert.equal(h.receiver.requests.length, 1);
    });

    it('counts a redirect as a failed attempt to retry and never follows it', async () => {
      const h = await startHarness(kind, () => ({ status: 302, headers: { location: '/elsewhere' } }));
      const id = await sendEvent(h, 'evt-302');

      const first = await waitForAttempts(h, id, 1);
      assert.equal(first.status, 'pending');
      assert.equal(first.last_status_code, 302);
      assert.match(first.last_error, /redirect/);
      assert.equal(first.next_attempt_at, iso(h.t0 + 5 * SECOND));
      assert.equal(first.attempts_log[0].outcome, 'retry');
      await sleep(QUIET_MS);
      assert.equal(h.receiver.requests.length, 1);
      assert.equal(h.receiver.requests[0]!.url, '/hook');
    });

    it('gives up after the 10th attempt, and re-sends a failed delivery on request', async () => {
      let status = 500;
      const h = await startHarness(kind, () => ({ status }));
      // Two hooks, one delivery each: two deliveries failing together at one target would open its
      // circuit breaker (test/delivery/target-breaker.test.ts) and wait out its pauses. Alone, a
      // delivery keeps its schedule: each pause is shorter than the next retry delay.
      const other = await h.t.json('POST', '/v1/organizations/acme/hooks', {
        name: 'Jobs back',
        kind: 'webhook',
        url: `${h.receiver.url}/hook2`,
        events: ['job.backon'],
      });
      assert.equal(other.status, 201, JSON.stringify(other.body));
      const otherHookId = other.body.id as string;
      const resent = await sendEvent(h, 'evt-500-a');
      const bulk = await sendEvent(h, 'evt-500-b', 'job.backon', otherHookId);
      const ids = [resent, bulk];

      for (const id of ids) await waitForAttempts(h, id, 1);
      let at = h.t0;
      for (const [index, delay] of SCHEDULE_MS.entries()) {
        at += delay;
        h.advance(delay);
        for (const id of ids) {
          const delivery = await waitForAttempts(h, id, index + 2);
          assert.equal(delivery.attempts, index + 2);
          assert.equal(delivery.attempts_log.at(-1).started_at, iso(at));
        }
      }
      for (const id of ids) {
        const failed = await waitForDelivery(h, id, () => true);
        assert.equal(failed.status, 'failed');
        assert.equal(failed.attempts, 10);
        assert.equal(failed.attempts_log.length, 10);
        assert.equal(failed.last_status_code, 500);
        assert.match(failed.last_error, /gave up after 10 attempts/);
        assert.equal(failed.next_attempt_at, null);
      }
      assert.equal(h.receiver.requests.length, 20);

      // After the last attempt nothing more is scheduled.
      h.advance(48 * HOUR);
      await sleep(QUIET_MS);
      assert.equal(h.receiver.requests.length, 20);

      status = 200;
      const retried = await h.t.json('POST', `/v1/deliveries/${resent}/retry`);
      assert.equal(retried.status, 202, JSON.stringify(retried.body));
      assert.equal(retried.body.id, resent);
      assert.ok(['pending', 'sending', 'sent'].includes(retried.body.status), retried.body.status);
      const sent = await waitForDelivery(h, resent, (delivery) => delivery.status === 'sent');
      assert.equal(sent.attempts, 1, 'a re-send starts a new schedule');
      assert.equal(sent.attempts_log.length, 11);
      assert.equal(sent.attempts_log.at(-1).outcome, 'sent');

      const notYet = await h.t.json('POST', `/v1/organizations/acme/hooks/${otherHookId}/retry-failed`, {
        since: iso(h.t0 + 1),
      });
      assert.equal(notYet.status, 202);
      assert.deepEqual(notYet.body, { requeued: 0 }, 'deliveries created before "since" stay failed');

      const nothingFailed = await h.t.json('POST', `/v1/organizations/acme/hooks/${h.hookId}/retry-failed`, {
        since: iso(h.t0),
      });
      assert.deepEqual(nothingFailed.body, { requeued: 0 }, 'a delivery re-sent already is not re-queued');

      const requeued = await h.t.json('POST', `/v1/organizations/acme/hooks/${otherHookId}/retry-failed`, {
        since: iso(h.t0),
      });
      assert.equal(requeued.status, 202);
      assert.deepEqual(requeued.body, { requeued: 1 }, 'only the delivery still failed is re-queued');
      const bulkSent = await waitForDelivery(h, bulk, (delivery) => delivery.status === 'sent');
      assert.equal(bulkSent.attempts_log.length, 11);
      assert.equal(h.receiver.requests.length, 22);
    });

    it('refuses to re-send a delivery that is still pending with 409 CLARION_ERR_DELIVERY_NOT_FINISHED', async () => {
      const h = await startHarness(kind, () => ({ status: 503 }));
      const id = await sendEvent(h, 'evt-pending');
      await waitForAttempts(h, id, 1);

      const response = await h.t.json('POST', `/v1/deliveries/${id}/retry`);
      assert.equal(response.status, 409);
      assert.equal(response.body.code, 'CLARION_ERR_DELIVERY_NOT_FINISHED');
      const delivery = await waitForDelivery(h, id, () => true);
      assert.equal(delivery.status, 'pending');
      assert.equal(delivery.attempts, 1);
      assert.equal(delivery.next_attempt_at, iso(h.t0 + 5 * SECOND));
    });
  });
}
