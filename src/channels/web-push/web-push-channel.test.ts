import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import webpush from 'web-push';
import { TEST_TLS } from '../../../test/helpers/push-tls.ts';
import {
  startWebPushServer,
  type TestSubscription,
  type WebPushServer,
} from '../../../test/helpers/web-push-server.ts';
import { BUILTIN_EVENT_TYPES } from '../../catalog/builtin-catalog.ts';
import { HttpClient } from '../../net/http-client.ts';
import type { AttemptReport, ChannelMessage } from '../channel.ts';
import { WebPushChannel } from './web-push-channel.ts';
import { MAX_PLAINTEXT_BYTES, renderWebPushPayload } from './web-push-format.ts';

const NOW = Date.UTC(2026, 2, 14, 9, 0, 0);
const VAPID = { ...webpush.generateVAPIDKeys(), subject: 'mailto:ops@clarion.example.com' };

let server: WebPushServer;
let http: HttpClient;
let subscription: TestSubscription;
const alerts: string[] = [];

function message(overrides: Partial<ChannelMessage> = {}): ChannelMessage {
  return {
    deliveryId: 'dlv_01jdelivery0000000000000001',
    attempt: 1,
    event: {
      id: 'evt_1',
      seq: 1,
      type: 'job.fail',
      organizationId: 'acme',
      applicationId: 'web',
      addonId: null,
      occurredAt: NOW,
      data: { reason: 'exit code 137' },
    },
    eventType: BUILTIN_EVENT_TYPES.find((type) => type.name === 'job.fail')!,
    organization: { id: 'acme', name: 'Acme' },
    application: { id: 'web', name: 'Web' },
    address: 'wps_1',
    settings: { ...subscription },
    ...overrides,
  };
}

function channel(options: { vapid?: typeof VAPID; timeoutMs?: number; client?: HttpClient } = {}) {
  return new WebPushChannel({
    vapid: options.vapid ?? VAPID,
    http: options.client ?? http,
    timeoutMs: options.timeoutMs ?? 5000,
    alert: (problem) => alerts.push(problem),
  });
}

function send(target: WebPushChannel, overrides: Partial<ChannelMessage> = {}): Promise<AttemptReport> {
  return target.send(message(overrides), { signal: new AbortController().signal, now: NOW });
}

/** The endpoint's path is a capability: it must not show up in any report or alert. */
function assertNoEndpoint(report: AttemptReport): void {
  const secret = new URL(subscription.endpoint).pathname.split('/').pop()!;
  assert.doesNotMatch(JSON.stringify(report), new RegExp(secret));
  for (const alert of alerts) assert.doesNotMatch(alert, new RegExp(secret));
}

describe('Web Push channel', () => {
  before(async () => {
    server = await startWebPushServer();
    http = new HttpClient({ allowPrivateTargets: true, extraCa: TEST_TLS.cert });
  });
  after(async () => {
    await http.close();
    await server.close();
  });
  beforeEach(() => {
    subscription = server.subscribe(VAPID.publicKey);
    server.requests.length = 0;
    alerts.length = 0;
    server.setHandler(() => ({ status: 201 }));
  });

  test('sends a message the push service accepts: VAPID for its origin, TTL, Urgency, a payload it decrypts', async () => {
    const report = await send(channel());
    assert.deepEqual(report.outcome, { status: 'sent' }, JSON.stringify(report));
    assert.equal(report.statusCode, 201);
    const [request] = server.requests;
    assert.ok(request);
    assert.equal(request.vapid?.aud, server.origin);
    assert.equal(request.vapid?.sub, VAPID.subject);
    assert.equal(request.headers['ttl'], '86400');
    assert.equal(request.headers['urgency'], 'high', 'job.fail is a failure');
    assert.match(String(request.headers['topic']), /^[A-Za-z0-9_-]{32}$/);
    assert.equal(request.headers['content-encoding'], 'aes128gcm');
    assert.deepEqual(request.payload, {
      title: `[Acme] ${message().eventType.description}: Web`,
      body: 'reason: exit code 137',
      tag: request.headers['topic'],
      data: {
        seq: 1,
        event_id: 'evt_1',
        event_type: 'job.fail',
        severity: 'fail',
        organization: 'acme',
        application: 'web',
        occurred_at: new Date(NOW).toISOString(),
      },
    });
  });

  test('200 and 202 count as sent too', async () => {
    for (const status of [200, 202]) {
      server.setHandler(() => ({ status }));
      assert.equal((await send(channel())).outcome.status, 'sent', String(status));
    }
  });

  test('404 and 410 are gone: the subscription is deleted', async () => {
    for (const status of [404, 410]) {
      server.setHandler(() => ({ status, body: `subscription ${subscription.endpoint} has expired` }));
      const report = await send(channel());
      assert.equal(report.outcome.status, 'gone', String(status));
      assert.match(report.responseExcerpt!, /\[redacted\]/);
      assertNoEndpoint(report);
    }
  });

  test('429 is a retry that honours Retry-After, and 5xx is a retry', async () => {
    server.setHandler(() => ({ status: 429, headers: { 'retry-after': '30' } }));
    assert.deepEqual((await send(channel())).outcome, { status: 'retry', retryAfterMs: 30_000 });
    for (const status of [500, 502, 503]) {
      server.setHandler(() => ({ status }));
      const report = await send(channel());
      assert.deepEqual(report.outcome, { status: 'retry' }, String(status));
      assertNoEndpoint(report);
    }
  });

  test('400 and 413 are failed', async () => {
    for (const status of [400, 413]) {
      server.setHandler(() => ({ status }));
      const report = await send(channel());
      assert.equal(report.outcome.status, 'failed', String(status));
      assertNoEndpoint(report);
    }
  });

  test('a VAPID key other than the one the browser subscribed with is refused 403: failed, with an alert', async () => {
    const other = { ...webpush.generateVAPIDKeys(), subject: VAPID.subject };
    const report = await send(channel({ vapid: other }));
    assert.equal(report.outcome.status, 'failed');
    assert.equal(report.statusCode, 403);
    assert.match(report.error!, /VAPID/);
    assert.equal(alerts.length, 1);
    assertNoEndpoint(report);
  });

  test('an event too big for one 4 KiB record is sent with its body cut; the push service decrypts it', async () => {
    const data = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`field${i}`, '😀'.repeat(300)]));
    const big = { ...message().event, data };
    assert.ok(Buffer.byteLength(renderWebPushPayload(message({ event: big }))) <= MAX_PLAINTEXT_BYTES);
    const report = await send(channel(), { event: big });
    assert.equal(report.outcome.status, 'sent', JSON.stringify(report));
    assert.ok(String(server.requests[0]!.payload!['body']).endsWith('…'));
  });

  test('an answer slower than the timeout is a retry that names the origin only', async () => {
    server.setHandler(() => ({ status: 201, delayMs: 2000 }));
    const report = await send(channel({ timeoutMs: 200 }));
    assert.equal(report.outcome.status, 'retry');
    assert.match(report.error!, /no complete answer from https:\/\/127\.0\.0\.1:\d+ within 200 ms/);
    assertNoEndpoint(report);
  });

  test('an endpoint on a private address is failed when private targets are not allowed', async () => {
    const strict = new HttpClient({ allowPrivateTargets: false, extraCa: TEST_TLS.cert });
    const report = await send(channel({ client: strict }));
    await strict.close();
    assert.equal(report.outcome.status, 'failed');
    assert.match(report.error!, /does not deliver to https:\/\/127\.0\.0\.1:\d+: a loopback address/);
    assert.equal(server.requests.length, 0);
    assertNoEndpoint(report);
  });

  test('a push service whose certificate is not trusted is a retry naming the TLS code, not the endpoint', async () => {
    const untrusting = new HttpClient({ allowPrivateTargets: true });
    const report = await send(channel({ client: untrusting }));
    await untrusting.close();
    assert.equal(report.outcome.status, 'retry');
    assert.match(report.error!, /failed \([A-Z_]+\)/);
    assertNoEndpoint(report);
  });

  test('subscription keys that cannot encrypt are failed without quoting them', async () => {
    const broken = { endpoint: subscription.endpoint, keys: { p256dh: 'AAAA', auth: subscription.keys.auth } };
    const report = await send(channel(), { settings: broken });
    assert.equal(report.outcome.status, 'failed');
    assert.doesNotMatch(JSON.stringify(report), new RegExp(subscription.keys.auth));
    assert.equal(server.requests.length, 0);
  });
});
