import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { startHttpReceiver, type HttpReceiver } from '../helpers/http-receiver.ts';
import { startSmtpReceiver, type SmtpReceiver } from '../helpers/smtp-receiver.ts';
import { STORE_KINDS } from '../helpers/stores.ts';
import { startTestClarion, type TestClarion } from '../helpers/test-clarion.ts';

for (const kind of STORE_KINDS) {
  describe(`${kind}: from POST /v1/events to a signed webhook and an e-mail`, () => {
    let receiver: HttpReceiver;
    let smtp: SmtpReceiver;
    let t: TestClarion;

    before(async () => {
      receiver = await startHttpReceiver();
      smtp = await startSmtpReceiver();
      t = await startTestClarion(kind, { config: { smtpUrl: smtp.url } });
      assert.equal((await t.json('POST', '/v1/organizations', { id: 'acme', name: 'Acme' })).status, 201);
      assert.equal(
        (await t.json('POST', '/v1/organizations/acme/applications', { id: 'web', name: 'Web frontend' })).status,
        201,
      );
      assert.equal(
        (
          await t.json('POST', '/v1/organizations/acme/members', {
            user_id: 'ann',
            email: 'ann@acme.test',
            role: 'owner',
          })
        ).status,
        201,
      );
    });

    after(async () => {
      await t.close();
      await receiver.close();
      await smtp.close();
    });

    it('delivers a raw, signed webhook that standardwebhooks verifies, and an e-mail over SMTP', async () => {
      const hook = await t.json('POST', '/v1/organizations/acme/hooks', {
        name: 'Deploy results',
        kind: 'webhook',
        url: `${receiver.url}/clarion`,
        format: 'raw',
        events: ['group:deployment-results'],
      });
      assert.equal(hook.status, 201);
      assert.match(hook.body.secret, /^whsec_/);

      const accepted = await t.json('POST', '/v1/events', {
        id: 'deploy-42',
        type: 'stack.redeploy.fail',
        organization: 'acme',
        application: 'web',
        occurred_at: '2026-11-20T10:00:00Z',
        data: { uid: 'web', name: 'Web frontend', status: 2 },
      });
      assert.equal(accepted.status, 202);
      assert.equal(accepted.body.id, 'deploy-42');
      assert.equal(typeof accepted.body.seq, 'number');

      const [request] = await receiver.waitFor(1);
      const payload = new Webhook(hook.body.secret).verify(request!.body, {
        'webhook-id': String(request!.headers['webhook-id']),
        'webhook-timestamp': String(request!.headers['webhook-timestamp']),
        'webhook-signature': String(request!.headers['webhook-signature']),
      });
      assert.deepEqual(payload, {
        uid: 'web',
        name: 'Web frontend',
        status: 2,
        event_type: 'stack.redeploy.fail',
        timestamp: Date.parse('2026-11-20T10:00:00Z') / 1000,
      });
      assert.equal(request!.headers['clarion-event-id'], 'deploy-42');
      assert.equal(request!.headers['clarion-event-seq'], String(accepted.body.seq));
      assert.equal(request!.headers['clarion-organization'], 'acme');
      assert.equal(request!.headers['clarion-application'], 'web');

      // The default hook mails deployment results to the members.
      const [mail] = await smtp.waitFor(1);
      assert.deepEqual(mail!.to, ['ann@acme.test']);
      assert.match(mail!.subject, /Acme/);
      assert.match(mail!.subject, /Web frontend/);

      const log = await waitForDeliveries(t, 'deploy-42', (rows) => rows.every((row) => row.status === 'sent'));
      assert.deepEqual(log.map((row) => row.channel).sort(), ['email', 'webhook']);
      const email = log.find((row) => row.channel === 'email')!;
      assert.equal(email.provider_message_id, mail!.messageId);
      const webhook = log.find((row) => row.channel === 'webhook')!;
      assert.equal(webhook.address, null);
      assert.equal(request!.headers['webhook-id'], webhook.id);

      const detail = await t.json('GET', `/v1/deliveries/${webhook.id}`);
      assert.equal(detail.status, 200);
      assert.equal(detail.body.attempts_log.length, 1);
      assert.equal(detail.body.attempts_log[0].outcome, 'sent');
      assert.equal(detail.body.attempts_log[0].status_code, 200);
    });

    it('answers a replay of the same id and body as the first time, and delivers nothing twice', async () => {
      const event = {
        id: 'replay-1',
        type: 'stack.redeploy.ok',
        organization: 'acme',
        application: 'web',
        data: { uid: 's1' },
      };
      const first = await t.json('POST', '/v1/events', event);
      await waitForDeliveries(
        t,
        'replay-1',
        (rows) => rows.length > 0 && rows.every((row) => row.status !== 'pending'),
      );
      const second = await t.json('POST', '/v1/events', event);
      assert.equal(second.status, 202);
      assert.deepEqual(second.body, first.body);
      const rows = await waitForDeliveries(t, 'replay-1', () => true);
      assert.equal(rows.length, new Set(rows.map((row) => row.hook)).size);
    });

    it('stores an id once when its copies arrive in different, overlapping batches', async () => {
      const event = { id: 'replay-race', type: 'job.fail', organization: 'acme', application: 'web', data: { n: 1 } };
      // Copies are started across several event-loop turns, with other events around them, so
      // they land in separate group commits, which on PostgreSQL overlap.
      const answers = [];
      for (let round = 0; round < 8; round++) {
        answers.push(t.json('POST', '/v1/events', event));
        answers.push(t.json('POST', '/v1/events', { ...event, id: undefined, data: { n: round } }));
        await new Promise((resolve) => setImmediate(resolve));
      }
      const copies = (await Promise.all(answers)).filter((_, index) => index % 2 === 0);
      assert.deepEqual(new Set(copies.map((answer) => answer.status)), new Set([202]));
      assert.equal(new Set(copies.map((answer) => answer.body.seq)).size, 1);
      const listed = await t.json('GET', '/v1/organizations/acme/events?type=job.fail&limit=100');
      assert.equal(listed.body.data.filter((stored: { id: string }) => stored.id === 'replay-race').length, 1);
      const rows = await waitForDeliveries(t, 'replay-race', (found) => found.length > 0);
      assert.equal(rows.length, new Set(rows.map((row) => `${row.hook}/${row.channel}/${row.address}`)).size);
    });

    it('gives sequence numbers that increase with every stored event', async () => {
      const answers = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          t.json('POST', '/v1/events', { type: 'job.fail', organization: 'acme', application: 'web', data: { n: i } }),
        ),
      );
      const seqs = answers.map((answer) => answer.body.seq as number);
      assert.equal(new Set(seqs).size, 30);
      const listed = await t.json('GET', '/v1/organizations/acme/events?limit=30');
      const listedSeqs = listed.body.data.map((event: { seq: number }) => event.seq);
      assert.deepEqual(
        listedSeqs,
        [...listedSeqs].sort((a: number, b: number) => b - a),
      );
    });
  });
}

async function waitForDeliveries(
  t: TestClarion,
  eventId: string,
  done: (rows: any[]) => boolean,
  timeoutMs = 10_000,
): Promise<any[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const page = await t.json('GET', `/v1/deliveries?event=${encodeURIComponent(eventId)}`);
    if (done(page.body.data)) return page.body.data;
    if (Date.now() > deadline)
      throw new Error(`deliveries of ${eventId} did not settle: ${JSON.stringify(page.body.data)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
