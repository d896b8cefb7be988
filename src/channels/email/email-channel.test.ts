import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startSmtpReceiver } from '../../../test/helpers/smtp-receiver.ts';
import type { SmtpReceiver } from '../../../test/helpers/smtp-receiver.ts';
import { BUILTIN_EVENT_TYPES } from '../../catalog/builtin-catalog.ts';
import type { EventType } from '../../catalog/event-type.ts';
import type { AttemptReport, ChannelMessage } from '../channel.ts';
import { EmailChannel } from './email-channel.ts';
import { UnsubscribeTokens } from '../../preferences/unsubscribe-token.ts';

const PUBLIC_URL = 'https://clarion.example.com';
const NOW = Date.UTC(2026, 2, 14, 9, 26, 53);
const FROM = 'Clarion <notifications@clarion.example.com>';
const TOKENS = new UnsubscribeTokens('email-channel-test-secret-key-0123456789');

/** A header's raw lines in a received message, unfolded (RFC 5322 section 2.2.3). */
function rawHeaders(raw: string, name: string): string[] {
  const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? '';
  return head
    .replace(/\r?\n[ \t]+/g, ' ')
    .split(/\r?\n/)
    .filter((line) => line.toLowerCase().startsWith(`${name.toLowerCase()}:`))
    .map((line) => line.slice(name.length + 1).trim());
}

function eventType(name: string): EventType {
  const type = BUILTIN_EVENT_TYPES.find((candidate) => candidate.name === name);
  assert.ok(type, `${name} is in the built-in catalog`);
  return type;
}

function applicationMessage(overrides: Partial<ChannelMessage> = {}): ChannelMessage {
  return {
    deliveryId: '01JDELIVERY0000000000000001',
    attempt: 1,
    event: {
      id: 'evt_01JEVENT',
      seq: 42,
      type: 'stack.redeploy.fail',
      organizationId: 'org_acme',
      applicationId: 'app_web',
      addonId: null,
      occurredAt: Date.UTC(2026, 2, 14, 9, 26, 50),
      data: {
        commit: 'a1b2c3d',
        reason: '<script>alert("pwned")</script> & more',
        exitCode: 137,
        nested: { ignored: true },
      },
    },
    eventType: eventType('stack.redeploy.fail'),
    organization: { id: 'org_acme', name: 'Acme' },
    application: { id: 'app_web', name: 'web-frontend' },
    address: 'ada@example.com',
    settings: {},
    ...overrides,
  };
}

function signal(): AbortSignal {
  return new AbortController().signal;
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function assertNoSecret(report: AttemptReport, secret: string): void {
  const serialized = JSON.stringify(report);
  assert.ok(!serialized.includes(secret), `report leaks the secret: ${serialized}`);
}

describe('EmailChannel against a real SMTP server', () => {
  let receiver: SmtpReceiver;
  let channel: EmailChannel;

  before(async () => {
    receiver = await startSmtpReceiver({
      rejectRecipient: (address) => {
        if (address.startsWith('gone@')) return { code: 550, message: 'No such user' };
        if (address.startsWith('busy@')) return { code: 451, message: 'Try again later' };
        if (address.startsWith('policy@')) return { code: 554, message: `5.7.1 <${address}>: Relay access denied` };
        return undefined;
      },
    });
    channel = new EmailChannel({
      smtpUrl: receiver.url,
      from: FROM,
      publicUrl: PUBLIC_URL,
      timeoutMs: 5000,
      unsubscribeTokens: TOKENS,
    });
  });

  after(async () => {
    await channel.close();
    await receiver.close();
  });

  test('an accepted message names the organization, application and event, with the data escaped', async () => {
    const before = receiver.messages.length;
    const report = await channel.send(applicationMessage(), { signal: signal(), now: NOW });
    const [mail] = (await receiver.waitFor(before + 1)).slice(before);

    assert.ok(mail);
    assert.equal(report.outcome.status, 'sent');
    assert.equal(report.statusCode, 250);
    assert.match(report.responseExcerpt ?? '', /^250 /);
    assert.deepEqual(report.outcome, { status: 'sent', providerMessageId: mail.messageId });
    assert.equal(mail.from, 'notifications@clarion.example.com');
    assert.deepEqual(mail.to, ['ada@example.com']);
    assert.equal(mail.subject, 'Deployment failed: web-frontend (Acme)');
    for (const part of [mail.text, mail.html]) {
      assert.match(part, /Acme/);
      assert.match(part, /web-frontend/);
      assert.match(part, /Application redeploy failed/);
      assert.match(part, /stack\.redeploy\.fail/);
      assert.match(part, /Saturday 14 March 2026, 09:26:50 UTC \(2026-03-14T09:26:50Z\)/);
      assert.match(part, /a1b2c3d/);
    }
    assert.match(mail.text, /Reason: <script>alert\("pwned"\)<\/script> & more/);
    assert.doesNotMatch(mail.html, /<script/i);
    assert.match(mail.html, /&#60;script&#62;alert\(&#34;pwned&#34;\)&#60;\/script&#62; &#38; more/);
    assert.equal(mail.headers.get('x-clarion-event-id'), 'evt_01JEVENT');
    assert.equal(mail.headers.get('x-clarion-event-type'), 'stack.redeploy.fail');
    assert.equal(mail.headers.get('x-clarion-delivery-id'), '01JDELIVERY0000000000000001');
    assert.equal((mail.headers.get('date') as Date).getTime(), NOW);
  });

  test("a member's e-mail carries one signed one-click List-Unsubscribe link (RFC 8058) naming their cell", async () => {
    const before = receiver.messages.length;
    const report = await channel.send(applicationMessage({ userId: 'ada' }), { signal: signal(), now: NOW });
    const [mail] = (await receiver.waitFor(before + 1)).slice(before);
    assert.equal(report.outcome.status, 'sent');
    assert.ok(mail);

    const lists = rawHeaders(mail.raw, 'List-Unsubscribe');
    assert.equal(lists.length, 1);
    const match = /^<(https:\/\/clarion\.example\.com\/v1\/unsubscribe\/([A-Za-z0-9_.-]+))>$/.exec(lists[0] ?? '');
    assert.ok(match, `List-Unsubscribe is one HTTPS URI: ${lists[0]}`);
    assert.deepEqual(rawHeaders(mail.raw, 'List-Unsubscribe-Post'), ['List-Unsubscribe=One-Click']);
    assert.deepEqual(TOKENS.verify(match[2] ?? ''), {
      organizationId: 'org_acme',
      userId: 'ada',
      eventType: 'stack.redeploy.fail',
      applicationId: 'app_web',
    });
    // mailparser, as a mail client would, finds the same link.
    const list = mail.headers.get('list') as { unsubscribe?: { url?: string } } | undefined;
    assert.equal(list?.unsubscribe?.url, match[1]);
    // The footer offers the same link in both parts.
    assert.match(mail.text, new RegExp(`Stop these e-mails .*: ${match[1]!.replace(/[.]/g, '\\.')}`));
    assert.ok(mail.html.includes(`href="${match[1]}"`));
  });

  test('an e-mail to an address listed on a hook carries no List-Unsubscribe: there is no cell to turn off', async () => {
    const before = receiver.messages.length;
    await channel.send(applicationMessage({ userId: null }), { signal: signal(), now: NOW });
    const [mail] = (await receiver.waitFor(before + 1)).slice(before);
    assert.ok(mail);
    assert.deepEqual(rawHeaders(mail.raw, 'List-Unsubscribe'), []);
    assert.deepEqual(rawHeaders(mail.raw, 'List-Unsubscribe-Post'), []);
    assert.match(mail.text, /ask its administrators to remove it/);
  });

  test('every attempt of one delivery carries the same Message-ID and another delivery a different one', async () => {
    const before = receiver.messages.length;
    const first = await channel.send(applicationMessage({ deliveryId: 'dlv_stable', attempt: 1 }), {
      signal: signal(),
      now: NOW,
    });
    const second = await channel.send(applicationMessage({ deliveryId: 'dlv_stable', attempt: 2 }), {
      signal: signal(),
      now: NOW + 5000,
    });
    const other = await channel.send(applicationMessage({ deliveryId: 'dlv_other' }), { signal: signal(), now: NOW });
    const mails = (await receiver.waitFor(before + 3)).slice(before);

    assert.equal(mails[0]?.messageId, '<dlv_stable@clarion.example.com>');
    assert.equal(mails[1]?.messageId, mails[0]?.messageId);
    assert.equal(mails[2]?.messageId, '<dlv_other@clarion.example.com>');
    assert.deepEqual(first.outcome, second.outcome);
    assert.deepEqual(other.outcome, { status: 'sent', providerMessageId: '<dlv_other@clarion.example.com>' });
  });

  test('a recipient rejected with 550 is gone', async () => {
    const report = await channel.send(applicationMessage({ address: 'gone@example.com' }), {
      signal: signal(),
      now: NOW,
    });
    assert.deepEqual(report.outcome, { status: 'gone' });
    assert.equal(report.statusCode, 550);
    assert.match(report.responseExcerpt ?? '', /No such user/);
    assert.match(report.error ?? '', /rejected the recipient \(550\)/);
  });

  test('a recipient rejected with 451 is retried', async () => {
    const report = await channel.send(applicationMessage({ address: 'busy@example.com' }), {
      signal: signal(),
      now: NOW,
    });
    assert.deepEqual(report.outcome, { status: 'retry' });
    assert.equal(report.statusCode, 451);
    assert.match(report.error ?? '', /deferred the message \(451\) at RCPT TO/);
  });

  test('a recipient refused for policy reasons (5.7.x) fails the delivery but keeps the target', async () => {
    const report = await channel.send(applicationMessage({ address: 'policy@example.com' }), {
      signal: signal(),
      now: NOW,
    });
    assert.deepEqual(report.outcome, { status: 'failed' });
    assert.equal(report.statusCode, 554);
    assert.match(report.error ?? '', /refused the message \(554\) at RCPT TO: 554 5\.7\.1/);
  });

  test('a delivery without an address fails without a message being sent', async () => {
    const before = receiver.messages.length;
    for (const address of [null, '', 'a@example.com, b@example.com']) {
      const report = await channel.send(applicationMessage({ address }), { signal: signal(), now: NOW });
      assert.deepEqual(report.outcome, { status: 'failed' });
      assert.ok(report.error);
    }
    assert.equal(receiver.messages.length, before);
  });

  test('the channel can still send after rejections on its pooled connections', async () => {
    const before = receiver.messages.length;
    const report = await channel.send(applicationMessage({ deliveryId: 'dlv_after' }), { signal: signal(), now: NOW });
    assert.equal(report.outcome.status, 'sent');
    await receiver.waitFor(before + 1);
  });
});

describe('EmailChannel connection pooling', () => {
  test('deliveries share pooled SMTP connections (at most 5) and close() ends them', async () => {
    const receiver = await startSmtpReceiver();
    const channel = new EmailChannel({ smtpUrl: receiver.url, from: FROM, publicUrl: PUBLIC_URL, timeoutMs: 5000 });
    try {
      for (let i = 0; i < 6; i++) {
        const report = await channel.send(applicationMessage({ deliveryId: `dlv_seq_${i}` }), {
          signal: signal(),
          now: NOW,
        });
        assert.equal(report.outcome.status, 'sent');
      }
      assert.equal(receiver.connectionsOpened, 1, 'one after the other, the deliveries reuse one connection');

      const reports = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          channel.send(applicationMessage({ deliveryId: `dlv_par_${i}` }), { signal: signal(), now: NOW }),
        ),
      );
      assert.ok(reports.every((report) => report.outcome.status === 'sent'));
      assert.equal(receiver.messages.length, 26);
      assert.ok(receiver.connectionsOpened > 1, 'concurrent deliveries open more connections');
      assert.ok(receiver.connectionsOpened <= 5, `at most 5 connections, not ${receiver.connectionsOpened}`);

      await channel.close();
      await receiver.waitForNoConnection();
    } finally {
      await channel.close();
      await receiver.close();
    }
  });
});

describe('EmailChannel when sending cannot work', () => {
  test('refused credentials fail the delivery and neither the error nor the excerpt holds the password', async () => {
    const password = 'hunter2-Wrong-Secret';
    const receiver = await startSmtpReceiver({ requireAuth: { user: 'clarion', pass: 'the-right-one' } });
    const smtpUrl = receiver.url.replace('smtp://', `smtp://clarion:${encodeURIComponent(password)}@`);
    const channel = new EmailChannel({ smtpUrl, from: FROM, publicUrl: PUBLIC_URL, timeoutMs: 5000 });
    try {
      const report = await channel.send(applicationMessage(), { signal: signal(), now: NOW });
      assert.deepEqual(report.outcome, { status: 'failed' });
      assert.equal(report.error, "the SMTP server refused Clarion's credentials");
      assert.equal(report.statusCode, 535);
      assertNoSecret(report, password);
      assertNoSecret(report, smtpUrl);
      assertNoSecret(report, Buffer.from(password).toString('base64'));
      assert.equal(receiver.messages.length, 0);
    } finally {
      await channel.close();
      await receiver.close();
    }
  });

  test('the right credentials are accepted', async () => {
    const receiver = await startSmtpReceiver({ requireAuth: { user: 'clarion', pass: 'p@ss:w/rd' } });
    const smtpUrl = receiver.url.replace('smtp://', `smtp://clarion:${encodeURIComponent('p@ss:w/rd')}@`);
    const channel = new EmailChannel({ smtpUrl, from: FROM, publicUrl: PUBLIC_URL, timeoutMs: 5000 });
    try {
      const report = await channel.send(applicationMessage(), { signal: signal(), now: NOW });
      assert.equal(report.outcome.status, 'sent');
      await receiver.waitFor(1);
    } finally {
      await channel.close();
      await receiver.close();
    }
  });

  test('a closed port is retried and the report names no credentials', async () => {
    const port = await closedPort();
    const smtpUrl = `smtp://clarion:closed-port-secret@127.0.0.1:${port}`;
    const channel = new EmailChannel({ smtpUrl, from: FROM, publicUrl: PUBLIC_URL, timeoutMs: 2000 });
    try {
      const report = await channel.send(applicationMessage(), { signal: signal(), now: NOW });
      assert.deepEqual(report.outcome, { status: 'retry' });
      assert.match(report.error ?? '', /ECONNREFUSED|ECONNECTION|ESOCKET/);
      assertNoSecret(report, 'closed-port-secret');
    } finally {
      await channel.close();
    }
  });

  test('an attempt whose signal aborts while the server stays silent resolves with retry', async () => {
    // Accepts the connection but never sends a greeting, as a hung server would.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const channel = new EmailChannel({ smtpUrl: `smtp://127.0.0.1:${port}`, from: FROM, publicUrl: PUBLIC_URL });
    try {
      const started = Date.now();
      const report = await channel.send(applicationMessage(), { signal: AbortSignal.timeout(200), now: NOW });
      assert.deepEqual(report.outcome, { status: 'retry' });
      assert.match(report.error ?? '', /cancelled/);
      assert.ok(Date.now() - started < 5000, 'the abort ends the attempt, not the 15 s greeting timeout');
    } finally {
      await channel.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  test('an unusable SMTP URL is refused at construction without repeating it', () => {
    for (const smtpUrl of ['not a url secret-pw', 'http://user:secret-pw@example.com', 'smtp://u:secret-pw@host?x=1']) {
      assert.throws(
        () => new EmailChannel({ smtpUrl, from: FROM, publicUrl: PUBLIC_URL }),
        (error: Error) => !error.message.includes('secret-pw'),
      );
    }
  });
});
