// node:test's describe() and it() return promises that the runner itself awaits; the rule cannot tell.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import type { ChannelMessage } from '../channel.ts';
import { HttpClient } from '../../net/http-client.ts';
import { startHttpReceiver } from '../../../test/helpers/http-receiver.ts';
import type { HttpReceiver, ReceivedRequest, ReceiverHandler } from '../../../test/helpers/http-receiver.ts';
import { WebhookChannel } from './webhook-channel.ts';
import { formatRaw } from './webhook-format.ts';
import { generateWebhookSecret, signPayload } from './webhook-signature.ts';

const SECRET_PATH = '/services/T000/B000/SECRETSECRETSECRET';
const OCCURRED_AT = Date.UTC(2026, 2, 14, 9, 30, 15, 789);

function message(overrides: Partial<ChannelMessage> = {}, settings: Record<string, unknown> = {}): ChannelMessage {
  return {
    deliveryId: 'dlv_01JABCDEF0123456789ABCDEFG',
    attempt: 1,
    event: {
      id: 'evt-42',
      seq: 1234,
      type: 'stack.redeploy.fail',
      organizationId: 'org_acme',
      applicationId: 'app_shop',
      addonId: null,
      occurredAt: OCCURRED_AT,
      data: { uid: 'stk-9', name: 'shop', status: 'failed', nested: { commit: 'abc123' } },
    },
    eventType: {
      name: 'stack.redeploy.fail',
      description: 'Stack redeploy failed',
      scopes: ['application'],
      groups: ['deployment', 'deployment-results'],
      defaultChannels: { email: true, browser: false, ios: false },
      severity: 'fail',
      builtin: true,
    },
    organization: { id: 'org_acme', name: 'Acme' },
    application: { id: 'app_shop', name: 'Shop' },
    address: null,
    settings: { url: 'http://127.0.0.1:1/hook', format: 'raw', secrets: [generateWebhookSecret()], ...settings },
    ...overrides,
  };
}

function sendOptions(signal: AbortSignal = new AbortController().signal) {
  // Real time: standardwebhooks refuses timestamps more than 5 minutes away from its clock.
  return { signal, now: Date.now() };
}

/** Headers as standardwebhooks wants them: plain strings. */
function webhookHeaders(request: ReceivedRequest): Record<string, string> {
  return Object.fromEntries(
    Object.entries(request.headers).flatMap(([name, value]) => (typeof value === 'string' ? [[name, value]] : [])),
  );
}

describe('WebhookChannel', () => {
  let http: HttpClient;
  let channel: WebhookChannel;
  const receivers: HttpReceiver[] = [];

  async function receiver(handler?: ReceiverHandler): Promise<HttpReceiver> {
    const started = await startHttpReceiver(handler);
    receivers.push(started);
    return started;
  }

  before(() => {
    http = new HttpClient({ allowPrivateTargets: true });
    channel = new WebhookChannel({ http, timeoutMs: 2_000 });
  });

  after(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await channel.close();
    await http.close();
  });

  it('posts the raw format: the fields of data plus event_type and timestamp in seconds', async () => {
    const target = await receiver();
    const report = await channel.send(message({}, { url: `${target.url}/hook` }), sendOptions());

    assert.deepEqual(report.outcome, { status: 'sent' });
    const [request] = await target.waitFor(1);
    assert.equal(request!.method, 'POST');
    assert.equal(request!.url, '/hook');
    assert.equal(request!.headers['content-type'], 'application/json');
    assert.equal(request!.headers['user-agent'], 'Clarion-Webhooks/0.1');
    assert.deepEqual(JSON.parse(request!.body), {
      uid: 'stk-9',
      name: 'shop',
      status: 'failed',
      nested: { commit: 'abc123' },
      event_type: 'stack.redeploy.fail',
      timestamp: Math.floor(OCCURRED_AT / 1000),
    });
  });

  it('signs so that the standardwebhooks package verifies the body and headers', async () => {
    const secret = generateWebhookSecret();
    const target = await receiver((request) => {
      new Webhook(secret).verify(request.body, webhookHeaders(request));
      return { status: 204 };
    });
    const options = sendOptions();
    const report = await channel.send(message({}, { url: target.url, secrets: [secret] }), options);

    assert.deepEqual(report.outcome, { status: 'sent' }, report.responseExcerpt);
    const [request] = await target.waitFor(1);
    assert.equal(request!.headers['webhook-timestamp'], String(Math.floor(options.now / 1000)));
    assert.match(request!.headers['webhook-signature'] as string, /^v1,[A-Za-z0-9+/]+=*$/);
  });

  it('signs with every secret during a rotation, and each secret verifies on its own', async () => {
    const [oldSecret, newSecret] = [generateWebhookSecret(), generateWebhookSecret()];
    const target = await receiver();
    const report = await channel.send(message({}, { url: target.url, secrets: [oldSecret, newSecret] }), sendOptions());

    assert.deepEqual(report.outcome, { status: 'sent' });
    const [request] = await target.waitFor(1);
    assert.equal((request!.headers['webhook-signature'] as string).split(' ').length, 2);
    for (const secret of [oldSecret, newSecret]) {
      assert.doesNotThrow(() => new Webhook(secret).verify(request!.body, webhookHeaders(request!)));
    }
    assert.throws(() => new Webhook(generateWebhookSecret()).verify(request!.body, webhookHeaders(request!)));
  });

  it('signs only with the secrets still current at the attempt, as stored with their expiry', async () => {
    const [expired, current, overlapping] = [generateWebhookSecret(), generateWebhookSecret(), generateWebhookSecret()];
    const target = await receiver();
    const options = sendOptions();
    const secrets = [
      { secret: expired, expires_at: options.now },
      { secret: overlapping, expires_at: options.now + 1 },
      { secret: current, expires_at: null },
    ];
    const report = await channel.send(message({}, { url: target.url, secrets }), options);

    assert.deepEqual(report.outcome, { status: 'sent' });
    const [request] = await target.waitFor(1);
    assert.equal((request!.headers['webhook-signature'] as string).split(' ').length, 2);
    for (const secret of [overlapping, current]) {
      assert.doesNotThrow(() => new Webhook(secret).verify(request!.body, webhookHeaders(request!)));
    }
    assert.throws(() => new Webhook(expired).verify(request!.body, webhookHeaders(request!)));
  });

  it('fails without sending or quoting a secret when every stored secret has expired', async () => {
    const target = await receiver();
    const secret = generateWebhookSecret();
    const options = sendOptions();
    const report = await channel.send(
      message({}, { url: target.url, secrets: [{ secret, expires_at: options.now - 1 }] }),
      options,
    );

    assert.deepEqual(report.outcome, { status: 'failed' });
    assert.match(report.error ?? '', /expired/);
    assert.ok(!(report.error ?? '').includes(secret.slice(6)));
    assert.equal(target.requests.length, 0);
  });

  it('keeps webhook-id equal to the delivery id across attempts while clarion-attempt counts', async () => {
    const target = await receiver();
    const settings = { url: target.url };
    await channel.send(message({ attempt: 1 }, settings), sendOptions());
    await channel.send(message({ attempt: 2 }, settings), sendOptions());

    const [first, second] = await target.waitFor(2);
    assert.equal(first!.headers['webhook-id'], 'dlv_01JABCDEF0123456789ABCDEFG');
    assert.equal(second!.headers['webhook-id'], 'dlv_01JABCDEF0123456789ABCDEFG');
    assert.equal(first!.headers['clarion-attempt'], '1');
    assert.equal(second!.headers['clarion-attempt'], '2');
  });

  it('carries the event id, sequence, type, organization and application in headers', async () => {
    const target = await receiver();
    await channel.send(message({}, { url: target.url }), sendOptions());

    const [request] = await target.waitFor(1);
    assert.equal(request!.headers['clarion-event-id'], 'evt-42');
    assert.equal(request!.headers['clarion-event-seq'], '1234');
    assert.equal(request!.headers['clarion-event-type'], 'stack.redeploy.fail');
    assert.equal(request!.headers['clarion-organization'], 'org_acme');
    assert.equal(request!.headers['clarion-application'], 'app_shop');
  });

  it('leaves out clarion-application for an account-level event', async () => {
    const target = await receiver();
    const base = message({}, { url: target.url });
    await channel.send({ ...base, event: { ...base.event, applicationId: null }, application: null }, sendOptions());

    const [request] = await target.waitFor(1);
    assert.equal(request!.headers['clarion-application'], undefined);
    assert.equal(request!.headers['clarion-organization'], 'org_acme');
  });

  for (const status of [200, 201, 204]) {
    it(`reports ${status} as sent with the status code`, async () => {
      const target = await receiver(() => ({ status, body: status === 204 ? '' : 'thanks' }));
      const report = await channel.send(message({}, { url: target.url }), sendOptions());

      assert.deepEqual(report.outcome, { status: 'sent' });
      assert.equal(report.statusCode, status);
      assert.equal(report.responseExcerpt, status === 204 ? '' : 'thanks');
      assert.equal(report.error, undefined);
    });
  }

  it('reports 410 as gone', async () => {
    const target = await receiver(() => ({ status: 410, body: 'endpoint deleted' }));
    const report = await channel.send(message({}, { url: target.url }), sendOptions());

    assert.deepEqual(report.outcome, { status: 'gone' });
    assert.equal(report.statusCode, 410);
    assert.equal(report.responseExcerpt, 'endpoint deleted');
    assert.match(report.error ?? '', /410/);
  });

  for (const status of [301, 302]) {
    it(`retries a ${status} without following it or showing the secret path`, async () => {
      const target = await receiver(() => ({ status, headers: { location: `https://example.com${SECRET_PATH}` } }));
      const report = await channel.send(message({}, { url: `${target.url}${SECRET_PATH}` }), sendOptions());

      assert.deepEqual(report.outcome, { status: 'retry' });
      assert.equal(report.statusCode, status);
      assert.match(report.error ?? '', /^redirect to https:\/\/example\.com \(same path\) not followed/);
      assert.doesNotMatch(report.error ?? '', /SECRET/);
      // Give a followed redirect time to show up before counting.
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(target.requests.length, 1);
    });
  }

  it('retries a 503 honouring Retry-After in seconds', async () => {
    const target = await receiver(() => ({ status: 503, headers: { 'retry-after': '7' }, body: 'busy' }));
    const report = await channel.send(message({}, { url: target.url }), sendOptions());

    assert.deepEqual(report.outcome, { status: 'retry', retryAfterMs: 7000 });
    assert.equal(report.statusCode, 503);
    assert.equal(report.responseExcerpt, 'busy');
    assert.equal(report.error, 'the receiver answered 503 Service Unavailable');
  });

  it('retries a 429 without Retry-After with no delay of its own', async () => {
    const target = await receiver(() => ({ status: 429 }));
    const report = await channel.send(message({}, { url: target.url }), sendOptions());

    assert.deepEqual(report.outcome, { status: 'retry' });
    assert.equal(report.statusCode, 429);
  });

  for (const status of [400, 404]) {
    it(`retries a ${status}`, async () => {
      const target = await receiver(() => ({ status, body: 'nope' }));
      const report = await channel.send(message({}, { url: target.url }), sendOptions());

      assert.deepEqual(report.outcome, { status: 'retry' });
      assert.equal(report.statusCode, status);
      assert.equal(report.responseExcerpt, 'nope');
      assert.match(report.error ?? '', new RegExp(`answered ${status}`));
    });
  }

  it('redacts the secret path from a response excerpt that echoes it', async () => {
    const target = await receiver((request) => ({ status: 404, body: `Cannot POST ${request.url}` }));
    const report = await channel.send(
      message({}, { url: `${target.url}${SECRET_PATH}?token=abcdefabcdef1234` }),
      sendOptions(),
    );

    assert.equal(report.statusCode, 404);
    assert.equal(report.responseExcerpt, 'Cannot POST [redacted]');
  });

  it('retries when the connection is refused and names only the origin', async () => {
    const closed = await startHttpReceiver();
    const origin = closed.url;
    await closed.close();
    const report = await channel.send(message({}, { url: `${origin}${SECRET_PATH}` }), sendOptions());

    assert.deepEqual(report.outcome, { status: 'retry' });
    assert.equal(report.statusCode, undefined);
    assert.ok(report.error?.includes(origin), report.error);
    assert.doesNotMatch(report.error ?? '', /services|SECRET/);
  });

  it('retries when the receiver answers slower than the timeout', async () => {
    const target = await receiver(() => ({ delayMs: 2_000 }));
    const impatient = new WebhookChannel({ http, timeoutMs: 300 });
    const startedAt = Date.now();
    const report = await impatient.send(message({}, { url: `${target.url}${SECRET_PATH}` }), sendOptions());

    assert.deepEqual(report.outcome, { status: 'retry' });
    assert.ok(Date.now() - startedAt < 1_500, 'the timeout cut the attempt short');
    assert.match(report.error ?? '', /300 ms/);
    assert.doesNotMatch(report.error ?? '', /SECRET/);
  });

  it('retries when the attempt is aborted by its signal', async () => {
    const target = await receiver(() => ({ delayMs: 2_000 }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const report = await channel.send(message({}, { url: target.url }), sendOptions(controller.signal));

    assert.deepEqual(report.outcome, { status: 'retry' });
    assert.match(report.error ?? '', /cut short/);
  });

  it('fails without sending when the URL is a private address and private targets are refused', async () => {
    const target = await receiver();
    const guarded = new HttpClient({ allowPrivateTargets: false });
    try {
      const report = await new WebhookChannel({ http: guarded }).send(
        message({}, { url: `${target.url}${SECRET_PATH}` }),
        sendOptions(),
      );

      assert.deepEqual(report.outcome, { status: 'failed' });
      assert.match(report.error ?? '', /does not deliver to http:\/\/127\.0\.0\.1:\d+: /);
      assert.doesNotMatch(report.error ?? '', /SECRET/);
    } finally {
      await guarded.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(target.requests.length, 0);
  });

  const malformed: [string, Record<string, unknown>, RegExp][] = [
    ['a missing url', { url: undefined }, /"url"/],
    ['a url that is not a URL', { url: 'not a url/SECRETSECRET' }, /"url"/],
    ['a non-http url', { url: 'ftp://127.0.0.1/SECRETSECRET' }, /http/],
    ['an unknown format', { format: 'xml' }, /"format" must be one of raw, slack, flowdock, standard/],
    [
      'a secret whose expiry is not a time',
      { secrets: [{ secret: generateWebhookSecret(), expires_at: 'tomorrow' }] },
      /secret #1 has an expiry that is not a time/,
    ],
    ['no secrets', { secrets: [] }, /"secrets"/],
    ['secrets that are not a list', { secrets: 'whsec_abc' }, /"secrets"/],
    ['a secret without the whsec_ prefix', { secrets: ['c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0'] }, /secret #1 .*whsec_/],
    [
      'a secret that is too short',
      { secrets: [generateWebhookSecret(), 'whsec_c2hvcnQ='] },
      /secret #2 .*1-byte key|secret #2 .*5-byte key/,
    ],
  ];
  for (const [what, settings, expected] of malformed) {
    it(`fails without sending when the settings have ${what}`, async () => {
      const report = await channel.send(message({}, settings), sendOptions());

      assert.deepEqual(report.outcome, { status: 'failed' });
      assert.match(report.error ?? '', expected);
      assert.doesNotMatch(report.error ?? '', /SECRETSECRET|whsec_[A-Za-z0-9]/);
    });
  }
});

describe('webhook signature and raw format', () => {
  it('generates whsec_ secrets of 32 random bytes', () => {
    const [a, b] = [generateWebhookSecret(), generateWebhookSecret()];
    assert.match(a, /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.equal(Buffer.from(a.slice('whsec_'.length), 'base64').length, 32);
    assert.notEqual(a, b);
  });

  it('produces the same v1 signature as the standardwebhooks package', () => {
    const secret = generateWebhookSecret();
    const timestamp = 1_674_087_231;
    const body = '{"event_type":"job.fail","timestamp":1674087231}';
    assert.equal(
      signPayload([secret], 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W', timestamp, body),
      new Webhook(secret).sign('msg_2KWPBgLlAfxdpx2AI54pPJ85f4W', new Date(timestamp * 1000), body),
    );
  });

  it('refuses to sign with no secret or a message id containing a dot', () => {
    assert.throws(() => signPayload([], 'msg', 1, '{}'), TypeError);
    assert.throws(() => signPayload([generateWebhookSecret()], 'msg.1', 1, '{}'), TypeError);
  });

  it('floors the timestamp of the raw format to whole seconds', () => {
    const body = JSON.parse(formatRaw({ ...message().event, occurredAt: 1_700_000_000_999, data: {} }));
    assert.deepEqual(body, { event_type: 'stack.redeploy.fail', timestamp: 1_700_000_000 });
  });
});
