import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startHttpReceiver } from '../helpers/http-receiver.ts';
import { STORE_KINDS } from '../helpers/stores.ts';
import { startTestClarion } from '../helpers/test-clarion.ts';

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
