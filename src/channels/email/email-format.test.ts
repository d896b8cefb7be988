import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BUILTIN_EVENT_TYPES } from '../../catalog/builtin-catalog.ts';
import type { EventType } from '../../catalog/event-type.ts';
import type { ChannelMessage } from '../channel.ts';
import { escapeHtml, formatTime, renderEmail, unsubscribeApplication } from './email-format.ts';
import { EMAIL_TEMPLATES } from './email-templates.ts';

const PUBLIC_URL = 'https://clarion.example.com';
const UNSUBSCRIBE_URL = `${PUBLIC_URL}/v1/unsubscribe/u1.payload.signature`;

function eventType(name: string): EventType {
  const type = BUILTIN_EVENT_TYPES.find((candidate) => candidate.name === name);
  assert.ok(type, `${name} is in the built-in catalog`);
  return type;
}

/** A message about `type`: on application "web-frontend" unless the type is account-only. */
function messageFor(typeName: string, data: Record<string, unknown> = {}, overrides: Partial<ChannelMessage> = {}) {
  const type = eventType(typeName);
  const onApplication = type.scopes.includes('application');
  const message: ChannelMessage = {
    deliveryId: 'dlv_1',
    attempt: 1,
    event: {
      id: 'evt_42',
      seq: 42,
      type: typeName,
      organizationId: 'acme',
      applicationId: onApplication ? 'web' : null,
      addonId: null,
      occurredAt: Date.UTC(2026, 2, 14, 9, 26, 50),
      data,
    },
    eventType: type,
    organization: { id: 'acme', name: 'Acme' },
    application: onApplication ? { id: 'web', name: 'web-frontend' } : null,
    address: 'ada@example.com',
    userId: 'ada',
    settings: {},
    ...overrides,
  };
  return message;
}

describe('the e-mail templates', () => {
  test('every built-in event type has its own template with a title and a summary naming what it is about', () => {
    for (const type of BUILTIN_EVENT_TYPES) {
      const template = EMAIL_TEMPLATES[type.name];
      assert.ok(template, `${type.name} has a template`);
      assert.ok(template.title.length > 0 && template.title.length <= 40, `${type.name}: a short title`);
      assert.match(template.summary, /\{subject\}/, `${type.name}: the summary names its subject`);
    }
  });

  // One case per family: subject, the sentence saying what happened, and what to do.
  const families: readonly (readonly [string, Record<string, unknown>, string, RegExp, RegExp | null])[] = [
    [
      'stack.redeploy.fail',
      { commit: 'a1b2c3d', git_branch: 'main' },
      'Deployment failed: web-frontend (Acme)',
      /^Redeploying web-frontend failed\.$/m,
      /deployment log/,
    ],
    [
      'stack.redeploy.ok',
      {},
      'Deployment succeeded: web-frontend (Acme)',
      /^web-frontend was redeployed successfully\.$/m,
      null,
    ],
    ['account.provision.fail', {}, 'Provisioning failed: Acme', /^Provisioning Acme failed\.$/m, /deployment log/],
    [
      'stack.deploy.started',
      {},
      'Deployment started: web-frontend (Acme)',
      /^A deployment of web-frontend started\.$/m,
      null,
    ],
    [
      'server.stopped',
      { server: 'web-1', status: 'down' },
      'Server heartbeat stopped: web-frontend (Acme)',
      /stopped sending its heartbeat/,
      /heartbeat restored/,
    ],
    ['server.backon', {}, 'Server back: web-frontend (Acme)', /heartbeat again/, null],
    ['job.fail', {}, 'Job failed: web-frontend (Acme)', /A scheduled job of web-frontend failed\./, /output/],
    [
      'account.payment.fail',
      { amount: 42.5 },
      'Payment failed: Acme',
      /^A payment for Acme failed\.$/m,
      /payment method/,
    ],
    ['account.suspended', {}, 'Account suspended: Acme', /^Acme was suspended/m, /billing/],
    ['account.credits.low', {}, 'Credits running low: Acme', /credits of Acme are running low/, /Add credits/],
    [
      'stack.backup.fail',
      {},
      'Backup failed: web-frontend (Acme)',
      /A backup of web-frontend failed\./,
      /backup again/,
    ],
    ['app.auth', {}, 'App authorized: web-frontend (Acme)', /given access to web-frontend/, /revoke/],
  ];
  for (const [typeName, data, subject, summary, next] of families) {
    test(`${typeName} reads "${subject}" and says what happened in both parts`, () => {
      const rendered = renderEmail(messageFor(typeName, data), { publicUrl: PUBLIC_URL });
      assert.equal(rendered.subject, subject);
      assert.match(rendered.text, summary);
      const sentence = summary.source.replace(/^\^|\$$/g, '');
      assert.match(rendered.html, new RegExp(sentence.replace(/\\\.\$?$/, '')));
      if (next) {
        assert.match(rendered.text, next);
        assert.match(rendered.html, next);
      }
      assert.match(rendered.text, /Organization: +Acme/);
      assert.match(rendered.text, /When: +Saturday 14 March 2026, 09:26:50 UTC \(2026-03-14T09:26:50Z\)/);
      assert.match(rendered.text, new RegExp(`Event: +.* \\(${typeName.replace(/\./g, '\\.')}\\)`));
      if (typeName.startsWith('stack.')) assert.match(rendered.text, /Application: +web-frontend/);
      else if (typeName.startsWith('account.')) assert.doesNotMatch(rendered.text, /Application:/);
    });
  }

  test('an operator-defined type without a template reads from its catalog description', () => {
    const custom: EventType = {
      name: 'custom.quota.reached',
      description: 'Quota reached',
      scopes: ['account'],
      groups: [],
      defaultChannels: { email: true, browser: false, ios: false },
      severity: 'warning',
      builtin: false,
    };
    const rendered = renderEmail(
      {
        ...messageFor('account.payment.fail'),
        eventType: custom,
        event: { ...messageFor('account.payment.fail').event, type: custom.name },
      },
      { publicUrl: PUBLIC_URL },
    );
    assert.equal(rendered.subject, 'Quota reached: Acme');
    assert.match(rendered.text, /^Quota reached: Acme\.$/m);
  });
});

describe('renderEmail', () => {
  test('key fields come first under their labels, other scalar fields after, nested ones left out, at most 10', () => {
    const data: Record<string, unknown> = { zeta: 'last', invoice: { id: 'inv_1' }, note: 'x'.repeat(500) };
    for (let i = 0; i < 12; i++) data[`field${i}`] = i;
    data['commit'] = 'a1b2c3d';
    data['git_branch'] = 'main';
    const rendered = renderEmail(messageFor('stack.redeploy.fail', data), { publicUrl: PUBLIC_URL });
    const details = rendered.text.split('Details:\n')[1]?.split('\n\n')[0]?.split('\n') ?? [];
    assert.deepEqual(details.slice(0, 4), [
      '  Commit: a1b2c3d',
      '  Branch: main',
      '  zeta: last',
      `  note: ${'x'.repeat(199)}…`,
    ]);
    assert.equal(details.length, 11);
    assert.equal(details[10], '  (6 more fields in Clarion)');
    assert.doesNotMatch(rendered.text, /invoice/);
  });

  test('the main link is the dashboard page of the event, or the http(s) URL the event data carries', () => {
    const dashboard = `${PUBLIC_URL}/organizations/acme/events/evt_42`;
    const plain = renderEmail(messageFor('stack.redeploy.fail'), { publicUrl: `${PUBLIC_URL}/` });
    assert.match(plain.text, new RegExp(`^View in Clarion: ${dashboard}$`, 'm'));
    assert.match(plain.html, new RegExp(`href="${dashboard}"`));

    const own = renderEmail(messageFor('stack.redeploy.fail', { url: 'https://platform.example/deploys/9' }), {
      publicUrl: PUBLIC_URL,
    });
    assert.match(own.text, /^View details: https:\/\/platform\.example\/deploys\/9$/m);
    assert.match(own.text, new RegExp(`^View in Clarion: ${dashboard}$`, 'm'));
    assert.match(own.html, /href="https:\/\/platform\.example\/deploys\/9"/);

    const hostile = renderEmail(messageFor('stack.redeploy.fail', { url: 'javascript:alert(1)' }), {
      publicUrl: PUBLIC_URL,
    });
    assert.doesNotMatch(hostile.html, /href="javascript/);
    assert.match(hostile.text, /^View in Clarion: /m);
  });

  test('HTML in event data, names and ids is escaped everywhere in the HTML part', () => {
    const attack = '<img src=x onerror=alert(1)>"\'&';
    const rendered = renderEmail(
      messageFor(
        'stack.redeploy.fail',
        { reason: `<script>alert("pwned")</script>`, [attack]: attack },
        {
          organization: { id: 'acme', name: `Acme ${attack}` },
          application: { id: 'web', name: `web ${attack}` },
        },
      ),
      { publicUrl: PUBLIC_URL, unsubscribeUrl: `${UNSUBSCRIBE_URL}"><script>` },
    );
    assert.doesNotMatch(rendered.html, /<script|<img/i);
    assert.match(rendered.html, /&#60;script&#62;alert\(&#34;pwned&#34;\)&#60;\/script&#62;/);
    assert.match(rendered.html, /web &#60;img src=x onerror=alert\(1\)&#62;&#34;&#39;&#38;/);
    assert.doesNotMatch(rendered.html, /signature"></);
    // The text part is not HTML: it keeps the characters as they are.
    assert.match(rendered.text, /Reason: <script>alert\("pwned"\)<\/script>/);
  });

  test('a name holding "$&" is written as is, not spliced with the template', () => {
    const rendered = renderEmail(messageFor('stack.redeploy.fail', {}, { application: { id: 'web', name: 'a$&b' } }), {
      publicUrl: PUBLIC_URL,
    });
    assert.match(rendered.text, /^Redeploying a\$&b failed\.$/m);
  });

  test("a member's e-mail says how to stop it, and a listed address's says whom to ask", () => {
    const member = renderEmail(messageFor('stack.redeploy.fail'), {
      publicUrl: PUBLIC_URL,
      unsubscribeUrl: UNSUBSCRIBE_URL,
    });
    assert.match(member.text, /^-- \nYou receive this e-mail as a member of Acme\.$/m);
    assert.match(
      member.text,
      /^Stop these e-mails \("Application redeploy failed" e-mails for web-frontend\): https:\/\/clarion\.example\.com\/v1\/unsubscribe\/u1\.payload\.signature$/m,
    );
    assert.match(
      member.html,
      /<a href="https:\/\/clarion\.example\.com\/v1\/unsubscribe\/u1\.payload\.signature"[^>]*>Stop these e-mails<\/a>/,
    );

    const listed = renderEmail(messageFor('account.payment.fail', {}, { userId: null }), { publicUrl: PUBLIC_URL });
    assert.match(listed.text, /your address is on a notification list of Acme; ask its administrators to remove it/);
    assert.doesNotMatch(listed.text + listed.html, /Stop these e-mails|unsubscribe/i);
  });

  test('control characters and bidirectional overrides in event data never reach the subject or text', () => {
    const rendered = renderEmail(
      messageFor(
        'stack.redeploy.fail',
        { 'k\ney': 'line1\r\nline2' },
        { application: { id: 'web', name: 'web\r\nBcc: victim@example.com\u202e' } },
      ),
      { publicUrl: PUBLIC_URL },
    );
    assert.equal(rendered.subject, 'Deployment failed: web Bcc: victim@example.com (Acme)');
    assert.match(rendered.text, /^ {2}k ey: line1 line2$/m);
    assert.doesNotMatch(rendered.text + rendered.html, /\u202e/);
  });

  test('the same message always renders the same e-mail, so a retry resends exactly the first', () => {
    const message = messageFor('job.fail', { exitCode: 1 });
    assert.deepEqual(renderEmail(message, { publicUrl: PUBLIC_URL }), renderEmail(message, { publicUrl: PUBLIC_URL }));
  });

  test('the HTML part loads nothing remote and styles inline only', () => {
    const rendered = renderEmail(messageFor('stack.redeploy.fail', { commit: 'abc' }), { publicUrl: PUBLIC_URL });
    assert.doesNotMatch(rendered.html, /<img|<link|<style|<script|url\(/i);
  });
});

describe('email-format helpers', () => {
  test('times read for people first, then exactly, in UTC', () => {
    assert.equal(
      formatTime(Date.UTC(2026, 0, 2, 3, 4, 5, 678)),
      'Friday 2 January 2026, 03:04:05 UTC (2026-01-02T03:04:05Z)',
    );
    assert.equal(formatTime(Number.NaN), 'unknown');
  });

  test('an unsubscribe link turns off the application cell only for types that can be set per application', () => {
    assert.equal(unsubscribeApplication(messageFor('stack.redeploy.fail')), 'web');
    assert.equal(unsubscribeApplication(messageFor('account.payment.fail')), null);
    // server.stopped exists at both levels: an account-level event has no application cell.
    const accountLevel = messageFor('server.stopped');
    assert.equal(
      unsubscribeApplication({
        ...accountLevel,
        event: { ...accountLevel.event, applicationId: null },
        application: null,
      }),
      null,
    );
  });

  test('escapeHtml escapes the five characters that matter in content and attributes', () => {
    assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;');
  });
});
