import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startHttpReceiver } from '../helpers/http-receiver.ts';
import { STORE_KINDS } from '../helpers/stores.ts';
import { startTestClarion, type TestClarion } from '../helpers/test-clarion.ts';

for (const kind of STORE_KINDS) {
  describe(`${kind}: stopping the workers (SIGTERM)`, () => {
    it('lets in-flight sends finish within the deadline and records their outcome', async () => {
      const receiver = await startHttpReceiver(() => ({ status: 200, delayMs: 300 }));
      const t = await startTestClarion(kind);
      try {
        await setUp(t, receiver.url);
        await t.json('POST', '/v1/events', { id: 'e1', type: 'job.fail', organization: 'acme', data: {} });
        await receiver.waitFor(1);
        await t.clarion.worker!.stop(5000);
        const rows = await t.clarion.store.db
          .selectFrom('deliveries')
          .select('status')
          .where('channel', '=', 'webhook')
          .execute();
        assert.deepEqual(
          rows.map((row) => row.status),
          ['sent'],
        );
      } finally {
        await t.close();
        await receiver.close();
      }
    });

    it('aborts sends still running at the deadline and puts them back in the queue', async () => {
      const receiver = await startHttpReceiver(() => ({ status: 200, delayMs: 5000 }));
      const t = await startTestClarion(kind);
      try {
        await setUp(t, receiver.url);
        await t.json('POST', '/v1/events', { id: 'e2', type: 'job.fail', organization: 'acme', data: {} });
        await receiver.waitFor(1);
        const started = Date.now();
        await t.clarion.worker!.stop(200);
        assert.ok(Date.now() - started < 3000, 'stop waited for the slow receiver');
        const [row] = await t.clarion.store.db
          .selectFrom('deliveries')
          .select(['status', 'attempts', 'lease_owner'])
          .where('channel', '=', 'webhook')
          .execute();
        assert.deepEqual(row, { status: 'pending', attempts: 1, lease_owner: null });
      } finally {
        await t.close();
        await receiver.close();
      }
    });
  });
}

async function setUp(t: TestClarion, url: string): Promise<void> {
  assert.equal((await t.json('POST', '/v1/organizations', { id: 'acme', name: 'Acme' })).status, 201);
  const hook = await t.json('POST', '/v1/organizations/acme/hooks', {
    name: 'ops',
    kind: 'webhook',
    url,
    events: 'all',
  });
  assert.equal(hook.status, 201);
}
