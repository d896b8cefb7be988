import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { startApnsServer, type ApnsServer } from '../../../test/helpers/apns-server.ts';
import { TEST_TLS } from '../../../test/helpers/push-tls.ts';
import { BUILTIN_EVENT_TYPES } from '../../catalog/builtin-catalog.ts';
import type { AttemptReport, ChannelMessage } from '../channel.ts';
import { ApnsChannel, SERVER_ERROR_DELAY_MS } from './apns-channel.ts';
import { apnsIdOf, renderApnsPayload } from './apns-format.ts';

const MINUTE = 60_000;
const START = Date.UTC(2026, 2, 14, 9, 0, 0);
const TOKEN = 'ab'.repeat(32);

let now = START;
let server: ApnsServer;
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
      occurredAt: START,
      data: { reason: 'exit code 137', commit: 'a1b2c3d' },
    },
    eventType: BUILTIN_EVENT_TYPES.find((type) => type.name === 'job.fail')!,
    organization: { id: 'acme', name: 'Acme' },
    application: { id: 'web', name: 'Web' },
    address: 'dev_1',
    settings: { token: TOKEN },
    ...overrides,
  };
}

function channel(overrides: { teamId?: string; topic?: string; url?: string; timeoutMs?: number } = {}) {
  return new ApnsChannel({
    key: server.key,
    keyId: server.keyId,
    teamId: overrides.teamId ?? server.teamId,
    topic: overrides.topic ?? server.topic,
    url: overrides.url ?? server.url,
    ca: TEST_TLS.cert,
    timeoutMs: overrides.timeoutMs ?? 5000,
    alert: (problem) => alerts.push(problem),
  });
}

function send(target: ApnsChannel, overrides: Partial<ChannelMessage> = {}): Promise<AttemptReport> {
  return target.send(message(overrides), { signal: new AbortController().signal, now });
}

/** The device token must never leave the request path: not in errors, excerpts or alerts. */
function assertNoToken(report: AttemptReport): void {
  assert.doesNotMatch(JSON.stringify(report), new RegExp(TOKEN));
  for (const alert of alerts) assert.doesNotMatch(alert, new RegExp(TOKEN));
}

describe('APNs channel', () => {
  before(async () => {
    server = await startApnsServer({ now: () => now });
  });
  after(() => server.close());
  beforeEach(() => {
    now = START;
    server.requests.length = 0;
    alerts.length = 0;
    server.setHandler(() => ({ status: 200 }));
  });

  test('sends an alert the local APNs accepts: valid ES256 token, every apns-* header, the delivery id as apns-id', async () => {
    const ios = channel();
    const report = await send(ios);
    await ios.close();
    assert.equal(report.outcome.status, 'sent', JSON.stringify(report));
    const [request] = server.requests;
    assert.ok(request);
    assert.equal(request.deviceToken, TOKEN);
    assert.equal(request.issuedAt, START / 1000);
    assert.equal(request.headers['apns-topic'], server.topic);
    assert.equal(request.headers['apns-push-type'], 'alert');
    assert.equal(request.headers['apns-priority'], '10', 'job.fail is a failure: immediate');
    assert.equal(request.headers['apns-expiration'], String(START / 1000 + 24 * 3600));
    assert.equal(request.headers['apns-id'], apnsIdOf('dlv_01jdelivery0000000000000001'));
    assert.equal(request.headers['apns-collapse-id'], 'pair:job.backon|job.fail:web');
    assert.deepEqual(report.outcome, { status: 'sent', providerMessageId: request.headers['apns-id'] });
    assert.deepEqual(request.payload.aps?.alert, {
      title: `${message().eventType.description}: Web`,
      subtitle: 'Acme',
      body: 'reason: exit code 137\ncommit: a1b2c3d',
    });
    assert.deepEqual(request.payload['clarion'], {
      event_id: 'evt_1',
      event_type: 'job.fail',
      organization: 'acme',
      application: 'web',
    });
  });

  test('keeps one provider token for 20 minutes and beyond, and renews it before it is an hour old', async () => {
    const ios = channel();
    await send(ios);
    now = START + 19 * MINUTE;
    await send(ios);
    now = START + 49 * MINUTE;
    await send(ios);
    now = START + 51 * MINUTE;
    await send(ios);
    now = START + 59 * MINUTE;
    await send(ios);
    await ios.close();
    const issued = server.requests.map((request) => (request.issuedAt * 1000 - START) / MINUTE);
    assert.deepEqual(issued, [0, 0, 0, 51, 51]);
    assert.equal(new Set(server.requests.slice(0, 3).map((request) => request.jwt)).size, 1, 'one token shared');
    assert.ok(server.requests.every((request) => request.status === 200));
  });

  test('ExpiredProviderToken renews the token and tries again within the same attempt', async () => {
    const ios = channel();
    await send(ios);
    now = START + 25 * MINUTE;
    const stale = server.requests[0]!.jwt;
    server.setHandler((request) =>
      request.jwt === stale ? { status: 403, reason: 'ExpiredProviderToken' } : { status: 200 },
    );
    const report = await send(ios);
    await ios.close();
    assert.equal(report.outcome.status, 'sent', JSON.stringify(report));
    assert.equal(server.requests.length, 3);
    assert.equal(server.requests[2]!.issuedAt, (START + 25 * MINUTE) / 1000);
  });

  test('ExpiredProviderToken on a token younger than 20 minutes is a retry that names the clock, not a renewal', async () => {
    const ios = channel();
    server.setHandler(() => ({ status: 403, reason: 'ExpiredProviderToken' }));
    const report = await send(ios);
    await ios.close();
    assert.equal(report.outcome.status, 'retry');
    assert.match(report.error!, /clock/);
    assert.equal(server.requests.length, 1, 'renewing this soon would earn TooManyProviderTokenUpdates');
  });

  test('Unregistered (410) and BadDeviceToken (400) are gone: the device is removed', async () => {
    const ios = channel();
    for (const [status, reason] of [
      [410, 'Unregistered'],
      [410, 'ExpiredToken'],
      [400, 'BadDeviceToken'],
    ] as const) {
      server.setHandler(() => ({ status, reason }));
      const report = await send(ios);
      assert.equal(report.outcome.status, 'gone', reason);
      assert.equal(report.statusCode, status);
      assert.match(report.responseExcerpt!, new RegExp(reason));
      assertNoToken(report);
    }
    await ios.close();
  });

  test('429 is a retry that honours Retry-After; 500 and 503 wait 15 minutes at least', async () => {
    const ios = channel();
    server.setHandler(() => ({ status: 429, reason: 'TooManyRequests', headers: { 'retry-after': '120' } }));
    assert.deepEqual((await send(ios)).outcome, { status: 'retry', retryAfterMs: 120_000 });
    for (const [status, reason] of [
      [500, 'InternalServerError'],
      [503, 'ServiceUnavailable'],
      [503, 'Shutdown'],
    ] as const) {
      server.setHandler(() => ({ status, reason }));
      const report = await send(ios);
      assert.deepEqual(report.outcome, { status: 'retry', minDelayMs: SERVER_ERROR_DELAY_MS }, reason);
      assertNoToken(report);
    }
    server.setHandler(() => ({ status: 200 }));
    assert.equal((await send(ios)).outcome.status, 'sent', 'a new connection after Shutdown');
    await ios.close();
  });

  test('a wrong team id is answered InvalidProviderToken: failed, with an alert saying what to configure', async () => {
    const ios = channel({ teamId: 'WRONGTEAM1' });
    const report = await send(ios);
    await ios.close();
    assert.equal(report.outcome.status, 'failed');
    assert.equal(server.requests[0]!.reason, 'InvalidProviderToken');
    assert.match(report.error!, /InvalidProviderToken: check CLARION_APNS_KEY_ID, CLARION_APNS_TEAM_ID/);
    assert.equal(alerts.length, 1);
    assertNoToken(report);
  });

  test('a wrong topic is answered BadTopic: failed, with an alert naming CLARION_APNS_TOPIC', async () => {
    const ios = channel({ topic: 'com.example.other' });
    const report = await send(ios);
    await ios.close();
    assert.equal(report.outcome.status, 'failed');
    assert.match(report.error!, /BadTopic: check CLARION_APNS_TOPIC/);
    assert.match(alerts[0]!, /CLARION_APNS_TOPIC/);
  });

  test('other request errors (PayloadTooLarge, BadCollapseId) are failed without an alert', async () => {
    const ios = channel();
    for (const [status, reason] of [
      [413, 'PayloadTooLarge'],
      [400, 'BadCollapseId'],
    ] as const) {
      server.setHandler(() => ({ status, reason }));
      const report = await send(ios);
      assert.equal(report.outcome.status, 'failed', reason);
      assertNoToken(report);
    }
    await ios.close();
    assert.deepEqual(alerts, []);
  });

  test('an event too big for 4 KiB is sent with its body cut, never its JSON', async () => {
    // Eight fields of 120 four-byte characters each: about 4 KB of body before the title and ids.
    const data = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`field${i}`, `"é ${'😀'.repeat(300)}`]));
    const big = message({ event: { ...message().event, data } });
    const payload = renderApnsPayload(big);
    assert.ok(Buffer.byteLength(payload) <= 4096, `${Buffer.byteLength(payload)} bytes`);
    assert.ok(Buffer.byteLength(payload) > 3500, 'the room is used');
    const ios = channel();
    const report = await send(ios, { event: big.event });
    await ios.close();
    assert.equal(report.outcome.status, 'sent', JSON.stringify(report));
    const body = server.requests[0]!.payload.aps!.alert!.body!;
    assert.ok(body.endsWith('…'));
    assert.ok(body.startsWith('field0: "é 😀'));
    assert.ok(!body.includes('\ufffd'), 'no character cut in half');
  });

  test('an answer slower than the timeout is a retry that says so', async () => {
    const ios = channel({ timeoutMs: 200 });
    server.setHandler(() => ({ status: 200, delayMs: 2000 }));
    const report = await send(ios);
    await ios.close();
    assert.equal(report.outcome.status, 'retry');
    assert.match(report.error!, /no complete answer from https:\/\/127\.0\.0\.1:\d+ within 200 ms/);
    assertNoToken(report);
  });

  test('a host that refuses connections is a retry naming the origin only', async () => {
    const ios = channel({ url: 'https://127.0.0.1:9' });
    const report = await send(ios);
    await ios.close();
    assert.equal(report.outcome.status, 'retry');
    assert.match(report.error!, /^the request to https:\/\/127\.0\.0\.1:9 failed \(ECONNREFUSED\)$/);
    assertNoToken(report);
  });

  test('a stored token that is not hex fails without reaching APNs', async () => {
    const ios = channel();
    const report = await send(ios, { settings: { token: 'not-a-token' } });
    await ios.close();
    assert.equal(report.outcome.status, 'failed');
    assert.equal(server.requests.length, 0);
    assert.doesNotMatch(report.error!, /not-a-token/);
  });
});
