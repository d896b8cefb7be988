// A hook whose receiver answers that the target is gone (410) is disabled, and the organization
// hears of it through its other channels: a `notification.target.disabled` event, stored with the
// settle that disabled the hook and routed by the normal rules, reaches another webhook, an e-mail
// hook and the owner's e-mail, never the disabled hook. Re-enabling is one PATCH.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { Config } from '../../src/config.ts';
import type { ClarionDependencies } from '../../src/clarion.ts';
import { startHttpReceiver, type HttpReceiver } from '../helpers/http-receiver.ts';
import { startSmtpReceiver, type SmtpReceiver } from '../helpers/smtp-receiver.ts';
import { STORE_KINDS } from '../helpers/stores.ts';
import { baseUrl, openSse } from '../helpers/stream-client.ts';
import { startTestClarion, TEST_PLATFORM_KEY, type TestClarion } from '../helpers/test-clarion.ts';

const ORG = '/v1/organizations/acme';
/** A token in the gone hook's URL: a secret that must not travel in the notice. */
const URL_TOKEN = 'tok-5ecret-in-the-url';
const QUIET_MS = 300;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const kind of STORE_KINDS) {
  describe(`${kind}: a hook whose target is gone`, () => {
    const open: { close(): Promise<void> }[] = [];
    afterEach(async () => {
      for (const thing of open.splice(0).reverse()) await thing.close();
    });

    async function setUp(
      config: Partial<Config> = {},
      deps: ClarionDependencies = {},
    ): Promise<{
      t: TestClarion;
      gone: HttpReceiver;
      other: HttpReceiver;
      smtp: SmtpReceiver;
      goneHookId: string;
    }> {
      const gone = await startHttpReceiver(() => ({ status: 410 }));
      const other = await startHttpReceiver();
      const smtp = await startSmtpReceiver();
      open.push(gone, other, smtp);
      const t = await startTestClarion(kind, { config: { smtpUrl: smtp.url, ...config }, deps });
      open.push(t);
      assert.equal((await t.json('POST', '/v1/organizations', { id: 'acme', name: 'Acme' })).status, 201);
      const member = await t.json('POST', `${ORG}/members`, { user_id: 'ann', email: 'ann@acme.test', role: 'owner' });
      assert.equal(member.status, 201);
      const goneHook = await t.json('POST', `${ORG}/hooks`, {
        name: 'Old CI',
        kind: 'webhook',
        url: `${gone.url}/hook?token=${URL_TOKEN}`,
        events: ['job.fail', 'notification.target.disabled'],
      });
      assert.equal(goneHook.status, 201, JSON.stringify(goneHook.body));
      const watcher = await t.json('POST', `${ORG}/hooks`, {
        name: 'Watcher',
        kind: 'webhook',
        url: `${other.url}/notices`,
        events: ['notification.target.disabled'],
      });
      assert.equal(watcher.status, 201, JSON.stringify(watcher.body));
      const mailHook = await t.json('POST', `${ORG}/hooks`, {
        name: 'Ops mail',
        kind: 'email',
        to: ['ops@acme.test'],
        events: ['notification.target.disabled'],
      });
      assert.equal(mailHook.status, 201, JSON.stringify(mailHook.body));
      return { t, gone, other, smtp, goneHookId: goneHook.body.id as string };
    }

    it('disables the hook and tells the organization once, through its other channels only', async () => {
      const { t, gone, other, smtp, goneHookId } = await setUp();
      // Two deliveries in flight to the gone target at once: both answers say gone, one disabling.
      for (const id of ['e1', 'e2']) {
        const accepted = await t.json('POST', '/v1/events', { id, type: 'job.fail', organization: 'acme', data: {} });
        assert.equal(accepted.status, 202);
      }

      const [notice] = await other.waitFor(1);
      const body = JSON.parse(notice!.body) as Record<string, any>;
      assert.equal(body['event_type'], 'notification.target.disabled');
      assert.deepEqual(body['target'], { type: 'hook', id: goneHookId, kind: 'webhook', name: 'Old CI' });
      assert.match(body['reason'], /gone \(410\)/);
      assert.match(body['disabled_at'], /^\d{4}-\d\d-\d\dT/);
      assert.ok(!notice!.body.includes(URL_TOKEN), 'the notice carries the hook URL and its token');
      assert.ok(!notice!.body.includes(gone.url), 'the notice carries the hook URL');

      // Ann also gets job.fail by e-mail (the catalog default): four messages in all.
      const notices = (await smtp.waitFor(4)).filter((mail) => /Notification target disabled/.test(mail.subject));
      assert.deepEqual(notices.map((mail) => mail.to.join(',')).sort(), ['ann@acme.test', 'ops@acme.test']);
      for (const mail of notices) assert.ok(!mail.raw.includes(URL_TOKEN), 'an e-mail carries the hook URL token');

      const hook = (await t.json('GET', `${ORG}/hooks/${goneHookId}`)).body;
      assert.equal(hook.enabled, false);
      assert.match(hook.disabled_reason, /gone \(410\)/);

      await sleep(QUIET_MS);
      const events = (await t.json('GET', `${ORG}/events?type=notification.target.disabled`)).body;
      assert.equal(events.data.length, 1, `one disabling, one notice: ${JSON.stringify(events.data)}`);
      assert.equal(other.requests.length, 1, 'the watcher heard of one disabling more than once');
      assert.equal(smtp.messages.length, 4, 'a notice e-mail was sent twice');
      assert.ok(
        gone.requests.every((request) => request.url.startsWith('/hook') && !request.body.includes('target.disabled')),
        'the disabled hook was sent its own notice',
      );
      const noticeDeliveries = (await t.json('GET', `/v1/deliveries?event=${events.data[0].id}`)).body.data;
      assert.ok(
        noticeDeliveries.every((delivery: { hook: string | null }) => delivery.hook !== goneHookId),
        'a delivery of the notice was queued for the disabled hook',
      );
    });

    it('announces the notice at once: to an open event stream, and through a fan-out past the inline limit', async () => {
      // Streams poll a minute apart and workers and expanders an hour apart: only the wake-ups
      // sent once the settle committed deliver the notice within the waits below. With an inline
      // limit of 2, the job.fail event (two deliveries) is written inline and the notice (three) is
      // stored as a fan-out for the expanders.
      const { t, other, goneHookId } = await setUp(
        { streamPollMs: 60_000, inlineDeliveryLimit: 2 },
        { pollIntervalMs: 3_600_000 },
      );
      const stream = await openSse(
        `${baseUrl(t)}/v1/organizations/acme/events/stream?types=notification.target.disabled`,
        { headers: { authorization: `Bearer ${TEST_PLATFORM_KEY}` } },
      );
      try {
        assert.equal(stream.status, 200);
        await t.json('POST', '/v1/events', { id: 'e1', type: 'job.fail', organization: 'acme', data: {} });

        const [streamed] = await stream.waitForEvents(1, 5_000);
        assert.equal(streamed!.data.type, 'notification.target.disabled');
        assert.equal(streamed!.data.data.target.id, goneHookId);
        const [notice] = await other.waitFor(1, 5_000);
        assert.equal(JSON.parse(notice!.body).event_type, 'notification.target.disabled');
      } finally {
        stream.close();
      }
    });

    it('re-enables the hook with one PATCH, clearing the reason, and delivers to it again', async () => {
      const { t, gone, other, goneHookId } = await setUp();
      await t.json('POST', '/v1/events', { id: 'e1', type: 'job.fail', organization: 'acme', data: {} });
      await other.waitFor(1);

      gone.setHandler(() => ({ status: 200 }));
      const enabled = await t.json('PATCH', `${ORG}/hooks/${goneHookId}`, { enabled: true });
      assert.equal(enabled.status, 200);
      assert.equal(enabled.body.enabled, true);
      assert.equal(enabled.body.disabled_reason, null);

      const before = gone.requests.length;
      await t.json('POST', '/v1/events', { id: 'e2', type: 'job.fail', organization: 'acme', data: {} });
      const requests = await gone.waitFor(before + 1);
      assert.equal(JSON.parse(requests.at(-1)!.body).event_type, 'job.fail');
    });
  });
}
