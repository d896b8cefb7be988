import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startHttpReceiver } from '../helpers/http-receiver.ts';
import { STORE_KINDS } from '../helpers/stores.ts';
import { baseUrl, openSse, openWs } from '../helpers/stream-client.ts';
import { startTestClarion, TEST_PLATFORM_KEY } from '../helpers/test-clarion.ts';

for (const kind of STORE_KINDS) {
  describe(`${kind}: GET /metrics`, () => {
    it('counts ingested events and attempts by channel and outcome, with latency and queue gauges', async () => {
      const receiver = await startHttpReceiver();
      const t = await startTestClarion(kind);
      try {
        await t.json('POST', '/v1/organizations', { id: 'acme', name: 'Acme' });
        await t.json('POST', '/v1/organizations/acme/hooks', {
          name: 'ops',
          kind: 'webhook',
          url: receiver.url,
          events: 'all',
        });
        const event = { id: 'm1', type: 'job.fail', organization: 'acme', data: {} };
        await t.json('POST', '/v1/events', event);
        await t.json('POST', '/v1/events', event);
        await receiver.waitFor(1);
        let body = '';
        for (let i = 0; i < 200 && !body.includes('outcome="sent"'); i++) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          body = (await t.request('GET', '/metrics')).body;
        }
        assert.match(body, /^clarion_events_ingested_total\{outcome="stored"\} 1$/m);
        assert.match(body, /^clarion_events_ingested_total\{outcome="duplicate"\} 1$/m);
        assert.match(body, /^clarion_delivery_attempts_total\{channel="webhook",outcome="sent"\} 1$/m);
        assert.match(body, /^clarion_delivery_attempt_seconds_count\{channel="webhook"\} 1$/m);
        assert.match(body, /^clarion_queue_pending_deliveries \d+$/m);
        assert.match(body, /^clarion_queue_oldest_due_age_seconds [\d.]+$/m);
        assert.match(body, /^clarion_process_resident_memory_bytes \d+$/m);
      } finally {
        await t.close();
        await receiver.close();
      }
    });

    it('gauges the open event and inbox streams of the process', async () => {
      const t = await startTestClarion(kind, { config: { role: 'api' } });
      try {
        await t.json('POST', '/v1/organizations', { id: 'acme', name: 'Acme' });
        await t.json('POST', '/v1/organizations/acme/members', {
          user_id: 'dev',
          email: 'd@x.test',
          role: 'developer',
        });
        const { token } = (await t.json('POST', '/v1/users/dev/tokens', { name: 't' })).body;
        const auth = { authorization: `Bearer ${TEST_PLATFORM_KEY}` };
        const streams = [
          await openSse(`${baseUrl(t)}/v1/organizations/acme/events/stream`, { headers: auth }),
          await openWs(`${baseUrl(t, 'ws')}/v1/organizations/acme/events/socket`, { headers: auth }),
          await openSse(`${baseUrl(t)}/v1/me/notifications/stream`, { headers: { authorization: `Bearer ${token}` } }),
        ];
        const gauges = async () => (await t.request('GET', '/metrics')).body.match(/^clarion_streams_open\{.*$/gm);
        assert.deepEqual(await gauges(), [
          'clarion_streams_open{feed="organization"} 2',
          'clarion_streams_open{feed="inbox"} 1',
        ]);
        for (const stream of streams) stream.close();
        let after = await gauges();
        for (let i = 0; i < 100 && after?.some((line) => !line.endsWith(' 0')); i++) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          after = await gauges();
        }
        assert.deepEqual(after, [
          'clarion_streams_open{feed="organization"} 0',
          'clarion_streams_open{feed="inbox"} 0',
        ]);
      } finally {
        await t.close();
      }
    });

    it('requires the platform key', async () => {
      const t = await startTestClarion(kind, { start: false });
      try {
        const response = await t.clarion.app!.inject({ method: 'GET', url: '/metrics' });
        assert.equal(response.statusCode, 401);
      } finally {
        await t.close();
      }
    });
  });
}
