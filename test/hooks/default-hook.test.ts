// Every organization starts with "Default deployment result e-mails"; it can be edited and
// deleted through the generic hook routes, and re-created in one call.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { STORE_KINDS } from '../helpers/stores.ts';
import { startTestClarion, type TestClarion } from '../helpers/test-clarion.ts';

const ORG = '/v1/organizations/acme';
const NAME = 'Default deployment result e-mails';

for (const kind of STORE_KINDS) {
  describe(`${kind}: the default hook`, () => {
    let t: TestClarion;

    before(async () => {
      t = await startTestClarion(kind, { start: false });
      assert.equal((await t.json('POST', '/v1/organizations', { id: 'acme', name: 'Acme' })).status, 201);
    });

    after(async () => {
      await t.close();
    });

    async function defaultHooks(): Promise<{ id: string; name: string; events: unknown; to: unknown }[]> {
      const list = await t.json('GET', `${ORG}/hooks`);
      return list.body.data.filter((hook: { name: string }) => hook.name === NAME);
    }

    it('a new organization has it: deployment results by e-mail to the members', async () => {
      const [hook, ...others] = await defaultHooks();
      assert.ok(hook);
      assert.equal(others.length, 0);
      assert.equal((hook as unknown as { kind: string }).kind, 'email');
      assert.equal(hook.to, 'members');
      assert.deepEqual(hook.events, ['group:deployment-results']);
    });

    it('can be edited through PATCH like any hook', async () => {
      const [hook] = await defaultHooks();
      const patched = await t.json('PATCH', `${ORG}/hooks/${hook!.id}`, { to: 'owners', enabled: false });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.equal(patched.body.to, 'owners');
      assert.equal(patched.body.enabled, false);
    });

    it('re-creating it while it exists answers 409 CLARION_ERR_HOOK_DEFAULT_EXISTS', async () => {
      const [hook] = await defaultHooks();
      const answer = await t.json('POST', `${ORG}/hooks/default`);
      assert.equal(answer.status, 409);
      assert.equal(answer.body.code, 'CLARION_ERR_HOOK_DEFAULT_EXISTS');
      assert.ok(answer.body.message.includes(hook!.id), 'the message names the existing hook');
    });

    it('after DELETE, POST .../hooks/default re-creates it as new (201), once', async () => {
      const [hook] = await defaultHooks();
      assert.equal((await t.request('DELETE', `${ORG}/hooks/${hook!.id}`)).statusCode, 204);
      assert.equal((await defaultHooks()).length, 0);

      const created = await t.json('POST', `${ORG}/hooks/default`);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.notEqual(created.body.id, hook!.id);
      assert.equal(created.body.name, NAME);
      assert.equal(created.body.kind, 'email');
      assert.equal(created.body.to, 'members');
      assert.deepEqual(created.body.events, ['group:deployment-results']);
      assert.equal(created.body.enabled, true);
      assert.deepEqual(
        (await defaultHooks()).map((h) => h.id),
        [created.body.id],
      );

      const again = await t.json('POST', `${ORG}/hooks/default`);
      assert.equal(again.status, 409);
      assert.equal(again.body.code, 'CLARION_ERR_HOOK_DEFAULT_EXISTS');
    });

    it('answers 404 for an unknown organization', async () => {
      const answer = await t.json('POST', '/v1/organizations/nope/hooks/default');
      assert.equal(answer.status, 404);
      assert.equal(answer.body.code, 'CLARION_ERR_ORGANIZATION_NOT_FOUND');
    });
  });
}
