import assert from 'node:assert/strict';
import { it } from 'node:test';
import pino from 'pino';
import { createClarion, type Clarion } from '../../src/clarion.ts';
import { FakeClock } from '../../src/clock.ts';
import { CATALOG_REFRESH_INTERVAL_MS } from '../../src/catalog/catalog-sync.ts';
import { loadConfig } from '../../src/config.ts';
import { freshStoreLocation } from '../helpers/stores.ts';
import { TEST_PLATFORM_KEY } from '../helpers/test-clarion.ts';

const withPostgres = process.env['TEST_DATABASE_URL'] ? {} : { skip: 'needs TEST_DATABASE_URL (run with npm test)' };

function call(clarion: Clarion, method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, payload?: object) {
  return clarion.app!.inject({
    method,
    url,
    headers: { authorization: `Bearer ${TEST_PLATFORM_KEY}` },
    ...(payload ? { payload } : {}),
  });
}

it(
  'two processes on one PostgreSQL: a type added through one is accepted by the other after its refresh',
  withPostgres,
  async () => {
    const location = await freshStoreLocation('postgres');
    const config = loadConfig(
      {},
      {
        dataDir: location.dataDir,
        databaseUrl: location.databaseUrl,
        platformKey: TEST_PLATFORM_KEY,
        secretKey: 'shared-secret-key-0123456789-0123456789',
        host: '127.0.0.1',
        port: 0,
      },
    );
    const logger = pino({ level: 'silent' });
    const clockA = new FakeClock();
    const clockB = new FakeClock();
    const a = await createClarion(config, { logger, clock: clockA });
    const b = await createClarion(config, { logger, clock: clockB });
    try {
      await a.start();
      await b.start();
      assert.equal((await call(a, 'POST', '/v1/organizations', { id: 'acme', name: 'Acme' })).statusCode, 201);
      const event = { type: 'cluster.node.lost', organization: 'acme', data: {} };

      assert.equal((await call(a, 'PUT', '/v1/event-groups/cluster', { description: 'Clusters' })).statusCode, 201);
      const type = { description: 'A cluster node was lost', scopes: ['account'], groups: ['cluster'] };
      assert.equal((await call(a, 'PUT', '/v1/event-types/cluster.node.lost', type)).statusCode, 201);
      // The process that made the change has it at once; the other one until its next check does not.
      assert.equal((await call(a, 'POST', '/v1/events', event)).statusCode, 202);
      const before = await call(b, 'POST', '/v1/events', event);
      assert.equal(before.statusCode, 422);
      assert.equal(before.json().code, 'CLARION_ERR_EVENT_UNKNOWN_TYPE');

      clockB.advance(CATALOG_REFRESH_INTERVAL_MS);
      await b.catalogSync.settled();
      assert.equal((await call(b, 'POST', '/v1/events', event)).statusCode, 202);
      assert.equal((await call(b, 'GET', '/v1/event-types/cluster.node.lost')).json().groups[0], 'cluster');

      // A removal reaches the other process the same way.
      assert.equal((await call(a, 'PUT', '/v1/event-types/cluster.node.spare', type)).statusCode, 201);
      clockB.advance(CATALOG_REFRESH_INTERVAL_MS);
      await b.catalogSync.settled();
      assert.equal((await call(b, 'GET', '/v1/event-types/cluster.node.spare')).statusCode, 200);
      assert.equal((await call(a, 'DELETE', '/v1/event-types/cluster.node.spare')).statusCode, 204);
      clockB.advance(CATALOG_REFRESH_INTERVAL_MS);
      await b.catalogSync.settled();
      assert.equal((await call(b, 'GET', '/v1/event-types/cluster.node.spare')).statusCode, 404);
    } finally {
      await a.close();
      await b.close();
      await location.cleanup();
    }
  },
);
