// Authentication: every API route needs the platform key, the public ones never do, and a key
// generated on first start is stored only as its hash.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { createClarion } from '../../src/clarion.ts';
import { loadConfig } from '../../src/config.ts';
import { freshStoreLocation, STORE_KINDS, type TestStoreLocation } from '../helpers/stores.ts';
import { startTestClarion, type TestClarion } from '../helpers/test-clarion.ts';

/** Paths in the OpenAPI document anyone may call. */
const PUBLIC_PATHS = new Set(['/healthz', '/readyz']);
const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'options', 'head']);

interface Operation {
  readonly method: string;
  /** With every `{param}` replaced by a dummy value. */
  readonly url: string;
}

/** Every path x method of the app's own OpenAPI document, public ones excepted. */
async function protectedOperations(t: TestClarion): Promise<Operation[]> {
  const response = await t.clarion.app!.inject({ method: 'GET', url: '/openapi.json' });
  assert.equal(response.statusCode, 200);
  const paths = response.json().paths as Record<string, Record<string, unknown>>;
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(paths)) {
    if (PUBLIC_PATHS.has(path)) continue;
    for (const [method, operation] of Object.entries(item)) {
      if (!HTTP_METHODS.has(method)) continue;
      // `security: []` marks an operation that needs no credentials (exchanging a login link).
      if (Array.isArray((operation as { security?: unknown }).security)) {
        if ((operation as { security: unknown[] }).security.length === 0) continue;
      }
      operations.push({ method: method.toUpperCase(), url: path.replace(/\{[^}]+\}/g, 'dummy-1') });
    }
  }
  return operations;
}

function withBody(method: string): { payload?: object } {
  return method === 'POST' || method === 'PATCH' || method === 'PUT' ? { payload: {} } : {};
}

for (const kind of STORE_KINDS) {
  describe(`${kind}: the platform key guards every API route`, () => {
    let t: TestClarion;
    let operations: Operation[];

    before(async () => {
      t = await startTestClarion(kind);
      operations = await protectedOperations(t);
    });

    after(async () => {
      await t.close();
    });

    it('lists at least 25 protected operations in the OpenAPI document', () => {
      assert.ok(operations.length >= 25, `only ${operations.length} operations: ${JSON.stringify(operations)}`);
      assert.ok(operations.some((op) => op.method === 'POST' && op.url === '/v1/events'));
    });

    it('answers every protected operation without Authorization with 401 CLARION_ERR_AUTH_MISSING', async () => {
      for (const { method, url } of operations) {
        const response = await t.clarion.app!.inject({ method: method as 'GET', url, ...withBody(method) });
        assert.equal(response.statusCode, 401, `${method} ${url}: ${response.body}`);
        assert.equal(response.json().code, 'CLARION_ERR_AUTH_MISSING', `${method} ${url}`);
      }
    });

    it('answers every protected operation with a wrong key with 401 CLARION_ERR_AUTH_INVALID', async () => {
      for (const { method, url } of operations) {
        const response = await t.clarion.app!.inject({
          method: method as 'GET',
          url,
          headers: { authorization: 'Bearer not-the-platform-key' },
          ...withBody(method),
        });
        assert.equal(response.statusCode, 401, `${method} ${url}: ${response.body}`);
        assert.equal(response.json().code, 'CLARION_ERR_AUTH_INVALID', `${method} ${url}`);
      }
    });

    it('treats an Authorization header that is not a bearer key as missing', async () => {
      for (const authorization of ['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer    ', '']) {
        const response = await t.clarion.app!.inject({
          method: 'GET',
          url: '/v1/organizations',
          headers: { authorization },
        });
        assert.equal(response.statusCode, 401, JSON.stringify(authorization));
        assert.equal(response.json().code, 'CLARION_ERR_AUTH_MISSING', JSON.stringify(authorization));
      }
    });

    it('answers the public routes without credentials', async () => {
      for (const url of ['/healthz', '/readyz', '/openapi.json']) {
        const response = await t.clarion.app!.inject({ method: 'GET', url });
        assert.equal(response.statusCode, 200, `${url}: ${response.body}`);
      }
      const docs = await t.clarion.app!.inject({ method: 'GET', url: '/docs' });
      assert.ok([200, 302].includes(docs.statusCode), `/docs answered ${docs.statusCode}`);
      const page = await t.clarion.app!.inject({ method: 'GET', url: docs.headers.location ?? '/docs/' });
      assert.equal(page.statusCode, 200);
      assert.match(String(page.headers['content-type']), /text\/html/);
    });
  });

  describe(`${kind}: a platform key generated on first start`, () => {
    let location: TestStoreLocation;

    before(async () => {
      location = await freshStoreLocation(kind);
    });

    after(async () => {
      await location.cleanup();
    });

    const open = () =>
      createClarion(
        loadConfig(
          {},
          {
            dataDir: location.dataDir,
            databaseUrl: location.databaseUrl,
            platformKey: undefined,
            secretKey: 'test-secret-key-0123456789-0123456789',
            allowPrivateTargets: true,
            host: '127.0.0.1',
            port: 0,
            shutdownTimeoutMs: 2000,
          },
        ),
        { logger: pino({ level: 'silent' }) },
      );

    it('authenticates, is stored only as its hash, and is neither replaced nor shown on the next start', async () => {
      const first = await open();
      let key: string;
      try {
        assert.ok(first.generatedPlatformKey !== undefined, 'a key is generated on the first start');
        key = first.generatedPlatformKey;
        assert.match(key, /^clk_/);
        const ok = await first.app!.inject({
          method: 'GET',
          url: '/v1/organizations',
          headers: { authorization: `Bearer ${key}` },
        });
        assert.equal(ok.statusCode, 200, ok.body);
        const wrong = await first.app!.inject({
          method: 'GET',
          url: '/v1/organizations',
          headers: { authorization: `Bearer ${key}x` },
        });
        assert.equal(wrong.statusCode, 401);

        const settings = await first.store.db.selectFrom('settings').selectAll().execute();
        const hash = createHash('sha256').update(key).digest();
        for (const { key: name, value } of settings) {
          assert.ok(!value.includes(key), `setting ${name} holds the key itself`);
          assert.ok(!value.includes(key.slice(4)), `setting ${name} holds the key's secret part`);
        }
        assert.ok(
          settings.some(({ value }) => value === hash.toString('base64') || value === hash.toString('hex')),
          `no setting holds the key's SHA-256 hash: ${JSON.stringify(settings.map((row) => row.key))}`,
        );
      } finally {
        await first.close();
      }

      const second = await open();
      try {
        assert.equal(second.generatedPlatformKey, undefined, 'a second start generates nothing');
        const ok = await second.app!.inject({
          method: 'GET',
          url: '/v1/organizations',
          headers: { authorization: `Bearer ${key}` },
        });
        assert.equal(ok.statusCode, 200, ok.body);
      } finally {
        await second.close();
      }
    });
  });
}
