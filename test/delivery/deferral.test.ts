// A channel may put a send off to pace its target (Slack: about one message a second per URL).
// The worker must then keep the delivery in the queue until the time the channel named, spend no
// attempt and log none, and send it normally once that time comes. The channel here is a stand-in
// for one that paces: it defers the first send of each delivery and accepts the next.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { Channel, ChannelMessage, SendResult } from '../../src/channels/channel.ts';
import { FakeClock } from '../../src/clock.ts';
import { STORE_KINDS } from '../helpers/stores.ts';
import { startTestClarion, type TestClarion } from '../helpers/test-clarion.ts';

const PACE_MS = 30_000;
const SETTLE_TIMEOUT_MS = 5000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

class PacingChannel implements Channel {
  readonly name = 'webhook';
  readonly calls: { deliveryId: string; attempt: number; now: number }[] = [];
  private readonly deferredOnce = new Set<string>();

  send(message: ChannelMessage, { now }: { now: number }): Promise<SendResult> {
    this.calls.push({ deliveryId: message.deliveryId, attempt: message.attempt, now });
    if (!this.deferredOnce.has(message.deliveryId)) {
      this.deferredOnce.add(message.deliveryId);
      return Promise.resolve({ deferredUntil: now + PACE_MS, reason: 'waiting for its turn at this URL' });
    }
    return Promise.resolve({ outcome: { status: 'sent' }, statusCode: 200 });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`never reached the expected state: ${JSON.stringify(value)}`);
    await sleep(10);
  }
}

for (const kind of STORE_KINDS) {
  describe(`${kind}: a channel that defers a send`, () => {
    let t: TestClarion | undefined;
    afterEach(async () => {
      await t?.close();
      t = undefined;
    });

    it('keeps the delivery pending until the named time without spending or logging an attempt', async () => {
      const clock = new FakeClock();
      const t0 = clock.now();
      const channel = new PacingChannel();
      t = await startTestClarion(kind, { deps: { clock, channels: [channel] } });
      await t.createOrganization('acme', 'Acme');
      await t.createWebhook('acme', { name: 'Jobs', url: 'http://127.0.0.1:9/hook', events: ['job.fail'] });
      const accepted = await t.json('POST', '/v1/events', {
        id: 'e1',
        type: 'job.fail',
        organization: 'acme',
        data: {},
      });
      assert.equal(accepted.status, 202);
      const id = (await t.json('GET', '/v1/deliveries?event=e1')).body.data[0].id as string;

      const deferred = await waitFor(
        async () => (await t!.json('GET', `/v1/deliveries/${id}`)).body,
        (delivery) => channel.calls.length === 1 && delivery.status === 'pending',
      );
      assert.equal(deferred.attempts, 0, 'a deferred send spent an attempt');
      assert.deepEqual(deferred.attempts_log, [], 'a deferred send was logged as an attempt');
      assert.equal(deferred.next_attempt_at, new Date(t0 + PACE_MS).toISOString());
      assert.equal(deferred.last_error, 'waiting for its turn at this URL');

      clock.advance(PACE_MS - 1);
      t.clarion.worker!.wake();
      await sleep(200);
      assert.equal(channel.calls.length, 1, 'the delivery was tried again before the time the channel named');

      clock.advance(1);
      t.clarion.worker!.wake();
      const sent = await waitFor(
        async () => (await t!.json('GET', `/v1/deliveries/${id}`)).body,
        (delivery) => delivery.status === 'sent',
      );
      assert.equal(sent.attempts, 1);
      assert.deepEqual(
        sent.attempts_log.map((attempt: { attempt: number; outcome: string }) => [attempt.attempt, attempt.outcome]),
        [[1, 'sent']],
      );
      assert.deepEqual(
        channel.calls.map((call) => [call.attempt, call.now - t0]),
        [
          [1, 0],
          [1, PACE_MS],
        ],
        'the second call is still the first attempt',
      );
    });
  });
}
