// Ingest keeps each organization's routing context until its `routing_version` moves, and
// triggers move it (migration 0007). The changes below go through the API where it has a
// route and straight to the tables otherwise, as another process or an operator's hand would:
// either way the next event must route with them.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { sql } from 'kysely';
import { STORE_KINDS } from '../helpers/stores.ts';
import { startTestClarion, type TestClarion } from '../helpers/test-clarion.ts';

for (const kind of STORE_KINDS) {
  describe(`${kind}: routing contexts cached by version`, () => {
    let t: TestClarion | undefined;
    afterEach(async () => {
      await t?.close();
      t = undefined;
    });

    async function setUp(): Promise<TestClarion> {
      t = await startTestClarion(kind, { start: false });
      assert.equal((await t.json('POST', '/v1/organizations', { id: 'acme', name: 'Acme' })).status, 201);
      return t;
    }

    async function createHook(t: TestClarion, name: string): Promise<string> {
      const hook = await t.json('POST', '/v1/organizations/acme/hooks', {
        name,
        kind: 'webhook',
        url: `http://127.0.0.1:9/${name}`,
        events: ['job.fail'],
      });
      assert.equal(hook.status, 201, JSON.stringify(hook.body));
      return hook.body.id;
    }

    /** Sends an event and gives the hooks its webhook deliveries went to. */
    async function hooksReached(t: TestClarion, id: string): Promise<string[]> {
      const sent = await t.json('POST', '/v1/events', { id, type: 'job.fail', organization: 'acme', data: {} });
      assert.equal(sent.status, 202, JSON.stringify(sent.body));
      const rows = await t.clarion.store.db
        .selectFrom('deliveries')
        .select('hook_id')
        .where('event_id', '=', id)
        .where('channel', '=', 'webhook')
        .orderBy('hook_id')
        .execute();
      return rows.map((row) => row.hook_id!);
    }

    it('routes the next event with hooks changed through the API and behind its back', async () => {
      const t = await setUp();
      const first = await createHook(t, 'first');
      assert.deepEqual(await hooksReached(t, 'e1'), [first]);

      const second = await createHook(t, 'second');
      assert.deepEqual(await hooksReached(t, 'e2'), [first, second].sort());

      const { db } = t.clarion.store;
      await db.updateTable('hooks').set({ enabled: 0 }).where('id', '=', first).execute();
      assert.deepEqual(await hooksReached(t, 'e3'), [second]);

      await db.deleteFrom('hooks').where('id', '=', second).execute();
      assert.deepEqual(await hooksReached(t, 'e4'), []);
    });

    it('does not take an organization created again under the same id for the one it cached', async () => {
      // The same steps twice: from one start version, they would end at the same version.
      const t = await setUp();
      const first = await createHook(t, 'first');
      assert.deepEqual(await hooksReached(t, 'before'), [first]);

      assert.equal((await t.json('DELETE', '/v1/organizations/acme')).status, 204);
      assert.equal((await t.json('POST', '/v1/organizations', { id: 'acme', name: 'Acme' })).status, 201);
      const second = await createHook(t, 'second');
      assert.deepEqual(await hooksReached(t, 'after'), [second]);
    });

    it('refuses an event for an application deleted behind its back, though an earlier event saw it exist', async () => {
      // On PostgreSQL the second batch is planned from the cache alone (the application known to
      // exist) and its write must find the version moved; then it is planned again from a read.
      const t = await setUp();
      assert.equal(
        (await t.json('POST', '/v1/organizations/acme/applications', { id: 'web', name: 'Web' })).status,
        201,
      );
      const event = (id: string) =>
        t.json('POST', '/v1/events', { id, type: 'process.down', organization: 'acme', application: 'web', data: {} });
      assert.equal((await event('seen')).status, 202);
      assert.equal((await event('seen-again')).status, 202);

      await t.clarion.store.db.deleteFrom('applications').where('id', '=', 'web').execute();
      const refused = await event('after-delete');
      assert.equal(refused.status, 422, JSON.stringify(refused.body));
      assert.equal(refused.body.code, 'CLARION_ERR_EVENT_UNKNOWN_APPLICATION');
      const stored = await t.clarion.store.db
        .selectFrom('events')
        .select('id')
        .where('id', '=', 'after-delete')
        .execute();
      assert.deepEqual(stored, []);
    });

    it('answers a replay and a conflicting id from the stored event when the context is cached', async () => {
      const t = await setUp();
      await createHook(t, 'ops');
      const send = (data: object) =>
        t.json('POST', '/v1/events', { id: 'once', type: 'job.fail', organization: 'acme', data });
      const first = await send({ n: 1 });
      assert.equal(first.status, 202);
      const replay = await send({ n: 1 });
      assert.equal(replay.status, 202);
      assert.deepEqual(replay.body, first.body);
      const conflict = await send({ n: 2 });
      assert.equal(conflict.status, 409, JSON.stringify(conflict.body));
      const deliveries = await t.clarion.store.db
        .selectFrom('deliveries')
        .select('id')
        .where('event_id', '=', 'once')
        .where('channel', '=', 'webhook')
        .execute();
      assert.equal(deliveries.length, 1, 'the replay and the conflict created no delivery');
    });

    it('moves the version for every change to what routing reads', async () => {
      const t = await setUp();
      const { db } = t.clarion.store;
      const version = async () =>
        Number(
          (
            await db
              .selectFrom('organizations')
              .select('routing_version')
              .where('id', '=', 'acme')
              .executeTakeFirstOrThrow()
          ).routing_version,
        );
      const steps: [string, () => Promise<unknown>][] = [
        [
          'an application created',
          () => t.json('POST', '/v1/organizations/acme/applications', { id: 'web', name: 'Web' }),
        ],
        ['an add-on created', () => t.json('POST', '/v1/organizations/acme/addons', { id: 'pg', name: 'PG' })],
        ['a hook created', () => createHook(t, 'ops')],
        [
          'a member added',
          () =>
            t.json('POST', '/v1/organizations/acme/members', {
              user_id: 'ann',
              email: 'ann@example.com',
              role: 'admin',
            }),
        ],
        [
          "a member's user changed",
          () => db.updateTable('users').set({ email: 'ann@example.org' }).where('id', '=', 'ann').execute(),
        ],
        [
          'a membership changed',
          () => db.updateTable('memberships').set({ role: 'owner' }).where('user_id', '=', 'ann').execute(),
        ],
        [
          'a preference set',
          () =>
            sql`insert into preferences (organization_id, user_id, application_id, event_type, channel, enabled, updated_at)
                    values ('acme', 'ann', '', 'job.fail', 'email', 0, 0)`.execute(db),
        ],
        ['a preference removed', () => db.deleteFrom('preferences').where('user_id', '=', 'ann').execute()],
        [
          "a member's push target registered",
          () =>
            db
              .insertInto('push_targets')
              .values({
                id: 'pt1',
                user_id: 'ann',
                channel: 'ios',
                target_hash: 'h',
                sealed: '{}',
                label: null,
                created_at: 0,
                updated_at: 0,
              })
              .execute(),
        ],
        ["a member's push target removed", () => db.deleteFrom('push_targets').where('id', '=', 'pt1').execute()],
        ['a hook changed', () => db.updateTable('hooks').set({ enabled: 0 }).execute()],
        ['a hook deleted', () => db.deleteFrom('hooks').execute()],
        ['an application deleted', () => db.deleteFrom('applications').execute()],
        ['an add-on deleted', () => db.deleteFrom('addons').execute()],
        ['a member removed', () => db.deleteFrom('memberships').where('user_id', '=', 'ann').execute()],
      ];
      for (const [change, make] of steps) {
        const before = await version();
        await make();
        assert.ok((await version()) > before, `${change} moves the routing version`);
      }
    });
  });
}
