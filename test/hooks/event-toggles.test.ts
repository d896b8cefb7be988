// The per-event toggle view of a hook (the seeds' icon per event) and what a toggle does to the
// hook's event filter; then events are ingested to show routing follows the rewritten filter.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Catalog } from '../../src/catalog/catalog.ts';
import { eventToggles, toggleEvent } from '../../src/hooks/event-toggles.ts';
import { STORE_KINDS } from '../helpers/stores.ts';
import { startTestClarion, type TestClarion } from '../helpers/test-clarion.ts';

const ORG = '/v1/organizations/acme';

describe('toggleEvent rewrites an event filter', () => {
  const catalog = new Catalog();
  const types = catalog.listTypes();
  const type = (name: string) => catalog.type(name)!;
  const groupTypes = (group: string) => types.filter((t) => t.groups.includes(group)).map((t) => t.name);

  it('turning a type on appends its name and leaves "all" and groups alone', () => {
    assert.deepEqual(toggleEvent(['group:server'], type('job.fail'), true, types), ['group:server', 'job.fail']);
    assert.equal(toggleEvent('all', type('job.fail'), true, types), 'all');
    const filter = ['group:job'];
    assert.equal(toggleEvent(filter, type('job.fail'), true, types), filter, 'already on: unchanged');
  });

  it('turning off a type listed by name removes the name', () => {
    assert.deepEqual(toggleEvent(['job.fail', 'job.backon'], type('job.fail'), false, types), ['job.backon']);
  });

  it('turning off a type on via "all" lists every other catalog type', () => {
    const result = toggleEvent('all', type('server.stopped'), false, types);
    assert.deepEqual(
      result,
      types.map((t) => t.name).filter((name) => name !== 'server.stopped'),
    );
  });

  it('turning off a type on via a group expands that group only, and keeps the other entries', () => {
    const result = toggleEvent(['group:deployment', 'group:job'], type('stack.provision.ok'), false, types);
    assert.ok(Array.isArray(result));
    assert.ok(result.includes('group:job'));
    assert.ok(!result.includes('group:deployment'));
    assert.ok(!result.includes('stack.provision.ok'));
    for (const name of groupTypes('deployment')) {
      if (name !== 'stack.provision.ok') assert.ok(result.includes(name), `${name} stays on`);
    }
    const after = eventToggles(result, types);
    assert.deepEqual(
      after
        .filter((t) => t.enabled)
        .map((t) => t.type)
        .sort(),
      [...groupTypes('deployment'), ...groupTypes('job')].filter((name) => name !== 'stack.provision.ok').sort(),
    );
  });

  it('turning off a type two listed groups include expands both, without listing a type twice', () => {
    // stack.provision.ok is in both deployment and deployment-results.
    const result = toggleEvent(
      ['group:deployment-results', 'group:deployment'],
      type('stack.provision.ok'),
      false,
      types,
    ) as string[];
    assert.equal(new Set(result).size, result.length);
    assert.deepEqual(
      [...result].sort(),
      groupTypes('deployment')
        .filter((name) => name !== 'stack.provision.ok')
        .sort(),
    );
  });

  it('does not list a type that a kept group still turns on', () => {
    // account.suspended is in billing and security; turning off account.payment.fail (billing only)
    // expands billing, but security stays and already covers account.suspended.
    const result = toggleEvent(['group:billing', 'group:security'], type('account.payment.fail'), false, types);
    assert.ok(Array.isArray(result));
    assert.ok(result.includes('group:security'));
    assert.ok(!result.includes('account.suspended'));
    assert.ok(result.includes('account.invoice.issued'));
  });
});

for (const kind of STORE_KINDS) {
  describe(`${kind}: per-event toggles of a hook`, () => {
    let t: TestClarion;
    let typeCount: number;

    before(async () => {
      // The workers stay off: deliveries stay pending, so what routing created is all there is.
      t = await startTestClarion(kind, { start: false });
      assert.equal((await t.json('POST', '/v1/organizations', { id: 'acme', name: 'Acme' })).status, 201);
      assert.equal((await t.json('POST', `${ORG}/applications`, { id: 'web', name: 'Web' })).status, 201);
      typeCount = (await t.json('GET', '/v1/event-types')).body.data.length;
    });

    after(async () => {
      await t.close();
    });

    let eventNumber = 0;
    /** Ingests one event and answers whether the hook got a delivery for it. */
    async function routesTo(hookId: string, type: string): Promise<boolean> {
      const id = `evt-${++eventNumber}`;
      const application = type.startsWith('stack.') ? { application: 'web' } : {};
      const accepted = await t.json('POST', '/v1/events', {
        id,
        type,
        organization: 'acme',
        ...application,
        occurred_at: '2026-11-20T10:00:00Z',
        data: { n: eventNumber },
      });
      assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
      const deliveries = await t.json('GET', `/v1/deliveries?organization=acme&event=${id}&hook=${hookId}`);
      assert.equal(deliveries.status, 200);
      return deliveries.body.data.length > 0;
    }

    async function createHook(events: unknown): Promise<string> {
      const created = await t.json('POST', `${ORG}/hooks`, {
        name: `Hook ${eventNumber}-${Math.random()}`,
        kind: 'webhook',
        url: 'http://127.0.0.1:9/hook',
        events,
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      return created.body.id;
    }

    it('GET .../events lists every catalog type with enabled and via', async () => {
      const hook = await createHook(['group:deployment-results', 'job.fail']);
      const view = await t.json('GET', `${ORG}/hooks/${hook}/events`);
      assert.equal(view.status, 200);
      assert.equal(view.body.hook, hook);
      assert.deepEqual(view.body.events, ['group:deployment-results', 'job.fail']);
      assert.equal(view.body.data.length, typeCount);
      const byType = new Map(view.body.data.map((entry: { type: string }) => [entry.type, entry]));
      assert.deepEqual(byType.get('stack.redeploy.fail'), {
        type: 'stack.redeploy.fail',
        description: (byType.get('stack.redeploy.fail') as { description: string }).description,
        groups: ['deployment', 'deployment-results'],
        enabled: true,
        via: 'group:deployment-results',
      });
      assert.equal((byType.get('job.fail') as { via: string }).via, 'job.fail');
      assert.equal((byType.get('job.backon') as { enabled: boolean }).enabled, false);
      assert.equal((byType.get('job.backon') as { via: null }).via, null);

      const all = await createHook('all');
      const allView = await t.json('GET', `${ORG}/hooks/${all}/events`);
      assert.ok(
        allView.body.data.every((entry: { enabled: boolean; via: string }) => entry.enabled && entry.via === 'all'),
      );
    });

    it('turning off one type of a group filter rewrites it, and routing follows', async () => {
      const hook = await createHook(['group:deployment-results']);
      assert.equal(await routesTo(hook, 'stack.redeploy.ok'), true);

      const off = await t.json('PUT', `${ORG}/hooks/${hook}/events/stack.redeploy.ok`, { enabled: false });
      assert.equal(off.status, 200, JSON.stringify(off.body));
      assert.ok(Array.isArray(off.body.events));
      assert.ok(!off.body.events.includes('stack.redeploy.ok'));
      assert.ok(!off.body.events.includes('group:deployment-results'));
      assert.equal(off.body.events.length, 7, 'the other seven deployment results, by name');
      const fail = off.body.data.find((entry: { type: string }) => entry.type === 'stack.redeploy.fail');
      assert.deepEqual([fail.enabled, fail.via], [true, 'stack.redeploy.fail']);

      const stored = await t.json('GET', `${ORG}/hooks/${hook}`);
      assert.deepEqual(stored.body.events, off.body.events);

      assert.equal(await routesTo(hook, 'stack.redeploy.ok'), false);
      assert.equal(await routesTo(hook, 'stack.redeploy.fail'), true);
      assert.equal(await routesTo(hook, 'account.provision.fail'), true);
    });

    it('turning a type on adds it to the filter, and routing follows', async () => {
      const hook = await createHook(['group:server']);
      assert.equal(await routesTo(hook, 'job.fail'), false);
      const on = await t.json('PUT', `${ORG}/hooks/${hook}/events/job.fail`, { enabled: true });
      assert.equal(on.status, 200);
      assert.deepEqual(on.body.events, ['group:server', 'job.fail']);
      assert.equal(await routesTo(hook, 'job.fail'), true);
      assert.equal(await routesTo(hook, 'server.stopped'), true);

      const again = await t.json('PUT', `${ORG}/hooks/${hook}/events/job.fail`, { enabled: true });
      assert.deepEqual(again.body.events, ['group:server', 'job.fail'], 'turning on twice changes nothing');
    });

    it('turning off a type on via "all" lists every other type, and routing follows', async () => {
      const hook = await createHook('all');
      const off = await t.json('PUT', `${ORG}/hooks/${hook}/events/server.stopped`, { enabled: false });
      assert.equal(off.status, 200);
      assert.equal(off.body.events.length, typeCount - 1);
      assert.equal(await routesTo(hook, 'server.stopped'), false);
      assert.equal(await routesTo(hook, 'server.backon'), true);
    });

    it('refuses to turn off the last event (409), an unknown type (404) and a bad body (400)', async () => {
      const hook = await createHook(['job.fail']);
      const last = await t.json('PUT', `${ORG}/hooks/${hook}/events/job.fail`, { enabled: false });
      assert.equal(last.status, 409);
      assert.equal(last.body.code, 'CLARION_ERR_HOOK_NO_EVENTS_LEFT');
      const unknown = await t.json('PUT', `${ORG}/hooks/${hook}/events/stack.oops`, { enabled: true });
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.code, 'CLARION_ERR_CATALOG_TYPE_NOT_FOUND');
      const bad = await t.json('PUT', `${ORG}/hooks/${hook}/events/job.fail`, { enabled: 'yes', extra: 1 });
      assert.equal(bad.status, 400);
      const missing = await t.json('GET', `${ORG}/hooks/hook_nope/events`);
      assert.equal(missing.status, 404);
      assert.equal(missing.body.code, 'CLARION_ERR_HOOK_NOT_FOUND');
    });
  });
}
