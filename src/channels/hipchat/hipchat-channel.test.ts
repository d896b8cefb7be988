import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isDeferral } from '../channel.ts';
import type { AttemptReport, SendResult } from '../channel.ts';
import { HttpClient } from '../../net/http-client.ts';
import { contractMessage, runChannelContract } from '../../../test/helpers/channel-contract.ts';
import type { ContractService } from '../../../test/helpers/channel-contract.ts';
import { startHipchatReceiver, v1FieldProblem, v2BodyProblem } from '../../../test/helpers/hipchat-receiver.ts';
import type { HipchatReceiver } from '../../../test/helpers/hipchat-receiver.ts';
import { HipchatChannel } from './hipchat-channel.ts';
import { formatHipchatV1 } from './hipchat-format.ts';

const TOKEN = 'hcTokenSecret0123456789abcdef';

async function contractService(version: 1 | 2): Promise<ContractService> {
  const hipchat = await startHipchatReceiver();
  hipchat.tokens.add(TOKEN);
  hipchat.rooms.set('Ops', { id: 7, name: 'Ops' });
  const settings = { server_url: hipchat.url, api_version: version, token: TOKEN, room: 'Ops' };
  return {
    settings,
    hookBody: { kind: 'hipchat', ...settings },
    secrets: [TOKEN],
    arrange(outcome) {
      hipchat.delayEvery(outcome === 'timeout' ? 3000 : 0);
      if (outcome === 'retry') hipchat.answerNext({ status: 503, body: 'down for maintenance' });
      if (outcome === 'failed') hipchat.answerNext({ status: 401, body: `{"error":{"message":"bad token ${TOKEN}"}}` });
      if (outcome === 'gone')
        hipchat.answerNext({ status: 404, body: '{"error":{"code":404,"message":"Room not found"}}' });
    },
    accepted: () => hipchat.posted.length,
    close: () => hipchat.close(),
  };
}

for (const version of [1, 2] as const) {
  runChannelContract({
    kind: 'hipchat',
    label: `hipchat v${version}`,
    start: () => contractService(version),
    makeChannel: (http, { timeoutMs }) => new HipchatChannel({ http, timeoutMs }),
    unreachable: (settings) => ({ settings: { ...settings, server_url: 'http://127.0.0.1:9' } }),
  });
}

function report(result: SendResult): AttemptReport {
  assert.ok(!isDeferral(result), `deferred: ${JSON.stringify(result)}`);
  return result;
}

describe('HipchatChannel', () => {
  let http: HttpClient;
  let channel: HipchatChannel;
  let hipchat: HipchatReceiver;
  const signal = new AbortController().signal;
  let now = Date.UTC(2026, 0, 1);
  const later = () => (now += 3_600_000);
  const settings = (version: 1 | 2, room = 'Ops') => ({
    server_url: hipchat.url,
    api_version: version,
    token: TOKEN,
    room,
  });

  before(async () => {
    http = new HttpClient({ allowPrivateTargets: true });
    channel = new HipchatChannel({ http, timeoutMs: 2000 });
    hipchat = await startHipchatReceiver();
    hipchat.tokens.add(TOKEN);
    hipchat.rooms.set('Ops', { id: 7, name: 'Ops' });
    hipchat.rooms.set('7', { id: 7, name: 'Ops' });
    hipchat.rooms.set('Night Ops', { id: 8, name: 'Night Ops' });
  });
  after(async () => {
    await channel.close();
    await hipchat.close();
    await http.close();
  });

  it('v1 posts rooms/message form fields with the token in the body, never in the URL', async () => {
    const result = report(await channel.send(contractMessage(settings(1, '7')), { signal, now: later() }));
    assert.deepEqual(result.outcome, { status: 'sent' });
    const request = hipchat.receiver.requests.at(-1)!;
    assert.equal(request.url, '/v1/rooms/message?format=json');
    assert.ok(!request.url.includes(TOKEN));
    assert.deepEqual(hipchat.posted.at(-1)!.fields, {
      room_id: '7',
      from: 'Clarion',
      message:
        '<b>Application redeploy failed</b>: Web &lt;frontend&gt;<br>Organization: Acme &amp; Sons · Application: Web &lt;frontend&gt; · Event: <code>stack.redeploy.fail</code><br>name: web &lt;prod&gt; &amp; co<br>status: failed<br>commit: abc123',
      message_format: 'html',
      notify: '1',
      color: 'red',
      auth_token: TOKEN,
    });
  });

  it('v1 sends a from under 15 characters of allowed characters, which the receiver checks', () => {
    const fields = new URLSearchParams(formatHipchatV1(contractMessage({}), 'Ops'));
    assert.ok(fields.get('from')!.length < 15);
    assert.equal(v1FieldProblem(fields), null);
    fields.set('from', 'Clarion Notifier');
    assert.match(v1FieldProblem(fields) ?? '', /15 characters/);
    fields.set('from', 'Clarion!');
    assert.match(v1FieldProblem(fields) ?? '', /invalid characters/);
    fields.set('from', 'Clarion');
    fields.set('message', 'x'.repeat(10_001));
    assert.match(v1FieldProblem(fields) ?? '', /10000/);
  });

  it('colours and notifies by severity: green quietly for ok, yellow for warnings', async () => {
    for (const [severity, color, notify] of [
      ['ok', 'green', '0'],
      ['warning', 'yellow', '0'],
      ['info', 'gray', '0'],
    ] as const) {
      const message = contractMessage(settings(1));
      const sent = { ...message, eventType: { ...message.eventType, severity } };
      assert.deepEqual(report(await channel.send(sent, { signal, now: later() })).outcome, { status: 'sent' });
      assert.equal(hipchat.posted.at(-1)!.fields['color'], color);
      assert.equal(hipchat.posted.at(-1)!.fields['notify'], notify);
    }
  });

  it('v2 posts JSON with a Bearer token to the URL-escaped room and takes 204 as sent', async () => {
    const result = report(await channel.send(contractMessage(settings(2, 'Night Ops')), { signal, now: later() }));
    assert.deepEqual(result.outcome, { status: 'sent' });
    assert.equal(result.statusCode, 204);
    const request = hipchat.receiver.requests.at(-1)!;
    assert.equal(request.url, '/v2/room/Night%20Ops/notification');
    assert.equal(request.headers['authorization'], `Bearer ${TOKEN}`);
    const body = hipchat.posted.at(-1)!.fields;
    assert.equal(v2BodyProblem(body), null);
    assert.deepEqual(Object.keys(body).sort(), ['color', 'from', 'message', 'message_format', 'notify']);
    assert.equal(body['color'], 'red');
    assert.equal(body['notify'], true);
    assert.equal(body['message_format'], 'html');
  });

  for (const version of [1, 2] as const) {
    it(`v${version}: a refused token is failed, an unknown room is gone, and neither shows the token`, async () => {
      const refused = report(
        await channel.send(contractMessage({ ...settings(version), token: 'wrong-token-value' }), {
          signal,
          now: later(),
        }),
      );
      assert.equal(refused.outcome.status, 'failed');
      assert.equal(refused.statusCode, 401);
      assert.match(refused.error ?? '', /token/);
      const unknown = report(
        await channel.send(contractMessage(settings(version, 'Nowhere')), { signal, now: later() }),
      );
      assert.equal(unknown.outcome.status, 'gone');
      assert.equal(unknown.statusCode, 404);
      assert.ok(!JSON.stringify([refused, unknown]).includes(TOKEN));
    });
  }

  it('v1: a 403 (its rate limit) is retried', async () => {
    hipchat.answerNext({ status: 403, body: '{"error":{"code":403,"message":"Rate limit exceeded"}}' });
    const result = report(await channel.send(contractMessage(settings(1)), { signal, now: later() }));
    assert.equal(result.outcome.status, 'retry');
  });

  it('v2: a 429 retries at X-Ratelimit-Reset and defers the token’s other sends until then', async () => {
    hipchat.rateLimit(120);
    const t0 = Date.now();
    const limited = report(await channel.send(contractMessage(settings(2)), { signal, now: t0 }));
    hipchat.rateLimit(null);
    assert.equal(limited.outcome.status, 'retry');
    assert.equal(limited.statusCode, 429);
    const wait = limited.outcome.status === 'retry' ? (limited.outcome.retryAfterMs ?? 0) : 0;
    assert.ok(wait > 110_000 && wait <= 121_000, `waits ${wait} ms`);
    const requests = hipchat.receiver.requests.length;
    const next = await channel.send(contractMessage(settings(2, 'Night Ops')), { signal, now: t0 + 10_000 });
    assert.ok(isDeferral(next), 'another room of the same token was tried while the token was limited');
    assert.ok(next.deferredUntil >= t0 + wait - 1000);
    assert.equal(hipchat.receiver.requests.length, requests, 'nothing was sent');
    now = t0 + 200_000;
  });

  it('v2: paces one room to a message every 2 s (flood control) while other rooms go at once', async () => {
    const t0 = later();
    assert.deepEqual(report(await channel.send(contractMessage(settings(2)), { signal, now: t0 })).outcome, {
      status: 'sent',
    });
    const early = await channel.send(contractMessage(settings(2)), { signal, now: t0 + 500 });
    assert.ok(isDeferral(early));
    assert.equal(early.deferredUntil, t0 + 2000);
    const other = report(await channel.send(contractMessage(settings(2, 'Night Ops')), { signal, now: t0 + 500 }));
    assert.deepEqual(other.outcome, { status: 'sent' });
  });

  it('fails without sending when the settings are incomplete', async () => {
    for (const bad of [
      {},
      { ...settings(2), api_version: 3 },
      { ...settings(2), token: '' },
      { ...settings(2), server_url: 'x' },
    ]) {
      const result = report(await channel.send(contractMessage(bad), { signal, now: later() }));
      assert.equal(result.outcome.status, 'failed');
      assert.match(result.error ?? '', /hipchat settings/);
    }
  });
});
