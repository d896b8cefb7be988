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
  'an API-only and a worker-only process share one PostgreSQL: the worker hears of new deliveries at once (LISTEN/NOTIFY)',
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
    const api = await createClarion(loadConfig({}, { ...base, role: 'api' }), { logger });
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
    } finally {
      await api.close();
      await worker.close();
      await receiver.close();
      await location.cleanup();
    }
  },
);
