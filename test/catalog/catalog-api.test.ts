import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Catalog } from '../../src/catalog/catalog.ts';
import { loadStoredCatalog } from '../../src/catalog/catalog-sync.ts';
import { startHttpReceiver, type HttpReceiver } from '../helpers/http-receiver.ts';
import { STORE_KINDS } from '../helpers/stores.ts';
import { startTestClarion, type TestClarion } from '../helpers/test-clarion.ts';

const DEPLOY_TYPE = {
  description: 'Canary deployment promoted',
  scopes: ['application'],
  groups: ['canary'],
  default_channels: { browser: true },
  severity: 'ok',
};

for (const kind of STORE_KINDS) {
  describe(`${kind}: the catalog API`, () => {
    let t: TestClarion;
    let receiver: HttpReceiver;

    before(async () => {
      receiver = await startHttpReceiver();
      t = await startTestClarion(kind);
      assert.equal((await t.json('POST', '/v1/organizations', { id: 'acme', name: 'Acme' })).status, 201);
      assert.equal(
        (await t.json('POST', '/v1/organizations/acme/applications', { id: 'web', name: 'Web' })).status,
        201,
      );
    });

    after(async () => {
      await t.close();
      await receiver.close();
    });

    it('a type added through the API is accepted by ingest and reaches a hook filtered by its group', async () => {
      const group = await t.json('PUT', '/v1/event-groups/canary', { description: 'Canary releases' });
      assert.equal(group.status, 201);
      assert.deepEqual(group.body, { name: 'canary', description: 'Canary releases', builtin: false });

      const created = await t.json('PUT', '/v1/event-types/canary.promote.ok', DEPLOY_TYPE);
      assert.equal(created.status, 201);
      assert.deepEqual(created.body, {
        name: 'canary.promote.ok',
        description: 'Canary deployment promoted',
        scopes: ['application'],
        groups: ['canary'],
        default_channels: { email: true, browser: true, ios: false },
        paired_with: null,
        severity: 'ok',
        builtin: false,
      });
      assert.deepEqual((await t.json('GET', '/v1/event-types/canary.promote.ok')).body, created.body);
      const listed = await t.json('GET', '/v1/event-types');
      assert.ok(listed.body.data.some((type: { name: string }) => type.name === 'canary.promote.ok'));
      assert.ok(listed.body.groups.some((g: { name: string }) => g.name === 'canary'));

      const hook = await t.json('POST', '/v1/organizations/acme/hooks', {
        name: 'Canaries',
        kind: 'webhook',
        url: receiver.url,
        events: ['group:canary'],
      });
      assert.equal(hook.status, 201);
      const accepted = await t.json('POST', '/v1/events', {
        id: 'canary-1',
        type: 'canary.promote.ok',
        organization: 'acme',
        application: 'web',
        data: { version: '2.1.0' },
      });
      assert.equal(accepted.status, 202);
      const [request] = await receiver.waitFor(1);
      assert.equal(request!.headers['clarion-event-type'], 'canary.promote.ok');
      assert.equal(request!.headers['clarion-event-id'], 'canary-1');

      // The scopes given are enforced like a built-in type's.
      const onAccount = await t.json('POST', '/v1/events', {
        type: 'canary.promote.ok',
        organization: 'acme',
        data: {},
      });
      assert.equal(onAccount.status, 422);
      assert.equal(onAccount.body.code, 'CLARION_ERR_EVENT_SCOPE_MISMATCH');
    });

    it("PUT /v1/event-types/:name changes a built-in type's default channels and keeps it built in", async () => {
      const before = (await t.json('GET', '/v1/event-types/job.fail')).body;
      const changed = await t.json('PUT', '/v1/event-types/job.fail', {
        description: before.description,
        scopes: before.scopes,
        groups: before.groups,
        default_channels: { email: false, ios: true },
      });
      assert.equal(changed.status, 200);
      assert.deepEqual(changed.body, {
        ...before,
        default_channels: { email: false, browser: false, ios: true },
        builtin: true,
      });
      // Stored: a catalog read back from the store has the change.
      const reloaded = new Catalog();
      await loadStoredCatalog(t.clarion.store.catalog, reloaded);
      assert.deepEqual(reloaded.type('job.fail')!.defaultChannels, { email: false, browser: false, ios: true });
      assert.equal(reloaded.type('job.fail')!.pairedWith, 'job.backon');
    });

    it('refuses names, groups and pairs that are not right', async () => {
      const bad = await t.json('PUT', '/v1/event-types/Canary.Bad', DEPLOY_TYPE);
      assert.equal(bad.status, 400);
      const noGroup = await t.json('PUT', '/v1/event-types/canary.x', { ...DEPLOY_TYPE, groups: ['nope'] });
      assert.equal(noGroup.status, 422);
      assert.equal(noGroup.body.code, 'CLARION_ERR_CATALOG_UNKNOWN_GROUP');
      const noScope = await t.json('PUT', '/v1/event-types/canary.x', { ...DEPLOY_TYPE, scopes: [] });
      assert.equal(noScope.status, 400);
      const otherScope = await t.json('PUT', '/v1/event-types/canary.x', { ...DEPLOY_TYPE, scopes: ['addon'] });
      assert.equal(otherScope.status, 400);
      const noPair = await t.json('PUT', '/v1/event-types/canary.x', { ...DEPLOY_TYPE, paired_with: 'canary.y' });
      assert.equal(noPair.status, 422);
      assert.equal(noPair.body.code, 'CLARION_ERR_CATALOG_UNKNOWN_PAIR');
      const taken = await t.json('PUT', '/v1/event-types/canary.x', { ...DEPLOY_TYPE, paired_with: 'job.backon' });
      assert.equal(taken.status, 422);
      assert.equal(taken.body.code, 'CLARION_ERR_CATALOG_INVALID_PAIR');
      assert.equal((await t.json('GET', '/v1/event-types/canary.x')).status, 404);
    });

    it('pairs both ways: pairing A with B pairs B with A, and null unpairs both', async () => {
      const fail = { ...DEPLOY_TYPE, description: 'Canary failed', severity: 'fail' };
      assert.equal((await t.json('PUT', '/v1/event-types/canary.check.fail', fail)).status, 201);
      const ok = await t.json('PUT', '/v1/event-types/canary.check.ok', {
        ...DEPLOY_TYPE,
        paired_with: 'canary.check.fail',
      });
      assert.equal(ok.status, 201);
      assert.equal(ok.body.paired_with, 'canary.check.fail');
      assert.equal((await t.json('GET', '/v1/event-types/canary.check.fail')).body.paired_with, 'canary.check.ok');

      // Omitting paired_with keeps the pair.
      assert.equal(
        (await t.json('PUT', '/v1/event-types/canary.check.fail', fail)).body.paired_with,
        'canary.check.ok',
      );
      const unpaired = await t.json('PUT', '/v1/event-types/canary.check.fail', { ...fail, paired_with: null });
      assert.equal(unpaired.body.paired_with, null);
      assert.equal((await t.json('GET', '/v1/event-types/canary.check.ok')).body.paired_with, null);
    });

    it('DELETE /v1/event-types/:name refuses a type a stored event uses, with 409', async () => {
      // canary.promote.ok has an event (first test) and a hook naming its group, not itself.
      const refused = await t.json('DELETE', '/v1/event-types/canary.promote.ok');
      assert.equal(refused.status, 409);
      assert.equal(refused.body.code, 'CLARION_ERR_CATALOG_TYPE_IN_USE');
      assert.match(refused.body.message, /event "canary-1" of organization "acme"/);
    });

    it('DELETE /v1/event-types/:name refuses a type a hook filter names, then removes it once the hook is gone', async () => {
      assert.equal((await t.json('PUT', '/v1/event-types/canary.hooked', DEPLOY_TYPE)).status, 201);
      const hook = await t.json('POST', '/v1/organizations/acme/hooks', {
        name: 'Hooked',
        kind: 'webhook',
        url: receiver.url,
        events: ['job.fail', 'canary.hooked'],
      });
      assert.equal(hook.status, 201);
      const refused = await t.json('DELETE', '/v1/event-types/canary.hooked');
      assert.equal(refused.status, 409);
      assert.equal(refused.body.code, 'CLARION_ERR_CATALOG_TYPE_IN_USE');
      assert.match(refused.body.message, /hook "Hooked"/);

      assert.equal((await t.request('DELETE', `/v1/organizations/acme/hooks/${hook.body.id}`)).statusCode, 204);
      assert.equal((await t.request('DELETE', '/v1/event-types/canary.hooked')).statusCode, 204);
      assert.equal((await t.json('GET', '/v1/event-types/canary.hooked')).status, 404);
      const ingest = await t.json('POST', '/v1/events', {
        type: 'canary.hooked',
        organization: 'acme',
        application: 'web',
        data: {},
      });
      assert.equal(ingest.status, 422);
      assert.equal(ingest.body.code, 'CLARION_ERR_EVENT_UNKNOWN_TYPE');
    });

    it("DELETE /v1/event-types/:name refuses a type a member's preference names", async () => {
      assert.equal((await t.json('PUT', '/v1/event-types/canary.preferred', DEPLOY_TYPE)).status, 201);
      await t.clarion.store.db
        .insertInto('preferences')
        .values({
          organization_id: 'acme',
          user_id: 'ann',
          application_id: '',
          event_type: 'canary.preferred',
          channel: 'email',
          enabled: 0,
          updated_at: Date.now(),
        })
        .execute();
      const refused = await t.json('DELETE', '/v1/event-types/canary.preferred');
      assert.equal(refused.status, 409);
      assert.equal(refused.body.code, 'CLARION_ERR_CATALOG_TYPE_IN_USE');
      assert.match(refused.body.message, /member "ann" of organization "acme" has a preference/);
    });

    it('DELETE /v1/event-types/:name refuses a built-in type ("change it instead") and answers 404 for an unknown one', async () => {
      const refused = await t.json('DELETE', '/v1/event-types/stack.redeploy.fail');
      assert.equal(refused.status, 409);
      assert.equal(refused.body.code, 'CLARION_ERR_CATALOG_TYPE_BUILTIN');
      assert.match(refused.body.message, /change it instead/);
      const unknown = await t.json('DELETE', '/v1/event-types/no.such.type');
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.code, 'CLARION_ERR_CATALOG_TYPE_NOT_FOUND');
    });

    it('DELETE /v1/event-types/:name removes an unused type and unpairs its partner', async () => {
      const fail = { ...DEPLOY_TYPE, description: 'Smoke test failed', severity: 'fail' };
      assert.equal((await t.json('PUT', '/v1/event-types/canary.smoke.fail', fail)).status, 201);
      const okType = { ...DEPLOY_TYPE, description: 'Smoke test passed', paired_with: 'canary.smoke.fail' };
      assert.equal((await t.json('PUT', '/v1/event-types/canary.smoke.ok', okType)).status, 201);
      assert.equal((await t.request('DELETE', '/v1/event-types/canary.smoke.ok')).statusCode, 204);
      assert.equal((await t.json('GET', '/v1/event-types/canary.smoke.fail')).body.paired_with, null);
    });

    it('DELETE /v1/event-groups/:name refuses a group in use (a type, a hook filter) or built in, and removes an unused one', async () => {
      const byType = await t.json('DELETE', '/v1/event-groups/canary');
      assert.equal(byType.status, 409);
      assert.equal(byType.body.code, 'CLARION_ERR_CATALOG_GROUP_IN_USE');
      assert.match(byType.body.message, /"canary.promote.ok"/);

      assert.equal((await t.json('PUT', '/v1/event-groups/watched', { description: 'Watched' })).status, 201);
      const hook = await t.json('POST', '/v1/organizations/acme/hooks', {
        name: 'Watcher',
        kind: 'webhook',
        url: receiver.url,
        events: ['group:watched'],
      });
      assert.equal(hook.status, 201);
      const byHook = await t.json('DELETE', '/v1/event-groups/watched');
      assert.equal(byHook.status, 409);
      assert.equal(byHook.body.code, 'CLARION_ERR_CATALOG_GROUP_IN_USE');
      assert.match(byHook.body.message, /hook "Watcher"/);
      assert.equal((await t.request('DELETE', `/v1/organizations/acme/hooks/${hook.body.id}`)).statusCode, 204);
      assert.equal((await t.request('DELETE', '/v1/event-groups/watched')).statusCode, 204);
      const groups = await t.json('GET', '/v1/event-groups');
      assert.ok(!groups.body.data.some((g: { name: string }) => g.name === 'watched'));

      const builtin = await t.json('DELETE', '/v1/event-groups/billing');
      assert.equal(builtin.status, 409);
      assert.equal(builtin.body.code, 'CLARION_ERR_CATALOG_GROUP_BUILTIN');
      assert.equal((await t.json('DELETE', '/v1/event-groups/nope')).body.code, 'CLARION_ERR_CATALOG_GROUP_NOT_FOUND');
    });

    it("PUT /v1/event-groups/:name changes a built-in group's description", async () => {
      const changed = await t.json('PUT', '/v1/event-groups/backup', { description: 'Backups and restores' });
      assert.equal(changed.status, 200);
      assert.deepEqual(changed.body, { name: 'backup', description: 'Backups and restores', builtin: true });
      const groups = await t.json('GET', '/v1/event-groups');
      assert.ok(
        groups.body.data.some((g: { name: string; description: string }) => g.description === 'Backups and restores'),
      );
    });
  });
}
