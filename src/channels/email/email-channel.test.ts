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
import { renderEmail } from './email-format.ts';

const PUBLIC_URL = 'https://clarion.example.com';
const NOW = Date.UTC(2026, 2, 14, 9, 26, 53);
const FROM = 'Clarion <notifications@clarion.example.com>';

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

describe('renderEmail', () => {
  test('an account event without an application names the organization and description but no application', () => {
    const data: Record<string, unknown> = { plan: 'XS', invoice: { id: 'inv_1' }, note: 'x'.repeat(500) };
    for (let i = 0; i < 12; i++) data[`field${i}`] = i;
    const rendered = renderEmail(
      applicationMessage({
        event: {
          ...applicationMessage().event,
          type: 'account.payment.fail',
          applicationId: null,
          occurredAt: Date.UTC(2026, 0, 2, 3, 4, 5, 678),
          data,
        },
        eventType: eventType('account.payment.fail'),
        application: null,
      }),
      { publicUrl: `${PUBLIC_URL}/` },
    );

    assert.equal(rendered.subject, '[Acme] Payment failed');
    assert.doesNotMatch(rendered.text, /Application:/);
    assert.match(rendered.text, /^Payment failed$/m);
    assert.match(rendered.text, /Organization: +Acme/);
    assert.match(rendered.text, /Event: +account\.payment\.fail/);
    assert.match(rendered.text, /When: +2026-01-02T03:04:05Z/);
    assert.match(rendered.text, /Open the dashboard: https:\/\/clarion\.example\.com\/\n/);
    // 10 scalar fields listed (the nested invoice is not), the 4 others counted.
    assert.match(rendered.text, /^ {2}plan: XS$/m);
    assert.doesNotMatch(rendered.text, /invoice/);
    assert.doesNotMatch(rendered.text, /field8:/);
    assert.match(rendered.text, /4 more fields on the dashboard/);
    assert.match(rendered.text, /note: x{199}…$/m);
    assert.match(rendered.html, /border-top:4px solid #cf222e/);
    assert.match(rendered.html, /href="https:\/\/clarion\.example\.com\/"/);
  });

  test('control characters and bidirectional overrides in event data never reach the subject or text', () => {
    const rendered = renderEmail(
      applicationMessage({
        application: { id: 'app_web', name: 'web\r\nBcc: victim@example.com\u202e' },
        event: { ...applicationMessage().event, data: { 'k\ney': 'line1\r\nline2' } },
      }),
      { publicUrl: PUBLIC_URL },
    );
    assert.equal(rendered.subject, '[Acme] Application redeploy failed: web Bcc: victim@example.com');
    assert.match(rendered.text, /^ {2}k ey: line1 line2$/m);
    assert.doesNotMatch(rendered.text + rendered.html, /\u202e/);
  });
});

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
    channel = new EmailChannel({ smtpUrl: receiver.url, from: FROM, publicUrl: PUBLIC_URL, timeoutMs: 5000 });
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
    assert.equal(mail.subject, '[Acme] Application redeploy failed: web-frontend');
    for (const part of [mail.text, mail.html]) {
      assert.match(part, /Acme/);
      assert.match(part, /web-frontend/);
      assert.match(part, /Application redeploy failed/);
      assert.match(part, /stack\.redeploy\.fail/);
      assert.match(part, /2026-03-14T09:26:50Z/);
      assert.match(part, /a1b2c3d/);
    }
    assert.match(mail.text, /reason: <script>alert\("pwned"\)<\/script> & more/);
    assert.doesNotMatch(mail.html, /<script/i);
    assert.match(mail.html, /&#60;script&#62;alert\(&#34;pwned&#34;\)&#60;\/script&#62; &#38; more/);
    assert.equal(mail.headers.get('x-clarion-event-id'), 'evt_01JEVENT');
    assert.equal(mail.headers.get('x-clarion-event-type'), 'stack.redeploy.fail');
    assert.equal(mail.headers.get('x-clarion-delivery-id'), '01JDELIVERY0000000000000001');
    assert.equal((mail.headers.get('date') as Date).getTime(), NOW);
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
