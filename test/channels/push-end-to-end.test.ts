// iOS (APNs) and browser (Web Push) end to end: POST /v1/events -> routing -> one delivery per
// registered device or subscription -> the worker -> a local APNs (HTTP/2, TLS, JWT verified)
// and a local push service (HTTPS, VAPID verified, payload decrypted). A gone answer removes the
// device or subscription; no token or endpoint ever shows in an API answer, attempt row or log.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { startApnsServer, type ApnsServer } from '../helpers/apns-server.ts';
import { TEST_TLS } from '../helpers/push-tls.ts';
import { STORE_KINDS } from '../helpers/stores.ts';
import { startTestClarion, type TestClarion } from '../helpers/test-clarion.ts';
import { startWebPushServer, type WebPushServer } from '../helpers/web-push-server.ts';

const LIVE_TOKEN = 'a1'.repeat(32);
const UNINSTALLED_TOKEN = 'b2'.repeat(32);

for (const kind of STORE_KINDS) {
  describe(`${kind}: iOS and Web Push deliveries end to end`, () => {
    let t: TestClarion;
    let apns: ApnsServer;
    let push: WebPushServer;
    const logLines: string[] = [];

    before(async () => {
      apns = await startApnsServer({ now: () => Date.now() });
      push = await startWebPushServer();
      const logStream = new Writable({
        write(chunk: Buffer, _encoding, done) {
          logLines.push(chunk.toString('utf8'));
          done();
        },
      });
      t = await startTestClarion(kind, {
        config: {
          apns: {
            key: apns.key,
            keyFile: undefined,
            keyId: apns.keyId,
            teamId: apns.teamId,
            topic: apns.topic,
            url: apns.url,
          },
          pushCaFile: TEST_TLS.certFile,
        },
        deps: { logger: pino({ level: 'debug' }, logStream) },
      });
      await t.json('POST', '/v1/organizations', { id: 'acme', name: 'Acme' });
      await t.json('POST', '/v1/organizations/acme/members', {
        user_id: 'olga',
        email: 'olga@acme.test',
        role: 'owner',
      });
      for (const channel of ['ios', 'browser']) {
        const cell = await t.json('PUT', `/v1/organizations/acme/members/olga/preferences/job.fail/${channel}`, {
          enabled: true,
        });
        assert.equal(cell.status, 200, JSON.stringify(cell.body));
      }
    });
    after(async () => {
      await t.close();
      await apns.close();
      await push.close();
    });

    it('delivers to each device and subscription, and a gone answer removes exactly that one', async () => {
      const devices = [];
      for (const token of [LIVE_TOKEN, UNINSTALLED_TOKEN]) {
        const registered = await t.json('POST', '/v1/users/olga/ios-devices', { token, name: `phone ${token[0]}` });
        assert.equal(registered.status, 201, JSON.stringify(registered.body));
        devices.push(registered.body.id as string);
      }
      const { body: vapid } = await t.json('GET', '/v1/web-push/vapid-public-key');
      const live = push.subscribe(vapid.public_key);
      const unsubscribed = push.subscribe(vapid.public_key);
      const subscriptions = [];
      for (const subscription of [live, unsubscribed]) {
        const registered = await t.json('POST', '/v1/users/olga/web-push-subscriptions', subscription);
        assert.equal(registered.status, 201, JSON.stringify(registered.body));
        subscriptions.push(registered.body.id as string);
      }
      apns.setHandler((request) =>
        request.deviceToken === UNINSTALLED_TOKEN ? { status: 410, reason: 'Unregistered' } : { status: 200 },
      );
      const unsubscribedId = new URL(unsubscribed.endpoint).pathname.split('/').pop();
      push.setHandler((request) => (request.subscription === unsubscribedId ? { status: 410 } : { status: 201 }));

      const event = await t.json('POST', '/v1/events', {
        id: 'evt-push-1',
        type: 'job.fail',
        organization: 'acme',
        application: undefined,
        data: { reason: 'exit code 137' },
      });
      assert.equal(event.status, 202, JSON.stringify(event.body));
      const rows = await waitForDeliveries(t, 'evt-push-1', (all) =>
        all.filter((row) => row.channel !== 'email').every((row) => ['sent', 'gone'].includes(row.status)),
      );
      const status = (channel: string, address: string) =>
        rows.find((row) => row.channel === channel && row.address === address)?.status;
      assert.equal(status('ios', devices[0]!), 'sent');
      assert.equal(status('ios', devices[1]!), 'gone');
      assert.equal(status('browser', subscriptions[0]!), 'sent');
      assert.equal(status('browser', subscriptions[1]!), 'gone');

      // What the receivers got: a verified APNs request and a decrypted Web Push message.
      const delivered = apns.requests.find((request) => request.deviceToken === LIVE_TOKEN)!;
      assert.equal(delivered.status, 200);
      assert.match(String(delivered.payload.aps?.alert?.body), /reason: exit code 137/);
      const message = push.requests.find((request) => request.status === 201)!;
      assert.equal(message.vapid?.aud, push.origin);
      assert.match(String(message.payload?.['title']), /^\[Acme\] /);

      // The gone ones are removed; the others stay.
      const iosLeft = await t.json('GET', '/v1/users/olga/ios-devices');
      assert.deepEqual(
        iosLeft.body.data.map((device: { id: string }) => device.id),
        [devices[0]],
      );
      const browserLeft = await t.json('GET', '/v1/users/olga/web-push-subscriptions');
      assert.deepEqual(
        browserLeft.body.data.map((subscription: { id: string }) => subscription.id),
        [subscriptions[0]],
      );

      // No token, endpoint or key in the delivery log, its attempt rows, or the logs.
      const secrets = [
        LIVE_TOKEN,
        UNINSTALLED_TOKEN,
        ...[live, unsubscribed].flatMap((s) => [new URL(s.endpoint).pathname, s.keys.auth]),
      ];
      for (const row of rows) {
        const detail = await t.request('GET', `/v1/deliveries/${row.id}`);
        for (const secret of secrets)
          assert.ok(!detail.body.includes(secret), `${row.channel} delivery shows a secret`);
      }
      const everything =
        [iosLeft, browserLeft].map((answer) => JSON.stringify(answer.body)).join('') + logLines.join('');
      for (const secret of secrets) assert.ok(!everything.includes(secret), 'a secret reached an answer or the log');
    });

    it('a member with the cell on and nothing registered gets no delivery, and the trace says why', async () => {
      await t.json('POST', '/v1/organizations/acme/members', {
        user_id: 'dev',
        email: 'dev@acme.test',
        role: 'developer',
      });
      await t.json('PUT', '/v1/organizations/acme/members/dev/preferences/job.fail/ios', { enabled: true });
      const event = await t.json('POST', '/v1/events', {
        id: 'evt-push-2',
        type: 'job.fail',
        organization: 'acme',
        data: {},
      });
      assert.equal(event.status, 202);
      const why = await t.json('GET', '/v1/organizations/acme/events/evt-push-2/recipients?include=skipped&user=dev');
      const ios = why.body.data.filter(
        (entry: { channel: string; user: string }) => entry.channel === 'ios' && entry.user === 'dev',
      );
      assert.equal(ios.length, 1, JSON.stringify(why.body));
      assert.equal(ios[0].decision, 'skip');
      assert.match(ios[0].rule, /dev has no iOS device registered/);
    });
  });
}

describe('sqlite: a device removed while its delivery waits', () => {
  it('fails that delivery without sending anything', async () => {
    const apns = await startApnsServer({ now: () => Date.now() });
    const t = await startTestClarion('sqlite', {
      config: {
        apns: {
          key: apns.key,
          keyFile: undefined,
          keyId: apns.keyId,
          teamId: apns.teamId,
          topic: apns.topic,
          url: apns.url,
        },
        pushCaFile: TEST_TLS.certFile,
      },
      start: false,
    });
    try {
      await t.json('POST', '/v1/organizations', { id: 'acme', name: 'Acme' });
      await t.json('POST', '/v1/organizations/acme/members', {
        user_id: 'olga',
        email: 'olga@acme.test',
        role: 'owner',
      });
      await t.json('PUT', '/v1/organizations/acme/members/olga/preferences/job.fail/ios', { enabled: true });
      const device = await t.json('POST', '/v1/users/olga/ios-devices', { token: LIVE_TOKEN });
      await t.json('POST', '/v1/events', { id: 'evt-removed', type: 'job.fail', organization: 'acme', data: {} });
      assert.equal((await t.request('DELETE', `/v1/users/olga/ios-devices/${device.body.id}`)).statusCode, 204);
      await t.clarion.start();
      const rows = await waitForDeliveries(t, 'evt-removed', (all) =>
        all.some((row) => row.channel === 'ios' && row.status === 'failed'),
      );
      const ios = rows.find((row) => row.channel === 'ios');
      assert.equal(ios.last_error, 'the device or subscription was removed before this delivery was sent');
      assert.equal(apns.requests.length, 0);
    } finally {
      await t.close();
      await apns.close();
    }
  });
});

describe('sqlite: without APNs settings', () => {
  it('registers no ios channel: an iOS delivery fails as not configured, and the device is kept', async () => {
    const t = await startTestClarion('sqlite');
    try {
      await t.json('POST', '/v1/organizations', { id: 'acme', name: 'Acme' });
      await t.json('POST', '/v1/organizations/acme/members', {
        user_id: 'olga',
        email: 'olga@acme.test',
        role: 'owner',
      });
      await t.json('PUT', '/v1/organizations/acme/members/olga/preferences/job.fail/ios', { enabled: true });
      const device = await t.json('POST', '/v1/users/olga/ios-devices', { token: LIVE_TOKEN });
      await t.json('POST', '/v1/events', { id: 'evt-ios-off', type: 'job.fail', organization: 'acme', data: {} });
      const rows = await waitForDeliveries(t, 'evt-ios-off', (all) =>
        all.some((row) => row.channel === 'ios' && row.status === 'failed'),
      );
      const ios = rows.find((row) => row.channel === 'ios');
      assert.equal(ios.address, device.body.id);
      assert.equal(ios.last_error, 'the ios channel is not configured on this server');
      const kept = await t.json('GET', '/v1/users/olga/ios-devices');
      assert.equal(kept.body.data.length, 1);
    } finally {
      await t.close();
    }
  });
});

async function waitForDeliveries(
  t: TestClarion,
  eventId: string,
  done: (rows: any[]) => boolean,
  timeoutMs = 10_000,
): Promise<any[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const page = await t.json('GET', `/v1/deliveries?event=${encodeURIComponent(eventId)}`);
    if (page.body.data.length > 0 && done(page.body.data)) return page.body.data;
    if (Date.now() > deadline)
      throw new Error(`deliveries of ${eventId} did not settle: ${JSON.stringify(page.body.data)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
