// Adding a member by e-mail alone: a person who is already a user (in another organization)
// stays one user, whether an owner adds them as finance or the platform leaves the id out.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { STORE_KINDS } from '../helpers/stores.ts';
import { startTestClarion, type TestClarion } from '../helpers/test-clarion.ts';

for (const kind of STORE_KINDS) {
  describe(`${kind}: adding a member by e-mail`, () => {
    let t: TestClarion;
    let ownerToken: string;

    before(async () => {
      t = await startTestClarion(kind, { config: { role: 'api' } });
      for (const org of ['acme', 'globex', 'initech'])
        await t.json('POST', '/v1/organizations', { id: org, name: org });
      await t.json('POST', '/v1/organizations/acme/members', {
        user_id: 'olga',
        email: 'olga@acme.test',
        role: 'owner',
      });
      await t.json('POST', '/v1/organizations/globex/members', {
        user_id: 'fay',
        email: 'fay@books.test',
        name: 'Fay',
        role: 'finance',
      });
      ownerToken = (await t.json('POST', '/v1/users/olga/tokens', { name: 't' })).body.token;
    });
    after(() => t.close());

    const asOwner = (body: object) =>
      t.clarion.app!.inject({
        method: 'POST',
        url: '/v1/organizations/acme/members',
        headers: { authorization: `Bearer ${ownerToken}` },
        payload: body,
      });

    it('an owner adding a finance member by e-mail reuses the user who has that address', async () => {
      const added = await asOwner({ email: 'fay@books.test', role: 'finance', name: 'Someone else' });
      assert.equal(added.statusCode, 201, added.body);
      // The same user, with the details they already had: a member cannot rename someone.
      assert.deepEqual([added.json().user_id, added.json().name], ['fay', 'Fay']);
    });

    it('the platform leaving the user id out reuses the user who has that address too', async () => {
      const added = await t.json('POST', '/v1/organizations/initech/members', {
        email: 'fay@books.test',
        role: 'admin',
      });
      assert.equal(added.status, 201, JSON.stringify(added.body));
      assert.equal(added.body.user_id, 'fay');
      const fresh = await t.json('POST', '/v1/organizations/initech/members', {
        email: 'new@initech.test',
        role: 'developer',
      });
      assert.match(fresh.body.user_id, /^usr_/);
    });

    it('refuses a member naming a user id, or a role other than finance', async () => {
      const withId = await asOwner({ user_id: 'x', email: 'x@acme.test', role: 'finance' });
      assert.equal(withId.statusCode, 400);
      const developer = await asOwner({ email: 'd@acme.test', role: 'developer' });
      assert.equal(developer.statusCode, 403);
      assert.equal(developer.json().code, 'CLARION_ERR_FORBIDDEN_MEMBER_ROLE');
    });
  });
}
