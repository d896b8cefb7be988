// "Send a test event": one sample event goes through the hook's channel at once, to real local
// receivers, and the answer says what the receiver said. Nothing is stored as a delivery.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { startHttpReceiver, type HttpReceiver } from '../helpers/http-receiver.ts';
import { startSlackReceiver } from '../helpers/slack-receiver.ts';
import { startSmtpReceiver, type SmtpReceiver } from '../helpers/smtp-receiver.ts';
import { STORE_KINDS } from '../helpers/stores.ts';
import { startTestClarion, type TestClarion } from '../helpers/test-clarion.ts';

const ORG = '/v1/organizations/acme';

for (const kind of STORE_KINDS) {
  describe(`${kind}: POST .../hooks/{hook}/test`, () => {
    let t: TestClarion;
    let receiver: HttpReceiver;
    let smtp: SmtpReceiver;
    let danToken: string;

    before(async () => {
      receiver = await startHttpReceiver();
      smtp = await startSmtpReceiver();
      t = await startTestClarion(kind, { config: { smtpUrl: smtp.url } });
      assert.equal((await t.json('POST', '/v1/organizations', { id: 'acme', name: 'Acme' })).status, 201);
      assert.equal((await t.json('POST', `${ORG}/applications`, { id: 'web', name: 'Web frontend' })).status, 201);
      for (const [user, role] of [
        ['ann', 'owner'],
        ['bob', 'owner'],
        ['dan', 'admin'],
        ['eve', 'developer'],
      ] as const) {
        const added = await t.json('POST', `${ORG}/members`, { user_id: user, email: `${user}@acme.test`, role });
        assert.equal(added.status, 201, JSON.stringify(added.body));
      }
      const minted = await t.json('POST', '/v1/users/dan/tokens', { name: 'tests' });
      assert.equal(minted.status, 201, JSON.stringify(minted.body));
      danToken = minted.body.token;
    });

    after(async () => {
      await t.close();
      await receiver.close();
      await smtp.close();
    });

    async function countDeliveries(): Promise<number> {
      const row = await t.clarion.store.db
        .selectFrom('deliveries')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    }

    it('sends a signed raw sample to a webhook answering 200 and reports outcome sent', async () => {
      receiver.setHandler(() => ({ status: 200, body: 'thanks' }));
      const hook = await t.json('POST', `${ORG}/hooks`, {
        name: 'CI',
        kind: 'webhook',
        url: `${receiver.url}/ok`,
        events: ['group:deployment-results'],
        applications: ['web'],
      });
      assert.equal(hook.status, 201);
      const before = receiver.requests.length;
      const deliveriesBefore = await countDeliveries();

      const answer = await t.json('POST', `${ORG}/hooks/${hook.body.id}/test`);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.outcome, 'sent');
      assert.equal(answer.body.status_code, 200);
      assert.equal(answer.body.response_excerpt, 'thanks');
      assert.equal(answer.body.error, null);
      assert.equal(typeof answer.body.latency_ms, 'number');
      // The first catalog type the filter matches.
      assert.equal(answer.body.event_type, 'account.provision.ok');

      assert.equal(receiver.requests.length, before + 1);
      const request = receiver.requests.at(-1)!;
      const payload = new Webhook(hook.body.secret).verify(request.body, {
        'webhook-id': String(request.headers['webhook-id']),
        'webhook-timestamp': String(request.headers['webhook-timestamp']),
        'webhook-signature': String(request.headers['webhook-signature']),
      }) as Record<string, unknown>;
      assert.equal(payload['event_type'], 'account.provision.ok');
      assert.equal(payload['test'], true);
      assert.equal(await countDeliveries(), deliveriesBefore, 'a test send is not stored as a delivery');
    });

    it('reports retry with the status and excerpt when the receiver answers 500', async () => {
      receiver.setHandler(() => ({ status: 500, body: 'database on fire' }));
      const hook = await t.json('POST', `${ORG}/hooks`, {
        name: 'Flaky',
        kind: 'webhook',
        url: `${receiver.url}/flaky`,
        events: 'all',
      });
      const answer = await t.json('POST', `${ORG}/hooks/${hook.body.id}/test`, { event_type: 'stack.redeploy.fail' });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.event_type, 'stack.redeploy.fail');
      assert.equal(answer.body.outcome, 'retry');
      assert.equal(answer.body.status_code, 500);
      assert.equal(answer.body.response_excerpt, 'database on fire');
      assert.equal(receiver.requests.at(-1)!.headers['clarion-event-type'], 'stack.redeploy.fail');
      // A 5xx on a test leaves the hook as it was.
      assert.equal((await t.json('GET', `${ORG}/hooks/${hook.body.id}`)).body.enabled, true);
    });

    it('sends a test to a Slack hook through the Slack channel, which Slack accepts', async () => {
      const slack = await startSlackReceiver();
      try {
        const hook = await t.json('POST', `${ORG}/hooks`, {
          name: 'Slack',
          kind: 'slack',
          url: slack.webhookUrl(),
          events: ['job.fail'],
        });
        const answer = await t.json('POST', `${ORG}/hooks/${hook.body.id}/test`, {});
        assert.equal(answer.status, 200);
        assert.equal(answer.body.event_type, 'job.fail');
        assert.equal(answer.body.outcome, 'sent', JSON.stringify(answer.body));
        assert.equal(answer.body.status_code, 200);
        assert.equal(slack.posted.length, 1);
      } finally {
        await slack.close();
      }
    });

    it('e-mails the listed addresses of an e-mail hook, one report each', async () => {
      const hook = await t.json('POST', `${ORG}/hooks`, {
        name: 'On-call',
        kind: 'email',
        to: ['oncall@acme.test', 'pager@acme.test'],
        events: ['group:server'],
      });
      const before = smtp.messages.length;
      const answer = await t.json('POST', `${ORG}/hooks/${hook.body.id}/test`);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.outcome, 'sent');
      assert.deepEqual(
        answer.body.recipients.map((r: { address: string; outcome: string }) => [r.address, r.outcome]),
        [
          ['oncall@acme.test', 'sent'],
          ['pager@acme.test', 'sent'],
        ],
      );
      const mails = smtp.messages.slice(before);
      assert.deepEqual(
        mails
          .map((mail) => mail.to)
          .flat()
          .sort(),
        ['oncall@acme.test', 'pager@acme.test'],
      );
    });

    it('an e-mail hook to members writes to the owners when the platform calls, to the caller when a member does', async () => {
      const defaultHook = (await t.json('GET', `${ORG}/hooks`)).body.data.find(
        (hook: { name: string }) => hook.name === 'Default deployment result e-mails',
      );
      assert.ok(defaultHook);

      let before = smtp.messages.length;
      const platform = await t.json('POST', `${ORG}/hooks/${defaultHook.id}/test`);
      assert.equal(platform.status, 200, JSON.stringify(platform.body));
      assert.deepEqual(platform.body.recipients.map((r: { address: string }) => r.address).sort(), [
        'ann@acme.test',
        'bob@acme.test',
      ]);
      assert.deepEqual(
        smtp.messages
          .slice(before)
          .map((mail) => mail.to)
          .flat()
          .sort(),
        ['ann@acme.test', 'bob@acme.test'],
      );

      before = smtp.messages.length;
      const member = await t.clarion.app!.inject({
        method: 'POST',
        url: `${ORG}/hooks/${defaultHook.id}/test`,
        headers: { authorization: `Bearer ${danToken}` },
      });
      assert.equal(member.statusCode, 200, member.body);
      assert.deepEqual(
        member.json().recipients.map((r: { address: string }) => r.address),
        ['dan@acme.test'],
      );
      assert.deepEqual(
        smtp.messages
          .slice(before)
          .map((mail) => mail.to)
          .flat(),
        ['dan@acme.test'],
      );
    });

    it('refuses an unknown event type (422), extra fields (400) and an unknown hook (404)', async () => {
      const hook = await t.json('POST', `${ORG}/hooks`, {
        name: 'Any',
        kind: 'webhook',
        url: `${receiver.url}/any`,
        events: 'all',
      });
      const unknown = await t.json('POST', `${ORG}/hooks/${hook.body.id}/test`, { event_type: 'stack.oops' });
      assert.equal(unknown.status, 422);
      assert.equal(unknown.body.code, 'CLARION_ERR_HOOK_TEST_UNKNOWN_TYPE');
      const extra = await t.json('POST', `${ORG}/hooks/${hook.body.id}/test`, { event: 'job.fail' });
      assert.equal(extra.status, 400);
      const missing = await t.json('POST', `${ORG}/hooks/hook_nope/test`);
      assert.equal(missing.status, 404);
      assert.equal(missing.body.code, 'CLARION_ERR_HOOK_NOT_FOUND');
    });

    it('a developer may not send a test event (hooks.write)', async () => {
      const minted = await t.json('POST', '/v1/users/eve/tokens', { name: 'tests' });
      const hook = (await t.json('GET', `${ORG}/hooks`)).body.data[0];
      const answer = await t.clarion.app!.inject({
        method: 'POST',
        url: `${ORG}/hooks/${hook.id}/test`,
        headers: { authorization: `Bearer ${minted.body.token}` },
      });
      assert.equal(answer.statusCode, 403, answer.body);
    });
  });
}
