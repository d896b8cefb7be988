// "Send a test event": one sample event goes through the hook's channel at once, to real local
// receivers, and the answer says what the receiver said; the send is recorded in the delivery
// log (the event, a delivery per receiver, its one attempt) with the same answer.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { startHttpReceiver, type HttpReceiver } from '../helpers/http-receiver.ts';
import { startSlackReceiver } from '../helpers/slack-receiver.ts';
import { startSmtpReceiver, type SmtpReceiver } from '../helpers/smtp-receiver.ts';
import { STORE_KINDS } from '../helpers/stores.ts';
import { startTestClarion, type TestClarion } from '../helpers/test-clarion.ts';
import { TEST_SEND_REASON } from '../../src/hooks/hook-test-sender.ts';

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

    /**
     * Checks that the delivery log records `report` (one receiver's part of a test answer) as a
     * finished delivery of `hookId` with one attempt holding the same answer; returns it.
     */
    async function assertLogged(report: any, hookId: string, status: string): Promise<any> {
      const logged = await t.json('GET', `/v1/deliveries/${report.delivery_id}`);
      assert.equal(logged.status, 200, JSON.stringify(logged.body));
      assert.equal(logged.body.hook, hookId);
      assert.equal(logged.body.status, status);
      assert.equal(logged.body.attempts, 1);
      assert.equal(logged.body.reason, TEST_SEND_REASON);
      assert.equal(logged.body.last_status_code, report.status_code);
      assert.equal(logged.body.attempts_log.length, 1);
      const [attempt] = logged.body.attempts_log;
      assert.equal(attempt.outcome, report.outcome);
      assert.equal(attempt.status_code, report.status_code);
      assert.equal(attempt.response_excerpt, report.response_excerpt);
      assert.equal(attempt.error, report.error);
      assert.equal(attempt.latency_ms, report.latency_ms);
      return logged.body;
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

      const logged = await assertLogged(answer.body, hook.body.id, 'sent');
      // The receiver deduplicates on webhook-id: it is the logged delivery's id.
      assert.equal(request.headers['webhook-id'], answer.body.delivery_id);
      assert.equal(logged.event.id, answer.body.event_id);
      assert.equal(request.headers['clarion-event-seq'], String(logged.event.seq));
      const event = await t.json('GET', `${ORG}/events/${answer.body.event_id}`);
      assert.equal(event.status, 200, JSON.stringify(event.body));
      assert.equal(event.body.data.test, true);
      const listed = await t.json('GET', `${ORG}/deliveries?hook=${hook.body.id}`);
      assert.deepEqual(
        listed.body.data.map((d: { id: string }) => d.id),
        [answer.body.delivery_id],
      );
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
      // One attempt finishes a test delivery: it is failed in the log, not scheduled again.
      const logged = await assertLogged(answer.body, hook.body.id, 'failed');
      assert.equal(logged.next_attempt_at, null);
    });

    it('logs a 410 as gone without disabling the hook, and the logged delivery can be re-sent', async () => {
      receiver.setHandler(() => ({ status: 410, body: 'no such endpoint' }));
      const hook = await t.json('POST', `${ORG}/hooks`, {
        name: 'Gone',
        kind: 'webhook',
        url: `${receiver.url}/gone`,
        format: 'slack',
        events: ['job.fail'],
      });
      const answer = await t.json('POST', `${ORG}/hooks/${hook.body.id}/test`);
      assert.equal(answer.body.outcome, 'gone', JSON.stringify(answer.body));
      await assertLogged(answer.body, hook.body.id, 'gone');
      assert.equal((await t.json('GET', `${ORG}/hooks/${hook.body.id}`)).body.enabled, true);

      // The stored event and delivery are whole: the worker re-sends the same test event.
      receiver.setHandler(() => ({ status: 200, body: 'ok' }));
      const before = receiver.requests.length;
      const retried = await t.json('POST', `/v1/deliveries/${answer.body.delivery_id}/retry`);
      assert.equal(retried.status, 202, JSON.stringify(retried.body));
      const [again] = (await receiver.waitFor(before + 1)).slice(before);
      assert.equal(again!.headers['webhook-id'], answer.body.delivery_id);
      assert.equal(JSON.parse(again!.body).text, JSON.parse(receiver.requests[before - 1]!.body).text);
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
        await assertLogged(answer.body, hook.body.id, 'sent');
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
      // One logged delivery per address, each with its own report.
      for (const recipient of answer.body.recipients) {
        const logged = await assertLogged(recipient, hook.body.id, 'sent');
        assert.equal(logged.address, recipient.address);
        assert.equal(logged.channel, 'email');
      }
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
