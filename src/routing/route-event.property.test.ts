// Properties of routing over random organizations, preferences and hooks (fast-check): the
// deliveries are exactly the trace's "deliver" entries, every hook and every member x personal
// channel is accounted for (a push channel once per registered device or subscription), one e-mail per address, and no rule of roles or explicit "off" is
// ever broken by a delivery.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Catalog } from '../catalog/catalog.ts';
import { PERSONAL_CHANNELS } from '../catalog/event-type.ts';
import type { HookRecord } from '../store/hook-repository.ts';
import type { MemberRow } from '../store/member-repository.ts';
import { PreferenceMatrix, type PreferenceCell } from './preference-matrix.ts';
import { routeEvent } from './route-event.ts';
import { billingOptOutHonoured, roleGate } from './role-rules.ts';

const catalog = new Catalog();
const TYPES = catalog.listTypes().map((type) => type.name);
const GROUPS = catalog.listGroups().map((group) => group.name);
const APPS = ['web', 'api'];
const ROLES = ['owner', 'admin', 'developer', 'finance'] as const;

const memberArb = fc.record({
  role: fc.constantFrom(...ROLES),
  billing_opt_out: fc.boolean(),
  // A small pool of addresses so hooks' listed addresses collide with members' ones.
  email: fc.constantFrom('a@x.test', 'b@x.test', 'C@x.test', 'd@x.test', 'e@x.test'),
});
const cellArb = fc.record({
  applicationId: fc.constantFrom(null, ...APPS),
  eventType: fc.constantFrom(...TYPES),
  channel: fc.constantFrom(...PERSONAL_CHANNELS),
  enabled: fc.boolean(),
});
const hookArb = fc.record({
  kind: fc.constantFrom('webhook', 'slack', 'email'),
  to: fc.oneof(
    fc.constantFrom('owners', 'members'),
    fc.uniqueArray(fc.constantFrom('a@x.test', 'c@x.test', 'z@x.test'), { minLength: 1 }),
  ),
  events: fc.oneof(
    fc.constant('all' as const),
    fc.uniqueArray(fc.constantFrom(...TYPES, ...GROUPS.map((group) => `group:${group}`)), { minLength: 1 }),
  ),
  applications: fc.option(fc.uniqueArray(fc.constantFrom(...APPS), { minLength: 1 }), { nil: null }),
  enabled: fc.boolean(),
});
// Each member's registered push targets: how many iOS devices and Web Push subscriptions.
const devicesArb = fc.record({ ios: fc.nat({ max: 2 }), browser: fc.nat({ max: 2 }) });
const scenarioArb = fc.record({
  members: fc.array(
    fc.record({ member: memberArb, cells: fc.array(cellArb, { maxLength: 12 }), devices: devicesArb }),
    { maxLength: 6 },
  ),
  hooks: fc.array(hookArb, { maxLength: 5 }),
  type: fc.constantFrom(...TYPES),
  application: fc.constantFrom(null, ...APPS),
});

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

function contextOf(scenario: Scenario) {
  const members: MemberRow[] = scenario.members.map(({ member }, index) => ({
    organization_id: 'org',
    user_id: `u${index}`,
    name: null,
    created_at: 0,
    updated_at: 0,
    ...member,
  }));
  const hooks: HookRecord[] = scenario.hooks.map((hook, index) => ({
    id: `h${index}`,
    organization_id: 'org',
    name: `hook ${index}`,
    kind: hook.kind,
    settings: hook.kind === 'email' ? { to: hook.to } : {},
    events: hook.events,
    applications: hook.applications,
    addons: null,
    enabled: hook.enabled,
    disabled_reason: null,
    created_at: 0,
    updated_at: 0,
  }));
  const cells = new Map<string, PreferenceCell[]>(
    scenario.members.map(({ cells: memberCells }, index) => [`u${index}`, memberCells]),
  );
  const preferences = new Map([...cells].map(([user, memberCells]) => [user, new PreferenceMatrix(memberCells)]));
  const pushTargets = new Map(
    scenario.members.map(({ devices }, index) => [
      `u${index}`,
      (['ios', 'browser'] as const).flatMap((channel) =>
        Array.from({ length: devices[channel] }, (_, n) => ({
          id: `${channel}-u${index}-${n}`,
          user_id: `u${index}`,
          channel,
          label: null,
        })),
      ),
    ]),
  );
  return { members, hooks, preferences, pushTargets };
}

function route(scenario: Scenario) {
  const context = contextOf(scenario);
  const type = catalog.type(scenario.type)!;
  const event = { type: type.name, applicationId: scenario.application, addonId: null };
  return { context, type, event, result: routeEvent(event, type, context) };
}

describe('routing properties (fast-check)', () => {
  it('creates exactly the deliveries the trace marks "deliver"', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const { result } = route(scenario);
        const fromTrace = result.trace
          .filter((entry) => entry.decision === 'deliver')
          .map((entry) => [entry.channel, entry.hookId, entry.userId, entry.address, entry.rule]);
        const planned = result.deliveries.map((d) => [d.channel, d.hookId, d.userId, d.address, d.reason]);
        assert.deepEqual(planned, fromTrace);
      }),
      { numRuns: 300 },
    );
  });

  it('accounts for every hook and every member x personal channel: once, or once per push target', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const { context, result } = route(scenario);
        for (const hook of context.hooks) {
          assert.ok(
            result.trace.some((entry) => entry.hookId === hook.id),
            `hook ${hook.id} missing from the trace`,
          );
        }
        for (const member of context.members) {
          for (const channel of PERSONAL_CHANNELS) {
            const personal = result.trace.filter(
              (entry) => entry.hookId === null && entry.userId === member.user_id && entry.channel === channel,
            );
            const delivered = personal.filter((entry) => entry.decision === 'deliver');
            if (channel === 'email' || delivered.length === 0) {
              assert.equal(personal.length, 1, `${member.user_id} ${channel}: ${JSON.stringify(personal)}`);
              continue;
            }
            // A push channel delivers once to each registered target, its id as the address.
            const targets = context.pushTargets.get(member.user_id)!.filter((target) => target.channel === channel);
            assert.deepEqual(
              personal.map((entry) => [entry.decision, entry.address]),
              targets.map((target) => ['deliver', target.id]),
            );
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('sends at most one e-mail per address, and never past a role gate or an explicit "off"', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const { context, type, event, result } = route(scenario);
        const emails = result.deliveries.filter((d) => d.channel === 'email').map((d) => d.address!.toLowerCase());
        assert.equal(new Set(emails).size, emails.length, `duplicate e-mail: ${emails.join(', ')}`);
        const honours = billingOptOutHonoured(context.members);
        for (const delivery of result.deliveries) {
          if (delivery.userId === null) continue;
          const member = context.members.find((m) => m.user_id === delivery.userId)!;
          assert.equal(roleGate(member, type, honours), null, `${member.user_id} (${member.role}) got ${type.name}`);
          const own = context.preferences
            .get(member.user_id)!
            .explicit(type.name, delivery.channel, event.applicationId);
          assert.notEqual(own?.enabled, false, `${member.user_id} turned ${delivery.channel} off but got it`);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('routing to push targets', () => {
  it('skips a member whose push cell is on but who has nothing registered, saying so', () => {
    const type = catalog.type('job.fail')!;
    const members: MemberRow[] = [
      {
        organization_id: 'org',
        user_id: 'u0',
        role: 'owner',
        billing_opt_out: false,
        email: 'a@x.test',
        name: null,
        created_at: 0,
        updated_at: 0,
      },
    ];
    const preferences = new Map([
      [
        'u0',
        new PreferenceMatrix([
          { applicationId: null, eventType: 'job.fail', channel: 'ios', enabled: true },
          { applicationId: null, eventType: 'job.fail', channel: 'browser', enabled: true },
        ]),
      ],
    ]);
    const pushTargets = new Map([
      ['u0', [{ id: 'wps_1', user_id: 'u0', channel: 'browser', label: 'https://push.test' }]],
    ]);
    const result = routeEvent({ type: 'job.fail', applicationId: null, addonId: null }, type, {
      hooks: [],
      members,
      preferences,
      pushTargets,
    });
    const ios = result.trace.filter((entry) => entry.channel === 'ios');
    assert.deepEqual(
      ios.map((entry) => entry.decision),
      ['skip'],
    );
    assert.match(ios[0]!.rule, /u0 has no iOS device registered/);
    const browser = result.deliveries.filter((delivery) => delivery.channel === 'browser');
    assert.deepEqual(
      browser.map((delivery) => [delivery.address, delivery.reason]),
      [['wps_1', "u0's browser preference: account setting: on, to Web Push subscription https://push.test"]],
    );
  });
});
