import assert from 'node:assert/strict';
import { it } from 'node:test';
import pino from 'pino';
import { createClarion } from '../../src/clarion.ts';
import { loadConfig } from '../../src/config.ts';
import { startHttpReceiver } from '../helpers/http-receiver.ts';
import { freshStoreLocation } from '../helpers/stores.ts';
import { TEST_PLATFORM_KEY } from '../helpers/test-clarion.ts';

const withPostgres = process.env['TEST_DATABASE_URL'] ? {} : { skip: 'needs TEST_DATABASE_URL (run with npm test)' };

it(
  'an API-only and a worker-only process share one PostgreSQL: the worker hears of new deliveries and fan-outs at once (LISTEN/NOTIFY)',
  withPostgres,
  async () => {
    const location = await freshStoreLocation('postgres');
    const receiver = await startHttpReceiver();
    const base = {
      dataDir: location.dataDir,
      databaseUrl: location.databaseUrl,
      platformKey: TEST_PLATFORM_KEY,
      secretKey: 'shared-secret-key-0123456789-0123456789',
      allowPrivateTargets: true,
      host: '127.0.0.1',
      port: 0,
    };
    const logger = pino({ level: 'silent' });
    // An event to more than one hook is a fan-out written by the worker process after the 202.
    const api = await createClarion(loadConfig({}, { ...base, role: 'api', inlineDeliveryLimit: 1 }), { logger });
    // A poll interval of a minute: only a notification can make this worker deliver within seconds.
    const worker = await createClarion(loadConfig({}, { ...base, role: 'worker' }), { logger, pollIntervalMs: 60_000 });
    try {
      assert.equal(api.worker, undefined);
      assert.equal(worker.app, undefined);
      await api.start();
      await worker.start();
      const call = (method: 'GET' | 'POST', url: string, payload?: object) =>
        api.app!.inject({
          method,
          url,
          headers: { authorization: `Bearer ${TEST_PLATFORM_KEY}` },
          ...(payload ? { payload } : {}),
        });
      assert.equal((await call('POST', '/v1/organizations', { id: 'acme', name: 'Acme' })).statusCode, 201);
      const hook = { name: 'ops', kind: 'webhook', url: receiver.url, events: 'all' };
      assert.equal((await call('POST', '/v1/organizations/acme/hooks', hook)).statusCode, 201);
      // Let the worker's first look at the (empty) queue pass, so only a wake-up can start it.
      await new Promise((resolve) => setTimeout(resolve, 300));

      const started = Date.now();
      const event = { id: 'cross-process', type: 'job.fail', organization: 'acme', data: {} };
      assert.equal((await call('POST', '/v1/events', event)).statusCode, 202);
      const [request] = await receiver.waitFor(1, 5000);
      assert.equal(request!.headers['clarion-event-id'], 'cross-process');
      assert.ok(Date.now() - started < 5000);

      // The fan-out's plan is news for the worker process's expander as well.
      const second = { ...hook, name: 'dev', url: `${receiver.url}/dev` };
      assert.equal((await call('POST', '/v1/organizations/acme/hooks', second)).statusCode, 201);
      const fanout = { id: 'cross-process-fanout', type: 'job.fail', organization: 'acme', data: {} };
      assert.equal((await call('POST', '/v1/events', fanout)).statusCode, 202);
      const requests = await receiver.waitFor(3, 5000);
      assert.deepEqual(
        requests
          .slice(1)
          .map((each) => [each.url, each.headers['clarion-event-id']])
          .sort(),
        [
          ['/', 'cross-process-fanout'],
          ['/dev', 'cross-process-fanout'],
        ],
      );
    } finally {
      await api.close();
      await worker.close();
      await receiver.close();
      await location.cleanup();
    }
  },
);
