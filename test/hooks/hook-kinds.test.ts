// Hooks of every kind share one model: each kind's settings are validated, its secrets sealed at
// rest and redacted in answers, PATCH changes them, and an event routes to it through the channel
// named after its kind. Saving a Hipchat hook checks its token, so those hooks point at a local
// Hipchat server.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Resolver } from '../../src/net/guarded-lookup.ts';
import { startHipchatReceiver, type HipchatReceiver } from '../helpers/hipchat-receiver.ts';
import { STORE_KINDS } from '../helpers/stores.ts';
import { startTestClarion, type TestClarion } from '../helpers/test-clarion.ts';

const ORG = '/v1/organizations/acme';

/** api.hipchat.com resolves to 127.0.0.1, where nothing listens on 443: the default server is refused, not looked up. */
const resolver: Resolver = (hostname) =>
  Promise.resolve(hostname === 'api.hipchat.com' ? [{ address: '127.0.0.1', family: 4 }] : []);

async function startHipchat(): Promise<HipchatReceiver> {
  const hipchat = await startHipchatReceiver();
  for (const token of ['hc-token-123', 'x', 'a', 'b', 't']) hipchat.tokens.add(token);
  for (const room of ['Ops', '42', 'r']) hipchat.rooms.set(room, { id: 1, name: room });
  return hipchat;
}

/** Polls until `check` returns a value, for work the worker does in the background. */
async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

for (const kind of STORE_KINDS) {
  describe(`${kind}: hooks of every kind`, () => {
    let t: TestClarion;
    let hipchat: HipchatReceiver;

    before(async () => {
      hipchat = await startHipchat();
      t = await startTestClarion(kind, { deps: { resolver } });
      assert.equal((await t.json('POST', '/v1/organizations', { id: 'acme', name: 'Acme' })).status, 201);
      assert.equal((await t.json('POST', `${ORG}/applications`, { id: 'web', name: 'Web' })).status, 201);
      assert.equal((await t.json('POST', `${ORG}/applications`, { id: 'api', name: 'API' })).status, 201);
    });

    after(async () => {
      await t.close();
      await hipchat.close();
    });

    it('creates a Slack hook, seals its URL at rest and redacts it in every answer', async () => {
      const url = 'http://127.0.0.1:9/services/T000/B000/secret-part';
      const created = await t.json('POST', `${ORG}/hooks`, {
        name: 'Slack deploys',
        kind: 'slack',
        url,
        channel: '#deploys',
        username: 'Clarion',
        events: ['group:deployment'],
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.kind, 'slack');
      assert.equal(created.body.url, '[redacted]');
      assert.equal(created.body.channel, '#deploys');
      assert.equal(created.body.username, 'Clarion');
      assert.equal(created.body.secret, undefined);

      const read = await t.json('GET', `${ORG}/hooks/${created.body.id}`);
      assert.equal(read.body.url, '[redacted]');
      const listed = await t.json('GET', `${ORG}/hooks`);
      assert.equal(listed.body.data.find((hook: { id: string }) => hook.id === created.body.id).url, '[redacted]');

      const row = await t.clarion.store.hooks.get('acme', created.body.id);
      assert.ok(row);
      assert.notEqual(row.settings['url'], url, 'the URL is encrypted at rest');
      assert.ok(!JSON.stringify(row.settings).includes('secret-part'));
    });

    it('creates a Hipchat hook with the defaults (api.hipchat.com, API v2) and a redacted token', async () => {
      const defaults = await t.json('POST', `${ORG}/hooks`, {
        name: 'Hipchat',
        kind: 'hipchat',
        token: 'hc-token-123',
        room: 'Ops',
        events: 'all',
      });
      // Its token is checked on the default server, which this test makes unreachable.
      assert.equal(defaults.status, 424, JSON.stringify(defaults.body));
      assert.equal(defaults.body.code, 'CLARION_ERR_HOOK_SERVER_UNREACHABLE');
      assert.match(defaults.body.message, /Hipchat at https:\/\/api\.hipchat\.com/);
      const created = await t.json('POST', `${ORG}/hooks`, {
        name: 'Hipchat',
        kind: 'hipchat',
        server_url: hipchat.url,
        token: 'hc-token-123',
        room: 'Ops',
        events: 'all',
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.server_url, hipchat.url);
      assert.equal(created.body.api_version, 2);
      assert.equal(created.body.token, '[redacted]');
      assert.equal(created.body.room, 'Ops');
      const row = await t.clarion.store.hooks.get('acme', created.body.id);
      assert.ok(!JSON.stringify(row!.settings).includes('hc-token-123'));

      const selfHosted = await t.json('POST', `${ORG}/hooks`, {
        name: 'Hipchat v1',
        kind: 'hipchat',
        server_url: `${hipchat.url}/`,
        api_version: 1,
        token: 'x',
        room: '42',
        events: ['job.fail'],
      });
      assert.equal(selfHosted.status, 201, JSON.stringify(selfHosted.body));
      assert.equal(selfHosted.body.server_url, hipchat.url);
      assert.equal(selfHosted.body.api_version, 1);
    });

    it('creates a Flowdock hook with a redacted flow token, and webhooks in every format', async () => {
      const flowdock = await t.json('POST', `${ORG}/hooks`, {
        name: 'Flowdock',
        kind: 'flowdock',
        flow_token: 'flow-secret',
        events: ['group:server'],
      });
      assert.equal(flowdock.status, 201, JSON.stringify(flowdock.body));
      assert.equal(flowdock.body.flow_token, '[redacted]');
      const row = await t.clarion.store.hooks.get('acme', flowdock.body.id);
      assert.ok(!JSON.stringify(row!.settings).includes('flow-secret'));

      for (const format of ['raw', 'slack', 'flowdock', 'standard']) {
        const webhook = await t.json('POST', `${ORG}/hooks`, {
          name: `Webhook ${format}`,
          kind: 'webhook',
          url: 'http://127.0.0.1:9/hook',
          format,
          events: 'all',
        });
        assert.equal(webhook.status, 201, JSON.stringify(webhook.body));
        assert.equal(webhook.body.format, format);
        assert.match(webhook.body.secret, /^whsec_/);
        // The signing secrets are listed redacted, with when each stops signing.
        assert.deepEqual(webhook.body.secrets, [{ secret: '[redacted]', expires_at: null }]);
      }
    });

    it('refuses settings of another kind, missing settings and unknown formats with 400', async () => {
      const bodies = [
        { name: 'x', kind: 'slack', events: 'all' },
        { name: 'x', kind: 'slack', url: 'http://127.0.0.1:9/', token: 'nope', events: 'all' },
        { name: 'x', kind: 'hipchat', token: 't', events: 'all' },
        { name: 'x', kind: 'hipchat', token: 't', room: 'r', api_version: 3, events: 'all' },
        { name: 'x', kind: 'flowdock', flow_token: '', events: 'all' },
        { name: 'x', kind: 'webhook', url: 'http://127.0.0.1:9/', format: 'gitter', events: 'all' },
        { name: 'x', kind: 'irc', url: 'http://127.0.0.1:9/', events: 'all' },
      ];
      for (const body of bodies) {
        const answer = await t.json('POST', `${ORG}/hooks`, body);
        assert.equal(answer.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(answer.body)}`);
        assert.equal(answer.body.code, 'FST_ERR_VALIDATION');
      }
    });

    it('checks Slack and Hipchat URLs like webhook URLs (422)', async () => {
      const slack = await t.json('POST', `${ORG}/hooks`, {
        name: 'x',
        kind: 'slack',
        url: 'ftp://hooks.slack.test/services/x',
        events: 'all',
      });
      assert.equal(slack.status, 422);
      assert.equal(slack.body.code, 'CLARION_ERR_HOOK_INVALID_URL');
      const hipchat = await t.json('POST', `${ORG}/hooks`, {
        name: 'x',
        kind: 'hipchat',
        server_url: 'http://user:pass@hipchat.test',
        token: 't',
        room: 'r',
        events: 'all',
      });
      assert.equal(hipchat.status, 422);
      assert.equal(hipchat.body.code, 'CLARION_ERR_HOOK_INVALID_URL');
    });

    it("PATCH changes each kind's settings, re-seals secrets, and refuses another kind's settings", async () => {
      const slack = await t.json('POST', `${ORG}/hooks`, {
        name: 'Slack',
        kind: 'slack',
        url: 'http://127.0.0.1:9/old',
        channel: '#old',
        events: 'all',
      });
      const patched = await t.json('PATCH', `${ORG}/hooks/${slack.body.id}`, {
        url: 'http://127.0.0.1:9/new',
        channel: null,
        username: 'Bot',
      });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.equal(patched.body.url, '[redacted]');
      assert.equal(patched.body.channel, undefined);
      assert.equal(patched.body.username, 'Bot');
      const revealed = t.clarion.store.hooks.get('acme', slack.body.id).then((row) => row!.settings);
      assert.notEqual((await revealed)['url'], 'http://127.0.0.1:9/new', 'still sealed after the change');

      const hipchatHook = await t.json('POST', `${ORG}/hooks`, {
        name: 'Hipchat',
        kind: 'hipchat',
        server_url: hipchat.url,
        token: 'a',
        room: 'r',
        events: 'all',
      });
      assert.equal(hipchatHook.status, 201, JSON.stringify(hipchatHook.body));
      const changed = await t.json('PATCH', `${ORG}/hooks/${hipchatHook.body.id}`, {
        kind: 'hipchat',
        api_version: 1,
        server_url: `${hipchat.url}/`,
        token: 'b',
        room: 'Ops',
      });
      assert.equal(changed.status, 200, JSON.stringify(changed.body));
      assert.equal(changed.body.api_version, 1);
      assert.equal(changed.body.server_url, hipchat.url);
      assert.equal(changed.body.token, '[redacted]');
      assert.equal(changed.body.room, 'Ops');

      const flowdock = await t.json('POST', `${ORG}/hooks`, {
        name: 'Flowdock',
        kind: 'flowdock',
        flow_token: 'a',
        events: 'all',
      });
      const token = await t.json('PATCH', `${ORG}/hooks/${flowdock.body.id}`, { flow_token: 'b' });
      assert.equal(token.status, 200);
      assert.equal(token.body.flow_token, '[redacted]');

      const webhook = await t.json('POST', `${ORG}/hooks`, {
        name: 'Webhook',
        kind: 'webhook',
        url: 'http://127.0.0.1:9/',
        events: 'all',
      });
      const format = await t.json('PATCH', `${ORG}/hooks/${webhook.body.id}`, { format: 'flowdock' });
      assert.equal(format.status, 200);
      assert.equal(format.body.format, 'flowdock');

      const wrongSetting = await t.json('PATCH', `${ORG}/hooks/${slack.body.id}`, { token: 'x' });
      assert.equal(wrongSetting.status, 422);
      assert.equal(wrongSetting.body.code, 'CLARION_ERR_HOOK_SETTING_NOT_FOR_KIND');
      const wrongKind = await t.json('PATCH', `${ORG}/hooks/${flowdock.body.id}`, { kind: 'slack' });
      assert.equal(wrongKind.status, 422);
      assert.equal(wrongKind.body.code, 'CLARION_ERR_HOOK_KIND_CHANGE');
      const mixed = await t.json('PATCH', `${ORG}/hooks/${slack.body.id}`, { url: 'http://127.0.0.1:9/', token: 'x' });
      assert.equal(mixed.status, 400, 'no kind has both url and token');
      const badUrl = await t.json('PATCH', `${ORG}/hooks/${hipchatHook.body.id}`, { server_url: 'mailto:x@y.test' });
      assert.equal(badUrl.status, 422);
      assert.equal(badUrl.body.code, 'CLARION_ERR_HOOK_INVALID_URL');
    });

    it('lists a hook of any kind scoped to an application under that application, and deletes it', async () => {
      const scoped = await t.json('POST', `${ORG}/hooks`, {
        name: 'Web Flowdock',
        kind: 'flowdock',
        flow_token: 't',
        events: 'all',
        applications: ['web'],
      });
      assert.equal(scoped.status, 201);
      const web = await t.json('GET', `${ORG}/applications/web/hooks`);
      assert.deepEqual(
        web.body.data.map((hook: { id: string }) => hook.id),
        [scoped.body.id],
      );
      assert.equal(web.body.data[0].flow_token, '[redacted]');
      const api = await t.json('GET', `${ORG}/applications/api/hooks`);
      assert.equal(api.body.data.length, 0);

      assert.equal((await t.request('DELETE', `${ORG}/hooks/${scoped.body.id}`)).statusCode, 204);
      assert.equal((await t.json('GET', `${ORG}/hooks/${scoped.body.id}`)).status, 404);
      assert.equal((await t.json('GET', `${ORG}/applications/web/hooks`)).body.data.length, 0);
    });
  });

  describe(`${kind}: events route to hooks of every kind`, () => {
    let t: TestClarion;
    let hipchat: HipchatReceiver;

    before(async () => {
      hipchat = await startHipchat();
      t = await startTestClarion(kind, { config: { sendTimeoutMs: 2000, flowdockApiUrl: 'http://127.0.0.1:9' } });
      assert.equal((await t.json('POST', '/v1/organizations', { id: 'acme', name: 'Acme' })).status, 201);
    });

    after(async () => {
      await t.close();
      await hipchat.close();
    });

    it('creates a delivery per chat hook on its own channel, which sends it', async () => {
      const ids: Record<string, string> = {};
      for (const body of [
        { kind: 'slack', url: 'http://127.0.0.1:9/s' },
        { kind: 'hipchat', server_url: hipchat.url, token: 't', room: 'r' },
        { kind: 'flowdock', flow_token: 'f' },
      ]) {
        const created = await t.json('POST', `${ORG}/hooks`, { name: body.kind, events: ['job.fail'], ...body });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        ids[body.kind] = created.body.id;
      }
      const accepted = await t.json('POST', '/v1/events', {
        id: 'job-1',
        type: 'job.fail',
        organization: 'acme',
        occurred_at: '2026-11-20T10:00:00Z',
        data: { job: 'backup' },
      });
      assert.equal(accepted.status, 202);

      const expected: Record<string, (delivery: any) => boolean> = {
        // Nothing listens at the Slack URL: the Slack channel tried, and says so.
        slack: (delivery) => delivery.attempts > 0 && /connection refused by Slack/.test(delivery.last_error ?? ''),
        hipchat: (delivery) => delivery.status === 'sent',
        // CLARION_FLOWDOCK_API_URL points where nothing listens: the Flowdock channel tried.
        flowdock: (delivery) =>
          delivery.attempts > 0 && /connection refused by Flowdock/.test(delivery.last_error ?? ''),
      };
      for (const [channel, hookId] of Object.entries(ids)) {
        const delivery = await eventually(async () => {
          const page = await t.json('GET', `/v1/deliveries?organization=acme&hook=${hookId}`);
          const found = page.body.data[0];
          return found && expected[channel]!(found) ? found : undefined;
        });
        assert.equal(delivery.channel, channel);
      }
      assert.equal(hipchat.posted.length, 1);
    });
  });
}
