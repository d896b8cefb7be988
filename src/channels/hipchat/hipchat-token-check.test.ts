// Saving a Hipchat hook asks its server whether the token works (v2: auth_test=true; v1: rooms/show),
// so a wrong token, room or server shows at once, with a code and words that say what to fix.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { startHipchatReceiver, type HipchatReceiver } from '../../../test/helpers/hipchat-receiver.ts';
import { startTestClarion, type TestClarion } from '../../../test/helpers/test-clarion.ts';

const HOOKS = '/v1/organizations/acme/hooks';
const GOOD = 'goodTokenSecret0123456789';
const BAD = 'badTokenSecret9876543210';

describe('the Hipchat token check when a hook is saved', () => {
  let t: TestClarion;
  let hipchat: HipchatReceiver;
  const logs: string[] = [];
  const hook = (version: 1 | 2, overrides: Record<string, unknown> = {}) => ({
    name: `Hipchat v${version}`,
    kind: 'hipchat',
    server_url: hipchat.url,
    api_version: version,
    token: GOOD,
    room: 'Ops',
    events: 'all',
    ...overrides,
  });

  before(async () => {
    hipchat = await startHipchatReceiver();
    hipchat.tokens.add(GOOD);
    hipchat.rooms.set('Ops', { id: 7, name: 'Ops' });
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(chunk.toString('utf8'));
        done();
      },
    });
    t = await startTestClarion('sqlite', { deps: { logger: pino({ level: 'trace' }, stream) } });
    assert.equal((await t.json('POST', '/v1/organizations', { id: 'acme', name: 'Acme' })).status, 201);
  });
  after(async () => {
    await t.close();
    await hipchat.close();
  });

  it('v2 checks the token with auth_test=true and a Bearer token, posting nothing', async () => {
    const created = await t.json('POST', HOOKS, hook(2));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const check = hipchat.receiver.requests.at(-1)!;
    assert.equal(check.url, '/v2/room/Ops/notification?auth_test=true');
    assert.equal(check.headers['authorization'], `Bearer ${GOOD}`);
    assert.equal(hipchat.posted.length, 0);
  });

  it('v1 checks the token and the room with rooms/show', async () => {
    const created = await t.json('POST', HOOKS, hook(1));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.match(hipchat.receiver.requests.at(-1)!.url, /^\/v1\/rooms\/show\?/);
  });

  for (const version of [1, 2] as const) {
    it(`v${version}: a refused token is CLARION_ERR_HOOK_TOKEN_REJECTED (422), the hook is not saved, and the token is not quoted`, async () => {
      const before = (await t.json('GET', HOOKS)).body.data.length;
      const refused = await t.json('POST', HOOKS, hook(version, { token: BAD }));
      assert.equal(refused.status, 422, JSON.stringify(refused.body));
      assert.equal(refused.body.code, 'CLARION_ERR_HOOK_TOKEN_REJECTED');
      assert.match(refused.body.message, /refused the token/);
      assert.ok(!JSON.stringify(refused.body).includes(BAD));
      assert.equal((await t.json('GET', HOOKS)).body.data.length, before);
    });
  }

  it('v1: an unknown room is refused with what to set', async () => {
    const refused = await t.json('POST', HOOKS, hook(1, { room: 'Nowhere' }));
    assert.equal(refused.status, 422);
    assert.equal(refused.body.code, 'CLARION_ERR_HOOK_TOKEN_REJECTED');
    assert.match(refused.body.message, /Set "room"/);
  });

  it('an unreachable server is CLARION_ERR_HOOK_SERVER_UNREACHABLE (424), naming only its origin', async () => {
    const refused = await t.json('POST', HOOKS, hook(2, { server_url: 'http://127.0.0.1:9' }));
    assert.equal(refused.status, 424, JSON.stringify(refused.body));
    assert.equal(refused.body.code, 'CLARION_ERR_HOOK_SERVER_UNREACHABLE');
    assert.match(refused.body.message, /connection refused by Hipchat at http:\/\/127\.0\.0\.1:9/);
    assert.match(refused.body.message, /server_url/);
    assert.ok(!JSON.stringify(refused.body).includes(GOOD));
  });

  it('a server that is not a Hipchat API is CLARION_ERR_HOOK_SERVER_UNREACHABLE too', async () => {
    const refused = await t.json('POST', HOOKS, hook(2, { server_url: `${hipchat.url}/not-hipchat` }));
    assert.equal(refused.status, 424, JSON.stringify(refused.body));
    assert.match(refused.body.message, /answered 404/);
  });

  it('PATCH checks a changed token, and leaves the hook as it was when refused', async () => {
    const created = await t.json('POST', HOOKS, hook(2, { name: 'Patched' }));
    assert.equal(created.status, 201);
    const refused = await t.json('PATCH', `${HOOKS}/${created.body.id}`, { token: BAD });
    assert.equal(refused.status, 422);
    assert.equal(refused.body.code, 'CLARION_ERR_HOOK_TOKEN_REJECTED');
    const requests = hipchat.receiver.requests.length;
    const renamed = await t.json('PATCH', `${HOOKS}/${created.body.id}`, { name: 'Renamed' });
    assert.equal(renamed.status, 200);
    assert.equal(hipchat.receiver.requests.length, requests, 'a change of name does not call the server');
    // The stored token is still the good one: a change of room alone is checked with it and passes.
    const moved = await t.json('PATCH', `${HOOKS}/${created.body.id}`, { room: 'Ops' });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.equal(hipchat.receiver.requests.at(-1)!.headers['authorization'], `Bearer ${GOOD}`);
  });

  it('writes no token, good or refused, to the logs', () => {
    assert.ok(logs.length > 0, 'the logger captured nothing');
    const all = logs.join('');
    assert.ok(!all.includes(GOOD), 'the good token is in the logs');
    assert.ok(!all.includes(BAD), 'the refused token is in the logs');
  });
});
