// The push target API: members register, list (redacted) and remove their iOS devices and Web
// Push subscriptions; bad input gets a 4xx with a stable code that never quotes the secret; the
// VAPID pair is generated once and shared by every process on the store; APNs settings are all
// or nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { createClarion } from '../../src/clarion.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { STORE_KINDS } from '../helpers/stores.ts';
import { startTestClarion, TEST_PLATFORM_KEY, type TestClarion } from '../helpers/test-clarion.ts';

const TOKEN = 'c3'.repeat(32);
const P256DH = 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM';
const AUTH = 'tBHItJI5svbpez7KI4CCXg';
const ENDPOINT = 'https://127.0.0.1:9/push/secret-capability-0123456789';

for (const kind of STORE_KINDS) {
  describe(`${kind}: push target API`, () => {
    let t: TestClarion;
    let olga: string;
    let dev: string;

    before(async () => {
      t = await startTestClarion(kind, { config: { role: 'api' } });
      await t.json('POST', '/v1/organizations', { id: 'acme', name: 'Acme' });
      for (const [user, role] of [
        ['olga', 'owner'],
        ['dev', 'developer'],
      ]) {
        await t.json('POST', '/v1/organizations/acme/members', { user_id: user, email: `${user}@acme.test`, role });
      }
      olga = (await t.json('POST', '/v1/users/olga/tokens', { name: 'phone' })).body.token;
      dev = (await t.json('POST', '/v1/users/dev/tokens', { name: 'phone' })).body.token;
    });
    after(() => t.close());

    const as = async (token: string, method: string, url: string, body?: unknown) => {
      const response = await t.clarion.app!.inject({
        method: method as 'GET',
        url,
        headers: { authorization: `Bearer ${token}` },
        ...(body === undefined ? {} : { payload: body as object }),
      });
      return {
        status: response.statusCode,
        raw: response.body,
        body: response.body === '' ? undefined : response.json(),
      };
    };

    it('a member registers an iOS device as "me"; registering it again answers the same device', async () => {
      const first = await as(olga, 'POST', '/v1/users/me/ios-devices', { token: TOKEN.toUpperCase(), name: 'iPhone' });
      assert.equal(first.status, 201, first.raw);
      assert.equal(first.body.user_id, 'olga');
      assert.equal(first.body.name, 'iPhone');
      const again = await as(olga, 'POST', '/v1/users/me/ios-devices', { token: TOKEN, name: 'iPhone' });
      assert.equal(again.status, 200);
      assert.equal(again.body.id, first.body.id);
      const list = await as(olga, 'GET', '/v1/users/me/ios-devices');
      assert.deepEqual(
        list.body.data.map((device: { id: string }) => device.id),
        [first.body.id],
      );
      for (const answer of [first, again, list]) assert.ok(!answer.raw.toLowerCase().includes(TOKEN), 'token shown');
    });

    it('a member cannot register or list devices for someone else', async () => {
      const refused = await as(dev, 'POST', '/v1/users/olga/ios-devices', { token: TOKEN });
      assert.equal(refused.status, 403);
      assert.equal(refused.body.code, 'CLARION_ERR_FORBIDDEN_OTHER_MEMBER');
      assert.equal((await as(dev, 'GET', '/v1/users/olga/ios-devices')).status, 403);
      assert.deepEqual((await as(dev, 'GET', '/v1/users/me/ios-devices')).body.data, []);
    });

    it('refuses a device token that is not 64 or more hex digits, without quoting it', async () => {
      for (const [token, reason] of [
        ['zz'.repeat(32), /not hexadecimal/],
        ['ab'.repeat(20), /40 hex digits/],
      ] as const) {
        const answer = await as(olga, 'POST', '/v1/users/me/ios-devices', { token });
        assert.equal(answer.status, 422, answer.raw);
        assert.equal(answer.body.code, 'CLARION_ERR_PUSH_INVALID_DEVICE_TOKEN');
        assert.match(answer.body.message, reason);
        assert.ok(!answer.raw.includes(token));
      }
      assert.equal((await as(olga, 'POST', '/v1/users/me/ios-devices', {})).status, 400);
    });

    it('removes a device once; removing it again is 404', async () => {
      const device = await as(olga, 'POST', '/v1/users/me/ios-devices', { token: 'd4'.repeat(32) });
      assert.equal((await as(olga, 'DELETE', `/v1/users/me/ios-devices/${device.body.id}`)).status, 204);
      const again = await as(olga, 'DELETE', `/v1/users/me/ios-devices/${device.body.id}`);
      assert.equal(again.status, 404);
      assert.equal(again.body.code, 'CLARION_ERR_PUSH_DEVICE_NOT_FOUND');
    });

    it('a device registered again by another member moves to them', async () => {
      const token = 'e5'.repeat(32);
      const mine = await as(olga, 'POST', '/v1/users/me/ios-devices', { token });
      const theirs = await as(dev, 'POST', '/v1/users/me/ios-devices', { token });
      assert.equal(theirs.body.id, mine.body.id);
      assert.equal(theirs.body.user_id, 'dev');
      const olgas = await as(olga, 'GET', '/v1/users/me/ios-devices');
      assert.ok(!olgas.body.data.some((device: { id: string }) => device.id === mine.body.id));
    });

    it('registers a Web Push subscription (PushSubscription.toJSON()) idempotently and lists only its push service', async () => {
      const subscription = { endpoint: ENDPOINT, expirationTime: null, keys: { p256dh: P256DH, auth: AUTH } };
      const first = await as(olga, 'POST', '/v1/users/me/web-push-subscriptions', subscription);
      assert.equal(first.status, 201, first.raw);
      assert.equal(first.body.push_service, 'https://127.0.0.1:9');
      const again = await as(olga, 'POST', '/v1/users/me/web-push-subscriptions', subscription);
      assert.equal(again.status, 200);
      assert.equal(again.body.id, first.body.id);
      const list = await as(olga, 'GET', '/v1/users/me/web-push-subscriptions');
      assert.equal(list.body.data.length, 1);
      for (const answer of [first, again, list]) {
        assert.ok(!answer.raw.includes('secret-capability'), 'endpoint path shown');
        assert.ok(!answer.raw.includes(AUTH) && !answer.raw.includes(P256DH), 'keys shown');
      }
      assert.equal((await as(olga, 'DELETE', `/v1/users/me/web-push-subscriptions/${first.body.id}`)).status, 204);
      const gone = await as(olga, 'DELETE', `/v1/users/me/web-push-subscriptions/${first.body.id}`);
      assert.equal(gone.body.code, 'CLARION_ERR_PUSH_SUBSCRIPTION_NOT_FOUND');
    });

    it('refuses an endpoint that is not https, or keys that are not a P-256 key and a 16-byte secret', async () => {
      const cases = [
        [
          { endpoint: 'http://127.0.0.1:9/push/secret-capability-x', keys: { p256dh: P256DH, auth: AUTH } },
          'CLARION_ERR_PUSH_INVALID_ENDPOINT',
        ],
        [
          { endpoint: 'not a url secret-capability', keys: { p256dh: P256DH, auth: AUTH } },
          'CLARION_ERR_PUSH_INVALID_ENDPOINT',
        ],
        [{ endpoint: ENDPOINT, keys: { p256dh: AUTH, auth: AUTH } }, 'CLARION_ERR_PUSH_INVALID_KEYS'],
        [{ endpoint: ENDPOINT, keys: { p256dh: P256DH, auth: P256DH } }, 'CLARION_ERR_PUSH_INVALID_KEYS'],
      ] as const;
      for (const [body, code] of cases) {
        const answer = await as(olga, 'POST', '/v1/users/me/web-push-subscriptions', body);
        assert.equal(answer.status, 422, answer.raw);
        assert.equal(answer.body.code, code);
        assert.ok(!answer.raw.includes('secret-capability'), answer.raw);
      }
      assert.equal((await as(olga, 'POST', '/v1/users/me/web-push-subscriptions', { endpoint: ENDPOINT })).status, 400);
    });

    it('any caller reads the VAPID public key: an uncompressed P-256 point', async () => {
      const answer = await as(dev, 'GET', '/v1/web-push/vapid-public-key');
      assert.equal(answer.status, 200);
      const key = Buffer.from(answer.body.public_key, 'base64url');
      assert.equal(key.length, 65);
      assert.equal(key[0], 0x04);
    });
  });
}

describe('VAPID keys and APNs settings', () => {
  it('refuses a Web Push endpoint on a private address unless private targets are allowed', async () => {
    const t = await startTestClarion('sqlite', { config: { role: 'api', allowPrivateTargets: false } });
    try {
      await t.json('POST', '/v1/organizations', { id: 'acme', name: 'Acme' });
      await t.json('POST', '/v1/organizations/acme/members', {
        user_id: 'olga',
        email: 'olga@acme.test',
        role: 'owner',
      });
      const answer = await t.json('POST', '/v1/users/olga/web-push-subscriptions', {
        endpoint: ENDPOINT,
        keys: { p256dh: P256DH, auth: AUTH },
      });
      assert.equal(answer.status, 422);
      assert.equal(answer.body.code, 'CLARION_ERR_PUSH_FORBIDDEN_ENDPOINT');
      assert.ok(!JSON.stringify(answer.body).includes('secret-capability'));
    } finally {
      await t.close();
    }
  });

  it('generates the VAPID pair on first start and every later process on the store reads the same one', async () => {
    const first = await startTestClarion('sqlite', { config: { role: 'api' } });
    try {
      const key = (await first.json('GET', '/v1/web-push/vapid-public-key')).body.public_key;
      const config = loadConfig(
        {},
        {
          dataDir: first.location.dataDir,
          databaseUrl: first.location.databaseUrl,
          platformKey: TEST_PLATFORM_KEY,
          secretKey: 'test-secret-key-0123456789-0123456789',
          role: 'api',
        },
      );
      const second = await createClarion(config, { logger: pino({ level: 'silent' }) });
      try {
        const answer = await second.app!.inject({
          url: '/v1/web-push/vapid-public-key',
          headers: { authorization: `Bearer ${TEST_PLATFORM_KEY}` },
        });
        assert.equal(answer.json().public_key, key);
        const stored = await second.store.settings.get('vapid_keys');
        assert.match(stored!, /"privateKey":"enc:v1:/, 'the private key is sealed');
      } finally {
        await second.close();
      }
    } finally {
      await first.close();
    }
  });

  it('takes configured VAPID keys instead of generating a pair', () => {
    const config = loadConfig({
      CLARION_VAPID_PUBLIC_KEY: P256DH,
      CLARION_VAPID_PRIVATE_KEY: Buffer.alloc(32, 1).toString('base64url'),
      CLARION_VAPID_SUBJECT: 'mailto:ops@example.com',
    });
    assert.equal(config.vapid?.publicKey, P256DH);
    assert.equal(config.vapidSubject, 'mailto:ops@example.com');
    assert.throws(() => loadConfig({ CLARION_VAPID_PUBLIC_KEY: P256DH }), ConfigError);
  });

  it('takes APNs settings all together or not at all, and maps production and sandbox to their hosts', () => {
    const base = {
      CLARION_APNS_KEY: '-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----',
      CLARION_APNS_KEY_ID: 'ABC123DEFG',
      CLARION_APNS_TEAM_ID: 'DEF123GHIJ',
      CLARION_APNS_TOPIC: 'com.example.app',
    };
    assert.equal(loadConfig({}).apns, undefined);
    assert.equal(loadConfig(base).apns?.url, 'https://api.push.apple.com');
    assert.equal(loadConfig({ ...base, CLARION_APNS_HOST: 'sandbox' }).apns?.url, 'https://api.sandbox.push.apple.com');
    assert.throws(() => loadConfig({ ...base, CLARION_APNS_TOPIC: '' }), /set them all or none/);
    assert.throws(() => loadConfig({ ...base, CLARION_APNS_HOST: 'http://127.0.0.1:1' }), /CLARION_APNS_HOST/);
  });
});
