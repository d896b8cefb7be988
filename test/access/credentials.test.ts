// Members' credentials: personal tokens, one-time login links and the sessions they open.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../../src/clock.ts';
import { STORE_KINDS } from '../helpers/stores.ts';
import { startTestClarion, type TestClarion } from '../helpers/test-clarion.ts';

for (const kind of STORE_KINDS) {
  describe(`${kind}: member credentials`, () => {
    let t: TestClarion;
    const clock = new FakeClock();

    before(async () => {
      t = await startTestClarion(kind, { config: { role: 'api' }, deps: { clock } });
      await t.json('POST', '/v1/organizations', { id: 'acme', name: 'Acme' });
      await t.json('POST', '/v1/organizations/acme/members', {
        user_id: 'olga',
        email: 'olga@acme.test',
        role: 'owner',
      });
    });
    after(() => t.close());

    const asMember = (headers: Record<string, string>, method: string, url: string, payload?: object) =>
      t.clarion.app!.inject({ method: method as 'GET', url, headers, ...(payload ? { payload } : {}) });

    it('a personal token is shown once, stored as a hash, authenticates its member, and stops working once revoked', async () => {
      const minted = await t.json('POST', '/v1/users/olga/tokens', { name: 'laptop' });
      assert.equal(minted.status, 201);
      assert.match(minted.body.token, /^clu_/);
      const stored = await t.clarion.store.db.selectFrom('user_tokens').selectAll().execute();
      assert.ok(stored.every((row) => row.token_hash !== minted.body.token && !row.token_hash.includes('clu_')));

      const auth = { authorization: `Bearer ${minted.body.token}` };
      const me = await asMember(auth, 'GET', '/v1/me');
      assert.equal(me.statusCode, 200);
      assert.deepEqual(me.json().organizations, [{ id: 'acme', name: 'Acme', role: 'owner' }]);
      const listed = await asMember(auth, 'GET', '/v1/users/me/tokens');
      assert.deepEqual(
        listed.json().data.map((token: { name: string }) => token.name),
        ['laptop'],
      );
      assert.equal(listed.json().data[0].token, undefined);

      assert.equal((await asMember(auth, 'DELETE', `/v1/users/me/tokens/${minted.body.id}`)).statusCode, 204);
      const after = await asMember(auth, 'GET', '/v1/me');
      assert.equal(after.statusCode, 401);
      assert.equal(after.json().code, 'CLARION_ERR_AUTH_INVALID');
    });

    it('a login link opens one session (an HttpOnly cookie) and cannot be used twice', async () => {
      const link = await t.json('POST', '/v1/users/olga/login-links');
      assert.equal(link.status, 201);
      assert.match(link.body.url, /\/login\?token=cll_/);
      const opened = await t.clarion.app!.inject({
        method: 'POST',
        url: '/v1/sessions',
        payload: { token: link.body.token },
      });
      assert.equal(opened.statusCode, 201);
      const cookie = opened.cookies.find((c) => c.name === 'clarion_session');
      assert.ok(cookie?.httpOnly);
      assert.equal(cookie?.sameSite, 'Lax');
      // A week, as a length: a browser with a wrong clock keeps it as long.
      assert.equal(cookie?.maxAge, 7 * 24 * 60 * 60);

      const me = await asMember({ cookie: `clarion_session=${cookie.value}` }, 'GET', '/v1/me');
      assert.equal(me.statusCode, 200);
      assert.equal(me.json().user_id, 'olga');

      const again = await t.clarion.app!.inject({
        method: 'POST',
        url: '/v1/sessions',
        payload: { token: link.body.token },
      });
      assert.equal(again.statusCode, 401);
      assert.equal(again.json().code, 'CLARION_ERR_LOGIN_LINK_INVALID');

      assert.equal(
        (await asMember({ cookie: `clarion_session=${cookie.value}` }, 'DELETE', '/v1/sessions/current')).statusCode,
        204,
      );
      const ended = await asMember({ cookie: `clarion_session=${cookie.value}` }, 'GET', '/v1/me');
      assert.equal(ended.json().code, 'CLARION_ERR_SESSION_INVALID');
    });

    it('a login link expires after 15 minutes', async () => {
      const link = await t.json('POST', '/v1/users/olga/login-links');
      clock.advance(15 * 60 * 1000 + 1);
      const late = await t.clarion.app!.inject({
        method: 'POST',
        url: '/v1/sessions',
        payload: { token: link.body.token },
      });
      assert.equal(late.statusCode, 401);
      assert.equal(late.json().code, 'CLARION_ERR_LOGIN_LINK_INVALID');
    });

    it('credentials are minted only for users that exist, and only by the platform', async () => {
      const unknown = await t.json('POST', '/v1/users/nobody/login-links');
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.code, 'CLARION_ERR_USER_NOT_FOUND');
      const token = (await t.json('POST', '/v1/users/olga/tokens', { name: 'cli' })).body.token;
      const denied = await asMember({ authorization: `Bearer ${token}` }, 'POST', '/v1/users/olga/tokens', {
        name: 'x',
      });
      assert.equal(denied.statusCode, 403);
      assert.equal(denied.json().code, 'CLARION_ERR_FORBIDDEN_PLATFORM_ONLY');
    });
  });
}
