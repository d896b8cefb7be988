// Settings as code through the API: an export shows hooks and explicit preference cells with
// secrets redacted; an import is declarative, matched by hook name, with a dry run that shows the
// plan and writes nothing; a copy makes other applications' settings those of one application,
// secrets included (checked by verifying a copied webhook's signature at a real receiver).
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { startHttpReceiver, type HttpReceiver } from '../helpers/http-receiver.ts';
import { STORE_KINDS } from '../helpers/stores.ts';
import { startTestClarion, type TestClarion } from '../helpers/test-clarion.ts';

const SLACK_URL = 'https://hooks.slack.test/services/T000/B000/very-secret-slack-token';

for (const kind of STORE_KINDS) {
  describe(`${kind}: settings as code`, () => {
    let t: TestClarion;
    let receiver: HttpReceiver;
    /** The signing secret of the "Web webhook" hook, shown when it was created. */
    let webSecret: string;

    const hooksOf = async (org: string) =>
      (await t.json('GET', `/v1/organizations/${org}/hooks`)).body.data as { name: string; [key: string]: unknown }[];

    beforeEach(async () => {
      receiver = await startHttpReceiver(() => ({ status: 200 }));
      t = await startTestClarion(kind);
      for (const org of ['acme', 'globex']) {
        await t.json('POST', '/v1/organizations', { id: org, name: org });
        await t.json('POST', `/v1/organizations/${org}/members`, {
          user_id: `${org}-owner`,
          email: `owner@${org}.test`,
          role: 'owner',
        });
        for (const app of ['web', 'api', 'worker']) {
          await t.json('POST', `/v1/organizations/${org}/applications`, { id: app, name: app });
        }
      }
      const created = [
        await t.json('POST', '/v1/organizations/acme/hooks', {
          name: 'Deploys to Slack',
          kind: 'slack',
          url: SLACK_URL,
          channel: '#deploys',
          events: ['group:deployment-results'],
        }),
        await t.json('POST', '/v1/organizations/acme/hooks', {
          name: 'Web webhook',
          kind: 'webhook',
          url: `${receiver.url}/web`,
          events: ['job.fail'],
          applications: ['web'],
        }),
        await t.json('PUT', '/v1/organizations/acme/members/acme-owner/preferences/job.fail/email', {
          enabled: false,
        }),
        await t.json('PUT', '/v1/organizations/acme/members/acme-owner/applications/web/preferences/process.down/ios', {
          enabled: true,
        }),
      ];
      for (const answer of created) assert.ok(answer.status < 300, JSON.stringify(answer.body));
      webSecret = created[1]!.body.secret;
    });
    afterEach(async () => {
      await t.close();
      await receiver.close();
    });

    it('exports hooks with secrets redacted, no signing secret, and only the cells members set', async () => {
      const { status, body } = await t.json('GET', '/v1/organizations/acme/settings');
      assert.equal(status, 200, JSON.stringify(body));
      assert.equal(body.format, 'clarion.settings/v1');
      const slack = body.hooks.find((hook: { name: string }) => hook.name === 'Deploys to Slack');
      assert.deepEqual(slack, {
        name: 'Deploys to Slack',
        kind: 'slack',
        url: '[redacted]',
        channel: '#deploys',
        events: ['group:deployment-results'],
        enabled: true,
      });
      const webhook = body.hooks.find((hook: { name: string }) => hook.name === 'Web webhook');
      assert.equal(webhook.secrets, undefined, 'a webhook signing secret left Clarion');
      assert.deepEqual(webhook.applications, ['web']);
      assert.deepEqual(body.preferences, {
        'acme-owner': {
          account: { 'job.fail': { email: false } },
          applications: { web: { 'process.down': { ios: true } } },
        },
      });
      assert.ok(!JSON.stringify(body).includes('very-secret-slack-token'));
    });

    it('imports its own export back as a plan in which nothing changes', async () => {
      const exported = (await t.json('GET', '/v1/organizations/acme/settings')).body;
      const { status, body } = await t.json('PUT', '/v1/organizations/acme/settings?dry_run=true', exported);
      assert.equal(status, 200, JSON.stringify(body));
      assert.ok(
        body.hooks.every((hook: { action: string }) => hook.action === 'unchanged'),
        JSON.stringify(body),
      );
      assert.deepEqual(body.preferences, []);
    });

    it('shows a dry run as a plan and writes nothing, then applies the same document', async () => {
      const document = (await t.json('GET', '/v1/organizations/acme/settings')).body;
      const slack = document.hooks.find((hook: { name: string }) => hook.name === 'Deploys to Slack');
      slack.channel = '#ops';
      slack.events = ['job.fail'];
      document.hooks = document.hooks.filter((hook: { name: string }) => hook.name !== 'Web webhook');
      document.hooks.push({ name: 'Billing mail', kind: 'email', to: ['books@acme.test'], events: ['group:billing'] });
      document.preferences['acme-owner'] = { account: { 'job.fail': { browser: true } } };

      const before = await hooksOf('acme');
      const plan = await t.json('PUT', '/v1/organizations/acme/settings?dry_run=true', document);
      assert.equal(plan.status, 200, JSON.stringify(plan.body));
      assert.equal(plan.body.dry_run, true);
      const actions = Object.fromEntries(
        plan.body.hooks.map((hook: { name: string; action: string; changed?: string[] }) => [
          hook.name,
          [hook.action, hook.changed ?? []],
        ]),
      );
      assert.deepEqual(actions['Deploys to Slack'], ['update', ['events', 'channel']]);
      assert.deepEqual(actions['Web webhook'], ['delete', []]);
      assert.deepEqual(actions['Billing mail'], ['create', []]);
      assert.deepEqual(plan.body.preferences, [
        {
          user: 'acme-owner',
          set: [{ application: null, event_type: 'job.fail', channel: 'browser', enabled: true }],
          cleared: [
            { application: null, event_type: 'job.fail', channel: 'email', enabled: false },
            { application: 'web', event_type: 'process.down', channel: 'ios', enabled: true },
          ],
        },
      ]);
      assert.deepEqual(await hooksOf('acme'), before, 'a dry run changed the hooks');

      const applied = await t.json('PUT', '/v1/organizations/acme/settings', document);
      assert.equal(applied.status, 200, JSON.stringify(applied.body));
      const after = await hooksOf('acme');
      assert.deepEqual(after.map((hook) => hook.name).sort(), [
        'Billing mail',
        'Default deployment result e-mails',
        'Deploys to Slack',
      ]);
      const updated = after.find((hook) => hook.name === 'Deploys to Slack')!;
      assert.equal(updated['channel'], '#ops');
      const exported = (await t.json('GET', '/v1/organizations/acme/settings')).body;
      assert.deepEqual(exported.preferences, { 'acme-owner': { account: { 'job.fail': { browser: true } } } });
      // The kept Slack URL is the stored one: a redacted value is "keep", not a new URL.
      const again = await t.json('PUT', '/v1/organizations/acme/settings?dry_run=true', exported);
      assert.ok(again.body.hooks.every((hook: { action: string }) => hook.action === 'unchanged'));
    });

    it('refuses a new hook whose secret is redacted, writing nothing of the document', async () => {
      const document = (await t.json('GET', '/v1/organizations/acme/settings')).body;
      document.preferences = { 'globex-owner': { account: { 'job.fail': { email: false } } } };
      const before = await hooksOf('globex');
      const refused = await t.json('PUT', '/v1/organizations/globex/settings', document);
      assert.equal(refused.status, 422, JSON.stringify(refused.body));
      assert.equal(refused.body.code, 'CLARION_ERR_SETTINGS_SECRET_MISSING');
      assert.match(refused.body.message, /Deploys to Slack/);
      assert.deepEqual(await hooksOf('globex'), before);
      assert.deepEqual((await t.json('GET', '/v1/organizations/globex/settings')).body.preferences, {});
    });

    it('creates a webhook from a document and shows its signing secret once; skips non-members', async () => {
      const document = {
        format: 'clarion.settings/v1',
        hooks: [{ name: 'Jobs', kind: 'webhook', url: `${receiver.url}/jobs`, events: ['job.fail'] }],
        preferences: { stranger: { account: { 'job.fail': { email: false } } } },
      };
      const applied = await t.json('PUT', '/v1/organizations/globex/settings', document);
      assert.equal(applied.status, 200, JSON.stringify(applied.body));
      assert.match(applied.body.secrets['Jobs'], /^whsec_/);
      assert.deepEqual(applied.body.skipped, [{ user: 'stranger', reason: 'stranger is not a member of globex' }]);
      assert.deepEqual(
        applied.body.hooks.map((hook: { name: string; action: string }) => [hook.name, hook.action]),
        [
          ['Jobs', 'create'],
          ['Default deployment result e-mails', 'delete'],
        ],
      );
    });

    it('refuses duplicate hook names, unknown event types and account-only types per application', async () => {
      const hook = { name: 'Twice', kind: 'email', to: 'owners', events: 'all' };
      const twice = await t.json('PUT', '/v1/organizations/globex/settings?dry_run=true', {
        format: 'clarion.settings/v1',
        hooks: [hook, hook],
        preferences: {},
      });
      assert.equal(twice.body.code, 'CLARION_ERR_SETTINGS_DUPLICATE_HOOK');
      const unknownType = await t.json('PUT', '/v1/organizations/globex/settings', {
        format: 'clarion.settings/v1',
        hooks: [],
        preferences: { 'globex-owner': { account: { 'no.such.type': { email: true } } } },
      });
      assert.equal(unknownType.body.code, 'CLARION_ERR_PREFERENCE_UNKNOWN_TYPE');
      const accountOnly = await t.json('PUT', '/v1/organizations/globex/applications/web/settings', {
        format: 'clarion.settings/v1',
        hooks: [],
        preferences: { 'globex-owner': { 'account.payment.fail': { email: false } } },
      });
      assert.equal(accountOnly.body.code, 'CLARION_ERR_PREFERENCE_ACCOUNT_ONLY');
      const badFormat = await t.json('PUT', '/v1/organizations/globex/settings', { format: 'v0', hooks: [] });
      assert.equal(badFormat.status, 400);
    });

    it("exports an application's settings: the hooks scoped to it alone and its cells", async () => {
      const { status, body } = await t.json('GET', '/v1/organizations/acme/applications/web/settings');
      assert.equal(status, 200, JSON.stringify(body));
      assert.deepEqual(
        body.hooks.map((hook: { name: string; applications?: unknown }) => [hook.name, hook.applications]),
        [['Web webhook', undefined]],
      );
      assert.deepEqual(body.preferences, { 'acme-owner': { 'process.down': { ios: true } } });
      const scoped = await t.json('PUT', '/v1/organizations/acme/applications/api/settings', {
        ...body,
        hooks: [{ ...body.hooks[0], applications: ['web'] }],
      });
      assert.equal(scoped.body.code, 'CLARION_ERR_SETTINGS_HOOK_SCOPED');
    });

    it("copies an application's settings onto others, signing secret included", async () => {
      const plan = await t.json('POST', '/v1/organizations/acme/applications/web/settings/copy', {
        to: ['api', 'worker'],
        dry_run: true,
      });
      assert.equal(plan.status, 200, JSON.stringify(plan.body));
      assert.deepEqual(
        plan.body.data.map((entry: { application: string; result: { hooks: { action: string }[] } }) => [
          entry.application,
          entry.result.hooks.map((hook) => hook.action),
        ]),
        [
          ['api', ['create']],
          ['worker', ['create']],
        ],
      );
      assert.equal((await t.json('GET', '/v1/organizations/acme/applications/api/hooks')).body.data.length, 0);

      const copied = await t.json('POST', '/v1/organizations/acme/applications/web/settings/copy', { to: ['api'] });
      assert.equal(copied.status, 200, JSON.stringify(copied.body));
      assert.deepEqual(copied.body.data[0].result.secrets, {}, 'a copy showed a secret');
      const apiSettings = (await t.json('GET', '/v1/organizations/acme/applications/api/settings')).body;
      assert.deepEqual(apiSettings.preferences, { 'acme-owner': { 'process.down': { ios: true } } });
      assert.deepEqual(
        apiSettings.hooks.map((hook: { name: string }) => hook.name),
        ['Web webhook'],
      );

      // The copy signs with the source's secret: the one shown when the source was created verifies it.
      const event = await t.json('POST', '/v1/events', {
        type: 'job.fail',
        organization: 'acme',
        application: 'api',
        data: { job: 1 },
      });
      assert.equal(event.status, 202, JSON.stringify(event.body));
      const [request] = await receiver.waitFor(1);
      assert.equal(request!.url, '/web');
      assert.doesNotThrow(() =>
        new Webhook(webSecret).verify(request!.body, request!.headers as Record<string, string>),
      );

      const self = await t.json('POST', '/v1/organizations/acme/applications/web/settings/copy', { to: ['web'] });
      assert.equal(self.body.code, 'CLARION_ERR_SETTINGS_COPY_TO_SELF');
    });
  });
}
