// An inbox item's `notification` (on GET /v1/me/notifications and on the inbox stream) is what
// the `browser` channel really pushed for the same event: same title, body and tag, so a page
// showing the item and the service worker showing the push leave one notification.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TEST_TLS } from '../helpers/push-tls.ts';
import { baseUrl, openSse } from '../helpers/stream-client.ts';
import { STORE_KINDS } from '../helpers/stores.ts';
import { startTestClarion, type TestClarion } from '../helpers/test-clarion.ts';
import { startWebPushServer, type WebPushServer } from '../helpers/web-push-server.ts';

for (const kind of STORE_KINDS) {
  describe(`${kind}: inbox notifications match the browser channel's push`, () => {
    let t: TestClarion;
    let push: WebPushServer;
    let token: string;

    before(async () => {
      push = await startWebPushServer();
      t = await startTestClarion(kind, { config: { pushCaFile: TEST_TLS.certFile } });
      await t.json('POST', '/v1/organizations', { id: 'acme', name: 'Acme' });
      await t.json('POST', '/v1/organizations/acme/applications', { id: 'web', name: 'Web frontend' });
      await t.json('POST', '/v1/organizations/acme/members', {
        user_id: 'olga',
        email: 'olga@acme.test',
        role: 'owner',
      });
      for (const type of ['job.fail', 'job.backon', 'process.down']) {
        const cell = await t.json('PUT', `/v1/organizations/acme/members/olga/preferences/${type}/browser`, {
          enabled: true,
        });
        assert.equal(cell.status, 200, JSON.stringify(cell.body));
      }
      const { body: vapid } = await t.json('GET', '/v1/web-push/vapid-public-key');
      const subscribed = await t.json(
        'POST',
        '/v1/users/olga/web-push-subscriptions',
        push.subscribe(vapid.public_key),
      );
      assert.equal(subscribed.status, 201, JSON.stringify(subscribed.body));
      token = (await t.json('POST', '/v1/users/olga/tokens', { name: 'laptop' })).body.token;
    });
    after(async () => {
      await t.close();
      await push.close();
    });

    it('gives each item the title, body and tag of the push payload, on the listing and on the stream', async () => {
      const stream = await openSse(`${baseUrl(t)}/v1/me/notifications/stream`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const events = [
        { id: 'n-fail', type: 'job.fail', application: 'web', data: { reason: 'exit code 137' } },
        { id: 'n-backon', type: 'job.backon', application: 'web', data: {} },
        { id: 'n-account', type: 'job.fail', data: { job: 'nightly' } },
        { id: 'n-down', type: 'process.down', application: 'web', data: { process: 'worker' } },
      ];
      for (const event of events) {
        const sent = await t.json('POST', '/v1/events', { organization: 'acme', ...event });
        assert.equal(sent.status, 202, JSON.stringify(sent.body));
      }
      await stream.waitForEvents(events.length);
      stream.close();
      const pushed = await waitFor(() => {
        const delivered = push.requests.filter((request) => request.status === 201);
        return delivered.length === events.length ? delivered : undefined;
      });

      const listing = await fetch(`${baseUrl(t)}/v1/me/notifications`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const items = ((await listing.json()) as { data: { id: string; notification: object }[] }).data;
      const tags = new Map<string, string>();
      for (const { id } of events) {
        const payload = pushed.find(
          (request) => (request.payload?.['data'] as { event_id: string }).event_id === id,
        )!.payload!;
        const expected = { title: payload['title'], body: payload['body'], tag: payload['tag'] };
        assert.deepEqual(items.find((item) => item.id === id)?.notification, expected, `listing, ${id}`);
        assert.deepEqual(
          stream.events().find((message) => message.data.id === id)?.data.notification,
          expected,
          `stream, ${id}`,
        );
        tags.set(id, expected.tag as string);
      }
      // "Back on" replaces "failed" of the same application; other events are notifications of their own.
      assert.equal(tags.get('n-backon'), tags.get('n-fail'));
      assert.notEqual(tags.get('n-account'), tags.get('n-fail'));
      assert.equal(tags.get('n-down'), 'n-down');
      assert.equal(
        stream.events().find((message) => message.data.id === 'n-fail')?.data.notification.title,
        '[Acme] Job run failed: Web frontend',
      );
    });
  });
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
