import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSmtpReceiver, type ReceivedMail, type SmtpReceiver } from '../helpers/smtp-receiver.ts';
import { STORE_KINDS } from '../helpers/stores.ts';
import { startTestClarion, type TestClarion } from '../helpers/test-clarion.ts';

const PUBLIC_URL = 'https://clarion.test';

for (const kind of STORE_KINDS) {
  describe(`${kind}: an e-mail from POST /v1/events, and its one-click unsubscribe link`, () => {
    let smtp: SmtpReceiver;
    let t: TestClarion;

    before(async () => {
      smtp = await startSmtpReceiver();
      t = await startTestClarion(kind, { config: { smtpUrl: smtp.url, publicUrl: PUBLIC_URL } });
      assert.equal((await t.json('POST', '/v1/organizations', { id: 'acme', name: 'Acme' })).status, 201);
      for (const [id, name] of [
        ['web', 'Web frontend'],
        ['api', 'Public API'],
      ]) {
        assert.equal((await t.json('POST', '/v1/organizations/acme/applications', { id, name })).status, 201);
      }
      const member = { user_id: 'ann', email: 'ann@acme.test', role: 'owner' };
      assert.equal((await t.json('POST', '/v1/organizations/acme/members', member)).status, 201);
    });

    after(async () => {
      await t.close();
      await smtp.close();
    });

    /** Posts an event and waits for its e-mail to arrive. */
    async function mailFor(event: Record<string, unknown>): Promise<ReceivedMail> {
      const before = smtp.messages.length;
      assert.equal((await t.json('POST', '/v1/events', { organization: 'acme', ...event })).status, 202);
      const mails = await smtp.waitFor(before + 1);
      return mails[before]!;
    }

    /** The path of the List-Unsubscribe URL, and the URL itself. */
    function unsubscribeLink(mail: ReceivedMail): { url: string; path: string } {
      // Header lines may be folded (RFC 5322 section 2.2.3); unfold the head first.
      const head = (mail.raw.split(/\r?\n\r?\n/, 1)[0] ?? '').replace(/\r?\n[ \t]+/g, ' ');
      const header = String(head.match(/^List-Unsubscribe: <([^>]+)>\r?$/im)?.[1] ?? '');
      assert.ok(header.startsWith(`${PUBLIC_URL}/v1/unsubscribe/`), `List-Unsubscribe: ${header}`);
      assert.match(head, /^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/im);
      return { url: header, path: new URL(header).pathname };
    }

    async function emailCell(level: string, type: string): Promise<{ enabled: boolean; source: string }> {
      const matrix = await t.json('GET', `/v1/organizations/acme/members/ann${level}/preferences`);
      assert.equal(matrix.status, 200);
      const row = matrix.body.data.find((candidate: { event_type: string }) => candidate.event_type === type);
      return row.channels.email;
    }

    /** A public call: no Authorization header, no cookie, as a mail provider makes it. */
    function anonymous(method: 'GET' | 'POST', url: string, body?: string, contentType?: string) {
      return t.clarion.app!.inject({
        method,
        url,
        ...(body === undefined ? {} : { payload: body }),
        ...(contentType === undefined ? {} : { headers: { 'content-type': contentType } }),
      });
    }

    it('a deployment failure e-mail says what, where and when, and links the event', async () => {
      const mail = await mailFor({
        id: 'deploy-1',
        type: 'stack.redeploy.fail',
        application: 'web',
        occurred_at: '2026-11-20T10:00:00Z',
        data: { name: 'Web frontend', commit: 'a1b2c3d', cause: '<b>npm ERR!</b> build failed' },
      });
      assert.deepEqual(mail.to, ['ann@acme.test']);
      assert.equal(mail.subject, 'Deployment failed: Web frontend (Acme)');
      assert.match(mail.text, /^Redeploying Web frontend failed\.$/m);
      assert.match(mail.text, /When: +Friday 20 November 2026, 10:00:00 UTC \(2026-11-20T10:00:00Z\)/);
      assert.match(mail.text, /Commit: a1b2c3d/);
      assert.match(mail.text, /^View in Clarion: https:\/\/clarion\.test\/organizations\/acme\/events\/deploy-1$/m);
      assert.match(mail.html, /Cause<\/td><td[^>]*>&#60;b&#62;npm ERR!&#60;\/b&#62; build failed/);
      assert.doesNotMatch(mail.html, /<b>npm/);
      const deliveries = await t.json('GET', '/v1/deliveries?event=deploy-1');
      const email = deliveries.body.data.find((row: { channel: string }) => row.channel === 'email');
      assert.equal(mail.headers.get('x-clarion-delivery-id'), email.id);
      assert.match(mail.messageId, new RegExp(`^<${email.id}@clarion\\.test>$`));
    });

    it('GET on the link shows a confirm page and changes nothing', async () => {
      const mail = smtp.messages[0]!;
      const { path } = unsubscribeLink(mail);
      const page = await anonymous('GET', path);
      assert.equal(page.statusCode, 200);
      assert.match(String(page.headers['content-type']), /^text\/html/);
      assert.equal(page.headers['cache-control'], 'no-store');
      assert.equal(page.headers['referrer-policy'], 'no-referrer');
      assert.match(page.body, /“Application redeploy failed” e-mails for Web frontend in Acme/);
      assert.match(page.body, /<form method="post" action="">/);
      assert.match(page.body, /name="List-Unsubscribe" value="One-Click"/);
      assert.deepEqual(await emailCell('/applications/web', 'stack.redeploy.fail'), {
        enabled: true,
        source: 'default',
      });
    });

    it('a tampered or malformed link is refused with a code, and changes nothing', async () => {
      const { path } = unsubscribeLink(smtp.messages[0]!);
      const token = path.split('/').pop()!;
      const swapped = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
      for (const bad of [`/v1/unsubscribe/${swapped}`, '/v1/unsubscribe/not-a-token', `/v1/unsubscribe/x${token}`]) {
        for (const method of ['GET', 'POST'] as const) {
          const response = await anonymous(
            method,
            bad,
            'List-Unsubscribe=One-Click',
            'application/x-www-form-urlencoded',
          );
          assert.equal(response.statusCode, 400, `${method} ${bad}`);
          assert.equal(response.json().code, 'CLARION_ERR_UNSUBSCRIBE_LINK_INVALID');
          assert.ok(!response.body.includes(token.slice(-20)), 'the answer does not repeat the token');
        }
      }
      assert.deepEqual(await emailCell('/applications/web', 'stack.redeploy.fail'), {
        enabled: true,
        source: 'default',
      });
    });

    it('the one-click POST turns off exactly that application cell, and the next such event is not e-mailed', async () => {
      const { path } = unsubscribeLink(smtp.messages[0]!);
      const response = await anonymous('POST', path, 'List-Unsubscribe=One-Click', 'application/x-www-form-urlencoded');
      assert.equal(response.statusCode, 200, response.body);
      assert.match(response.body, /no longer receive “Application redeploy failed” e-mails for Web frontend in Acme/);
      // A second press (providers retry) answers the same.
      assert.equal(
        (await anonymous('POST', path, 'List-Unsubscribe=One-Click', 'application/x-www-form-urlencoded')).statusCode,
        200,
      );

      assert.deepEqual(await emailCell('/applications/web', 'stack.redeploy.fail'), {
        enabled: false,
        source: 'application',
      });
      assert.deepEqual(await emailCell('', 'stack.redeploy.fail'), { enabled: true, source: 'default' });
      assert.deepEqual(await emailCell('/applications/api', 'stack.redeploy.fail'), {
        enabled: true,
        source: 'default',
      });

      // The same type on "web" reaches nobody by e-mail; on "api" it still does.
      const before = smtp.messages.length;
      const event = { type: 'stack.redeploy.fail', occurred_at: '2026-11-20T11:00:00Z', data: {} };
      assert.equal(
        (await t.json('POST', '/v1/events', { ...event, id: 'deploy-2', organization: 'acme', application: 'web' }))
          .status,
        202,
      );
      const deliveries = await t.json('GET', '/v1/deliveries?event=deploy-2');
      assert.deepEqual(
        deliveries.body.data.filter((row: { channel: string }) => row.channel === 'email'),
        [],
      );
      const other = await mailFor({ ...event, id: 'deploy-3', application: 'api' });
      assert.equal(other.subject, 'Deployment failed: Public API (Acme)');
      assert.equal(smtp.messages.length, before + 1);
    });

    it('an account event links the account cell, and a multipart one-click POST turns it off', async () => {
      const mail = await mailFor({ id: 'pay-1', type: 'account.payment.fail', data: { amount: 42 } });
      assert.equal(mail.subject, 'Payment failed: Acme');
      const { path, url } = unsubscribeLink(mail);
      assert.ok(mail.text.includes(`Stop these e-mails ("Payment failed" e-mails): ${url}`));

      const boundary = 'clarion-test-boundary';
      const multipart = `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`;
      const response = await anonymous('POST', path, multipart, `multipart/form-data; boundary=${boundary}`);
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(await emailCell('', 'account.payment.fail'), { enabled: false, source: 'account' });

      const deliveriesBefore = smtp.messages.length;
      assert.equal(
        (
          await t.json('POST', '/v1/events', {
            id: 'pay-2',
            type: 'account.payment.fail',
            organization: 'acme',
            data: {},
          })
        ).status,
        202,
      );
      const deliveries = await t.json('GET', '/v1/deliveries?event=pay-2');
      assert.deepEqual(
        deliveries.body.data.filter((row: { channel: string }) => row.channel === 'email'),
        [],
      );
      assert.equal(smtp.messages.length, deliveriesBefore);
    });

    it('a hook writing to listed addresses sends e-mails without List-Unsubscribe', async () => {
      const hook = await t.json('POST', '/v1/organizations/acme/hooks', {
        name: 'On-call list',
        kind: 'email',
        to: ['oncall@acme.test'],
        events: ['job.fail'],
      });
      assert.equal(hook.status, 201, JSON.stringify(hook.body));
      const before = smtp.messages.length;
      assert.equal(
        (await t.json('POST', '/v1/events', { id: 'job-1', type: 'job.fail', organization: 'acme', data: {} })).status,
        202,
      );
      const mails = (await smtp.waitFor(before + 2)).slice(before);
      const listed = mails.find((mail) => mail.to[0] === 'oncall@acme.test');
      const member = mails.find((mail) => mail.to[0] === 'ann@acme.test');
      assert.ok(listed && member);
      assert.doesNotMatch(listed.raw, /^List-Unsubscribe/im);
      assert.match(listed.text, /ask its administrators to remove it/);
      unsubscribeLink(member);
    });
  });
}
