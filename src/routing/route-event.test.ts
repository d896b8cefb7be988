import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Catalog } from '../catalog/catalog.ts';
import type { HookRecord } from '../store/hook-repository.ts';
import type { MemberRow } from '../store/member-repository.ts';
import type { Role } from '../store/schema.ts';
import { routeEvent, type RoutableEvent } from './route-event.ts';

const catalog = new Catalog();

function hook(id: string, changes: Partial<HookRecord> = {}): HookRecord {
  return {
    id,
    organization_id: 'acme',
    name: id,
    kind: 'webhook',
    settings: {},
    events: 'all',
    applications: null,
    addons: null,
    enabled: true,
    disabled_reason: null,
    created_at: 0,
    updated_at: 0,
    ...changes,
  };
}

function member(userId: string, role: Role): MemberRow {
  return {
    organization_id: 'acme',
    user_id: userId,
    email: `${userId}@acme.test`,
    name: null,
    role,
    billing_opt_out: false,
    created_at: 0,
    updated_at: 0,
  };
}

function route(type: string, hooks: HookRecord[], members: MemberRow[] = [], on: Partial<RoutableEvent> = {}) {
  return routeEvent({ type, applicationId: null, addonId: null, ...on }, catalog.type(type)!, {
    hooks,
    members,
    preferences: new Map(),
  });
}

describe('routing an event to hooks', () => {
  it('skips a disabled hook and says why', () => {
    const result = route('job.fail', [hook('h1', { enabled: false, disabled_reason: 'gone' })]);
    assert.deepEqual(result.deliveries, []);
    assert.match(result.trace[0]!.rule, /disabled \(gone\)/);
  });

  it('matches a filter by type name, by group, or "all", and names what matched', () => {
    const result = route(
      'stack.redeploy.fail',
      [
        hook('by-name', { events: ['stack.redeploy.fail'] }),
        hook('by-group', { events: ['group:deployment-results'] }),
        hook('all'),
        hook('other', { events: ['job.fail', 'group:billing'] }),
      ],
      [],
      { applicationId: 'web' },
    );
    assert.deepEqual(
      result.deliveries.map((delivery) => [delivery.hookId, delivery.reason]),
      [
        ['by-name', 'hook "by-name" matches stack.redeploy.fail'],
        ['by-group', 'hook "by-group" matches group:deployment-results'],
        ['all', 'hook "all" matches all events'],
      ],
    );
    assert.match(result.trace.find((entry) => entry.hookId === 'other')!.rule, /does not include stack.redeploy.fail/);
  });

  it('gives account events only to hooks without an application or add-on list', () => {
    const result = route('account.payment.fail', [hook('everything'), hook('web-only', { applications: ['web'] })]);
    assert.deepEqual(
      result.deliveries.map((delivery) => delivery.hookId),
      ['everything'],
    );
    assert.match(result.trace.find((entry) => entry.hookId === 'web-only')!.rule, /scope excludes account events/);
  });

  it('gives an application event to hooks listing that application, or its add-on, and to unscoped hooks', () => {
    const hooks = [
      hook('web', { applications: ['web'] }),
      hook('api', { applications: ['api'] }),
      hook('db', { addons: ['db'] }),
      hook('unscoped'),
    ];
    assert.deepEqual(
      route('job.fail', hooks, [], { applicationId: 'web' }).deliveries.map((delivery) => delivery.hookId),
      ['web', 'unscoped'],
    );
    assert.deepEqual(
      route('job.fail', hooks, [], { applicationId: 'api', addonId: 'db' }).deliveries.map(
        (delivery) => delivery.hookId,
      ),
      ['api', 'db', 'unscoped'],
    );
  });
});

describe('routing an event to e-mail hooks', () => {
  const members = [
    member('olga', 'owner'),
    member('adam', 'admin'),
    member('dev', 'developer'),
    member('fin', 'finance'),
  ];

  it('sends deployment results to every member whose role receives them: not to finance', () => {
    const result = route('stack.redeploy.ok', [hook('mail', { kind: 'email', settings: { to: 'members' } })], members, {
      applicationId: 'web',
    });
    assert.deepEqual(
      result.deliveries.map((delivery) => delivery.userId),
      ['olga', 'adam', 'dev'],
    );
    assert.match(
      result.trace.find((entry) => entry.userId === 'fin')!.rule,
      /role finance does not receive group deployment/,
    );
  });

  it('sends billing to owners and finance members only', () => {
    const result = route(
      'account.payment.fail',
      [hook('mail', { kind: 'email', settings: { to: 'members' } })],
      members,
    );
    assert.deepEqual(
      result.deliveries.map((delivery) => delivery.userId),
      ['olga', 'fin'],
    );
  });

  it('sends an "owners" hook to owners only', () => {
    const result = route('job.fail', [hook('mail', { kind: 'email', settings: { to: 'owners' } })], members);
    assert.deepEqual(
      result.deliveries.filter((delivery) => delivery.hookId === 'mail').map((delivery) => delivery.address),
      ['olga@acme.test'],
    );
  });

  it('always sends to listed addresses, whatever the roles', () => {
    const result = route(
      'account.payment.fail',
      [hook('mail', { kind: 'email', settings: { to: ['ops@acme.test'] } })],
      [],
    );
    assert.deepEqual(
      result.deliveries.map((delivery) => [delivery.address, delivery.userId]),
      [['ops@acme.test', null]],
    );
  });

  it('sends one e-mail per address and event, and says which hook it was deduplicated with', () => {
    const result = route(
      'job.fail',
      [
        hook('h1', { kind: 'email', name: 'Team', settings: { to: 'members' } }),
        hook('h2', { kind: 'email', name: 'List', settings: { to: ['OLGA@acme.test', 'ops@acme.test'] } }),
      ],
      [member('olga', 'owner')],
    );
    assert.deepEqual(
      result.deliveries.map((delivery) => delivery.address),
      ['olga@acme.test', 'ops@acme.test'],
    );
    assert.equal(
      result.trace.find((entry) => entry.address === 'OLGA@acme.test')!.rule,
      'deduplicated with hook "Team"',
    );
  });

  it('creates exactly the deliveries the trace marks as delivered', () => {
    const result = route('job.fail', [hook('a'), hook('m', { kind: 'email', settings: { to: 'members' } })], members);
    const delivered = result.trace.filter((entry) => entry.decision === 'deliver');
    assert.deepEqual(
      delivered.map((entry) => [entry.hookId, entry.address]),
      result.deliveries.map((delivery) => [delivery.hookId, delivery.address]),
    );
  });
});
