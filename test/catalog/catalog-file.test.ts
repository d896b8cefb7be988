import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import pino from 'pino';
import { createClarion, type Clarion } from '../../src/clarion.ts';
import { ConfigError, loadConfig, type Config } from '../../src/config.ts';
import { freshStoreLocation, STORE_KINDS, type TestStoreLocation } from '../helpers/stores.ts';
import { TEST_PLATFORM_KEY } from '../helpers/test-clarion.ts';

const CATALOG = {
  groups: [
    { name: 'database', description: 'Managed databases' },
    { name: 'deployment', description: 'Deployments of every kind' },
  ],
  event_types: [
    // Listed before its partner: pairs are set once every type of the file exists.
    {
      name: 'database.failover.done',
      description: 'Database failed over',
      scopes: ['application'],
      groups: ['database'],
      paired_with: 'database.failover.started',
      severity: 'ok',
    },
    {
      name: 'database.failover.started',
      description: 'Database failover started',
      scopes: ['application'],
      groups: ['database'],
      default_channels: { email: false, browser: true },
      severity: 'warning',
    },
    {
      name: 'stack.deploy.started',
      description: 'Application deployment started',
      scopes: ['application'],
      groups: ['deployment'],
      default_channels: { browser: true },
    },
  ],
};

function configFor(location: TestStoreLocation, catalogFile: string | undefined): Config {
  return loadConfig(
    {},
    {
      dataDir: location.dataDir,
      databaseUrl: location.databaseUrl,
      platformKey: TEST_PLATFORM_KEY,
      secretKey: 'test-secret-key-0123456789-0123456789',
      host: '127.0.0.1',
      port: 0,
      catalogFile,
    },
  );
}

function writeFile(location: TestStoreLocation, name: string, content: unknown): string {
  const file = path.join(location.dataDir, name);
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

async function get(clarion: Clarion, url: string) {
  const response = await clarion.app!.inject({ url, headers: { authorization: `Bearer ${TEST_PLATFORM_KEY}` } });
  return { status: response.statusCode, body: response.json() };
}

const logger = pino({ level: 'silent' });

it('CLARION_CATALOG_FILE is read into catalogFile as an absolute path', () => {
  assert.equal(loadConfig({ CLARION_CATALOG_FILE: 'catalog.json' }).catalogFile, path.resolve('catalog.json'));
  assert.equal(loadConfig({}).catalogFile, undefined);
});

for (const kind of STORE_KINDS) {
  describe(`${kind}: the catalog file`, () => {
    it('is applied at start; an entry later left out of the file stays in the catalog', async () => {
      const location = await freshStoreLocation(kind);
      try {
        const file = writeFile(location, 'catalog.json', CATALOG);
        const first = await createClarion(configFor(location, file), { logger });
        try {
          const done = await get(first, '/v1/event-types/database.failover.done');
          assert.equal(done.status, 200);
          assert.equal(done.body.paired_with, 'database.failover.started');
          assert.deepEqual(done.body.default_channels, { email: true, browser: false, ios: false });
          const started = await get(first, '/v1/event-types/database.failover.started');
          assert.equal(started.body.paired_with, 'database.failover.done');
          assert.deepEqual(started.body.default_channels, { email: false, browser: true, ios: false });
          const builtin = await get(first, '/v1/event-types/stack.deploy.started');
          assert.equal(builtin.body.builtin, true);
          // Fields the file leaves out keep the built-in values (e-mail off for this type).
          assert.deepEqual(builtin.body.default_channels, { email: false, browser: true, ios: false });
          assert.equal(builtin.body.severity, 'info');
          const groups = await get(first, '/v1/event-groups');
          assert.ok(groups.body.data.some((g: { name: string }) => g.name === 'database'));
          assert.ok(
            groups.body.data.some((g: { description: string }) => g.description === 'Deployments of every kind'),
          );
        } finally {
          await first.close();
        }

        // Removing an entry from the file deletes nothing: deletion is an explicit API call.
        const shorter = writeFile(location, 'catalog.json', { groups: CATALOG.groups, event_types: [] });
        const second = await createClarion(configFor(location, shorter), { logger });
        try {
          assert.equal((await get(second, '/v1/event-types/database.failover.done')).status, 200);
        } finally {
          await second.close();
        }
      } finally {
        await location.cleanup();
      }
    });

    for (const [problem, content, expected] of [
      ['is not JSON', '{ "groups": [', /is not valid JSON/],
      [
        'has a scope that does not exist',
        { event_types: [{ ...CATALOG.event_types[2], scopes: ['addon'] }] },
        /is not a valid catalog: \/event_types\/0\/scopes\/0/,
      ],
      ['has an unknown key', { types: [] }, /is not a valid catalog: .*additional properties/],
      [
        'names a type twice',
        { event_types: [CATALOG.event_types[2], CATALOG.event_types[2]] },
        /lists "stack.deploy.started" twice/,
      ],
      [
        'names a group that exists nowhere',
        { event_types: [{ ...CATALOG.event_types[2], groups: ['nope'] }] },
        /event type "stack.deploy.started": .*names group "nope"/,
      ],
    ] as const) {
      it(`stops the start, naming the file, when the file ${problem}`, async () => {
        const location = await freshStoreLocation(kind);
        try {
          const file = writeFile(location, 'bad-catalog.json', content);
          await assert.rejects(createClarion(configFor(location, file), { logger }), (error: unknown) => {
            assert.ok(error instanceof ConfigError, String(error));
            assert.ok(error.message.includes(file), error.message);
            assert.match(error.message, expected);
            return true;
          });
        } finally {
          await location.cleanup();
        }
      });
    }

    it('stops the start when the file does not exist', async () => {
      const location = await freshStoreLocation(kind);
      try {
        const file = path.join(location.dataDir, 'missing.json');
        await assert.rejects(createClarion(configFor(location, file), { logger }), /missing\.json cannot be read/);
      } finally {
        await location.cleanup();
      }
    });
  });
}
