import assert from 'node:assert/strict';
import { it } from 'node:test';
import pg from 'pg';
import { FakeClock } from '../../src/clock.ts';
import { startHttpReceiver } from '../helpers/http-receiver.ts';
import { startTestClarion } from '../helpers/test-clarion.ts';

const withPostgres = process.env['TEST_DATABASE_URL'] ? {} : { skip: 'needs TEST_DATABASE_URL (run with npm test)' };

it(
  'keeps renewing the lease of a sent delivery until its outcome is written, so a slow write never causes a second send',
  withPostgres,
  async () => {
    const clock = new FakeClock();
    const receiver = await startHttpReceiver();
    // Lease = 2 x 1 s, renewed every 667 ms of the fake clock.
    const t = await startTestClarion('postgres', { config: { sendTimeoutMs: 1000 }, deps: { clock } });
    const blocker = new pg.Client({ connectionString: t.location.databaseUrl });
    await blocker.connect();
    try {
      assert.equal((await t.json('POST', '/v1/organizations', { id: 'acme', name: 'Acme' })).status, 201);
      const hook = { name: 'ops', kind: 'webhook', url: receiver.url, events: 'all' };
      assert.equal((await t.json('POST', '/v1/organizations/acme/hooks', hook)).status, 201);

      // Outcomes cannot be written while this lock is held.
      await blocker.query('begin');
      await blocker.query('lock table attempts in exclusive mode');
      await t.json('POST', '/v1/events', { id: 'slow-write', type: 'job.fail', organization: 'acme', data: {} });
      await receiver.waitFor(1);

      // Ten seconds pass on the clock: five lease lengths. The worker keeps looking for expired leases.
      for (let step = 0; step < 20; step++) {
        clock.advance(500);
        t.clarion.worker!.wake();
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await blocker.query('rollback');

      const deadline = Date.now() + 5000;
      let status = '';
      while (Date.now() < deadline && status !== 'sent') {
        const page = await t.json('GET', '/v1/deliveries?event=slow-write&channel=webhook');
        status = page.body.data[0]?.status ?? '';
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(status, 'sent');
      assert.equal(receiver.requests.length, 1, 'the delivery was sent again while its outcome was being written');
    } finally {
      await blocker.end();
      await t.close();
      await receiver.close();
    }
  },
);
