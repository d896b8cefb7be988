// Who gets what: every routing rule of product.md section 3, one case per sentence, through the
// API on each store. Each case builds a fresh organization, applies its settings, ingests one
// event, and reads the answer of GET /v1/events/{id}/recipients?include=skipped: the deliveries
// created and the rules that skipped everything else. No worker runs (role "api"), so queued
// deliveries stay queued for the removal and role-change cases.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { STORE_KINDS } from '../helpers/stores.ts';
import { startTestClarion, type TestClarion } from '../helpers/test-clarion.ts';

/** The organization every case starts from: two owners, an admin, a developer, a finance member. */
const MEMBERS = [
  { user_id: 'olga', role: 'owner' },
  { user_id: 'oscar', role: 'owner' },
  { user_id: 'ada', role: 'admin' },
  { user_id: 'dev', role: 'developer' },
  { user_id: 'fin', role: 'finance' },
] as const;

interface Decision {
  decision: 'deliver' | 'skip';
  rule: string;
  channel: string;
  hook: string | null;
  user: string | null;
  address: string | null;
  delivery?: { status: string };
}

type Api = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;

interface Case {
  readonly rule: string;
  readonly sentence: string;
  /** Members to leave out of the starting organization. */
  readonly without?: readonly string[];
  /** Keep the default deployment result e-mail hook (deleted otherwise, to keep cases small). */
  readonly defaultHook?: boolean;
  /** Settings applied through the API (`api` is scoped to the case's organization; `root` is not). */
  readonly setup?: (api: Api, root: Api) => Promise<void>;
  readonly event: { type: string; application?: string; addon?: string };
  /** Runs after the event, before the answer is read (removals, role changes). */
  readonly afterEvent?: (api: Api) => Promise<void>;
  /** Every delivery, as "channel who via hook-or-preference", in any order. */
  readonly delivers: readonly string[];
  /** Skip entries that must be in the trace: "channel who" -> a pattern of the rule. */
  readonly skips?: Readonly<Record<string, RegExp>>;
  /** Delivery statuses to check after `afterEvent`: "channel who" -> status. */
  readonly statuses?: Readonly<Record<string, string>>;
}

const cell = (user: string, type: string, channel: string, enabled: boolean, application?: string) => (api: Api) =>
  expectOk(
    api('PUT', `/members/${user}${application ? `/applications/${application}` : ''}/preferences/${type}/${channel}`, {
      enabled,
    }),
  );
const hook = (body: object) => (api: Api) => expectOk(api('POST', '/hooks', body));
const optOut = (user: string) => (api: Api) => expectOk(api('PUT', `/billing/owners/${user}`, { receives: false }));
const steps =
  (...fns: ((api: Api) => Promise<void>)[]) =>
  async (api: Api) => {
    for (const fn of fns) await fn(api);
  };

async function expectOk(response: Promise<{ status: number; body: any }>): Promise<void> {
  const { status, body } = await response;
  assert.ok(status < 300, `setup call answered ${status}: ${JSON.stringify(body)}`);
}

/** A PushSubscription.toJSON() with a real P-256 key; `name` makes the endpoint unique. */
const subscription = (name: string) => ({
  endpoint: `https://127.0.0.1:9/push/${name}`,
  expirationTime: null,
  keys: {
    p256dh: 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM',
    auth: 'tBHItJI5svbpez7KI4CCXg',
  },
});

const WEBHOOK = { kind: 'webhook', url: 'http://127.0.0.1:9/hook' };

const CASES: readonly Case[] = [
  // Defaults
  {
    rule: 'defaults',
    sentence: 'an untouched e-mail cell is on: every member whose role receives job.fail gets one e-mail',
    event: { type: 'job.fail' },
    delivers: [
      'email olga via preference',
      'email oscar via preference',
      'email ada via preference',
      'email dev via preference',
    ],
    skips: { 'email fin': /role finance does not receive group job/ },
  },
  {
    rule: 'defaults',
    sentence: 'browser and iOS cells start off',
    event: { type: 'job.fail' },
    without: ['oscar', 'ada', 'dev', 'fin'],
    delivers: ['email olga via preference'],
    skips: { 'browser olga': /catalog default: off/, 'ios olga': /catalog default: off/ },
  },
  {
    rule: 'defaults',
    sentence: 'stack.deploy.started sends no e-mail by default',
    event: { type: 'stack.deploy.started', application: 'web' },
    without: ['oscar', 'ada', 'fin'],
    delivers: [],
    skips: { 'email olga': /catalog default: off/, 'email dev': /catalog default: off/ },
  },
  {
    rule: 'defaults',
    sentence: 'account.suspended sends no e-mail by default',
    event: { type: 'account.suspended' },
    without: ['oscar', 'ada', 'dev'],
    delivers: [],
    skips: { 'email olga': /catalog default: off/, 'email fin': /catalog default: off/ },
  },
  // Account level
  {
    rule: 'account level',
    sentence: 'an account cell turned off stops that e-mail',
    without: ['oscar', 'ada', 'fin'],
    setup: cell('olga', 'job.fail', 'email', false),
    event: { type: 'job.fail' },
    delivers: ['email dev via preference'],
    skips: { 'email olga': /account setting: off/ },
  },
  {
    rule: 'account level',
    sentence: 'an account cell turned on adds a browser delivery to the Web Push subscription',
    without: ['oscar', 'ada', 'dev', 'fin'],
    setup: async (api, root) => {
      await expectOk(root('POST', '/v1/users/olga/web-push-subscriptions', subscription('olga-laptop')));
      await cell('olga', 'job.fail', 'browser', true)(api);
    },
    event: { type: 'job.fail' },
    delivers: ['email olga via preference', 'browser olga via preference'],
  },
  {
    rule: 'push targets',
    sentence: 'an iOS cell turned on for a member with no device registered is a skip that says so',
    without: ['olga', 'oscar', 'ada', 'fin'],
    setup: cell('dev', 'job.fail', 'ios', true),
    event: { type: 'job.fail' },
    delivers: ['email dev via preference'],
    skips: { 'ios dev': /account setting: on, but dev has no iOS device registered/ },
  },
  {
    rule: 'push targets',
    sentence: 'an iOS cell turned on sends one delivery per registered device',
    without: ['olga', 'oscar', 'dev', 'fin'],
    setup: async (api, root) => {
      await expectOk(root('POST', '/v1/users/ada/ios-devices', { token: 'a1'.repeat(32), name: 'iPhone' }));
      await expectOk(root('POST', '/v1/users/ada/ios-devices', { token: 'b2'.repeat(32), name: 'iPad' }));
      await cell('ada', 'job.fail', 'ios', true)(api);
    },
    event: { type: 'job.fail' },
    delivers: ['email ada via preference', 'ios ada via preference', 'ios ada via preference'],
  },
  {
    rule: 'account level',
    sentence: "an account cell is every application's default",
    without: ['oscar', 'ada', 'fin'],
    setup: cell('olga', 'stack.redeploy.fail', 'email', false),
    event: { type: 'stack.redeploy.fail', application: 'web' },
    delivers: ['email dev via preference'],
    skips: { 'email olga': /account setting: off/ },
  },
  // Application level
  {
    rule: 'application level',
    sentence: 'an application cell overrides the account cell for that application',
    without: ['oscar', 'ada', 'dev', 'fin'],
    setup: steps(cell('olga', 'job.fail', 'email', false), cell('olga', 'job.fail', 'email', true, 'web')),
    event: { type: 'job.fail', application: 'web' },
    delivers: ['email olga via preference'],
  },
  {
    rule: 'application level',
    sentence: 'an application override does not reach other applications',
    without: ['oscar', 'ada', 'dev', 'fin'],
    setup: steps(cell('olga', 'job.fail', 'email', false), cell('olga', 'job.fail', 'email', true, 'web')),
    event: { type: 'job.fail', application: 'api' },
    delivers: [],
    skips: { 'email olga': /account setting: off/ },
  },
  {
    rule: 'application level',
    sentence: 'an application override "off" wins over an account "on"',
    without: ['oscar', 'ada', 'dev', 'fin'],
    setup: steps(cell('olga', 'job.fail', 'email', true), cell('olga', 'job.fail', 'email', false, 'web')),
    event: { type: 'job.fail', application: 'web' },
    delivers: [],
    skips: { 'email olga': /application override: off \(web\)/ },
  },
  {
    rule: 'application level',
    sentence: 'an application override does not apply to account events',
    without: ['oscar', 'ada', 'dev', 'fin'],
    setup: cell('olga', 'job.fail', 'email', false, 'web'),
    event: { type: 'job.fail' },
    delivers: ['email olga via preference'],
  },
  // Roles and groups
  {
    rule: 'roles x groups',
    sentence: 'billing reaches owners and finance members, not admins or developers',
    event: { type: 'account.payment.fail' },
    delivers: ['email olga via preference', 'email oscar via preference', 'email fin via preference'],
    skips: {
      'email ada': /role admin does not receive group billing/,
      'email dev': /role developer does not receive group billing/,
    },
  },
  {
    rule: 'roles x groups',
    sentence: 'a type in billing and security reaches every role (account.suspended, e-mail turned on)',
    setup: steps(...MEMBERS.map((member) => cell(member.user_id, 'account.suspended', 'email', true))),
    event: { type: 'account.suspended' },
    delivers: MEMBERS.map((member) => `email ${member.user_id} via preference`),
  },
  {
    rule: 'roles x groups',
    sentence: "a member's own cells cannot open a group their role does not receive",
    without: ['olga', 'oscar', 'ada', 'fin'],
    setup: cell('dev', 'account.invoice.issued', 'email', true),
    event: { type: 'account.invoice.issued' },
    delivers: [],
    skips: { 'email dev': /role developer does not receive group billing/ },
  },
  // Finance opt-out
  {
    rule: 'finance opt-out',
    sentence: 'an owner who turned billing off gets no billing events while others still do',
    setup: optOut('olga'),
    event: { type: 'account.payment.fail' },
    delivers: ['email oscar via preference', 'email fin via preference'],
    skips: { 'email olga': /olga turned billing off/ },
  },
  {
    rule: 'finance opt-out',
    sentence: 'the opt-out covers billing only: account.suspended (also security) still reaches that owner',
    without: ['oscar', 'ada', 'dev'],
    setup: steps(optOut('olga'), cell('olga', 'account.suspended', 'email', true)),
    event: { type: 'account.suspended' },
    delivers: ['email olga via preference'],
  },
  {
    rule: 'finance opt-out',
    sentence: 'if the last other recipient leaves, the opted-out owner receives billing again',
    without: ['oscar', 'ada', 'dev'],
    setup: steps(optOut('olga'), (api) => expectOk(api('DELETE', '/members/fin'))),
    event: { type: 'account.payment.fail' },
    delivers: ['email olga via preference'],
  },
  // Hooks: filters, scopes, groups
  {
    rule: 'hooks',
    sentence: 'a hook receives an event its group filter matches',
    without: ['olga', 'oscar', 'ada', 'dev', 'fin'],
    setup: hook({ ...WEBHOOK, name: 'Billing', events: ['group:billing'] }),
    event: { type: 'account.payment.fail' },
    delivers: ['webhook - via Billing'],
  },
  {
    rule: 'hooks',
    sentence: 'a hook whose filter does not name the type or its groups is skipped',
    without: ['olga', 'oscar', 'ada', 'dev', 'fin'],
    setup: hook({ ...WEBHOOK, name: 'Jobs', events: ['job.fail', 'group:server'] }),
    event: { type: 'process.down' },
    delivers: [],
    skips: { 'webhook Jobs': /event filter does not include process.down/ },
  },
  {
    rule: 'hooks',
    sentence: 'a disabled hook is skipped',
    without: ['olga', 'oscar', 'ada', 'dev', 'fin'],
    setup: hook({ ...WEBHOOK, name: 'Off', events: 'all', enabled: false }),
    event: { type: 'job.fail' },
    delivers: [],
    skips: { 'webhook Off': /hook "Off" is disabled/ },
  },
  {
    rule: 'scopes',
    sentence: 'a hook scoped to an application receives its events',
    without: ['olga', 'oscar', 'ada', 'dev', 'fin'],
    setup: hook({ ...WEBHOOK, name: 'Web', events: 'all', applications: ['web'] }),
    event: { type: 'stack.redeploy.fail', application: 'web' },
    delivers: ['webhook - via Web'],
  },
  {
    rule: 'scopes',
    sentence: "a hook scoped to an application skips another application's events",
    without: ['olga', 'oscar', 'ada', 'dev', 'fin'],
    setup: hook({ ...WEBHOOK, name: 'Web', events: 'all', applications: ['web'] }),
    event: { type: 'stack.redeploy.fail', application: 'api' },
    delivers: [],
    skips: { 'webhook Web': /scope excludes application api/ },
  },
  {
    rule: 'scopes',
    sentence: 'a hook scoped to applications skips account events',
    without: ['olga', 'oscar', 'ada', 'dev', 'fin'],
    setup: hook({ ...WEBHOOK, name: 'Web', events: 'all', applications: ['web'] }),
    event: { type: 'job.fail' },
    delivers: [],
    skips: { 'webhook Web': /scope excludes account events/ },
  },
  {
    rule: 'scopes',
    sentence: 'a hook scoped to an add-on receives its events',
    without: ['olga', 'oscar', 'ada', 'dev', 'fin'],
    setup: hook({ ...WEBHOOK, name: 'DB', events: 'all', addons: ['db'] }),
    event: { type: 'process.down', addon: 'db' },
    delivers: ['webhook - via DB'],
  },
  {
    rule: 'scopes',
    sentence: 'a hook without a scope receives account events too',
    without: ['olga', 'oscar', 'ada', 'dev', 'fin'],
    setup: hook({ ...WEBHOOK, name: 'Everything', events: 'all' }),
    event: { type: 'job.fail' },
    delivers: ['webhook - via Everything'],
  },
  // E-mail hooks addressed by role
  {
    rule: 'e-mail hooks',
    sentence: 'the default hook sends deployment results to the members whose role receives them',
    defaultHook: true,
    event: { type: 'stack.redeploy.fail', application: 'web' },
    delivers: [
      'email olga via Default deployment result e-mails',
      'email oscar via Default deployment result e-mails',
      'email ada via Default deployment result e-mails',
      'email dev via Default deployment result e-mails',
    ],
    skips: { 'email fin': /role finance does not receive group deployment or deployment-results/ },
  },
  {
    rule: 'e-mail hooks',
    sentence: "a member's explicit e-mail off wins over a hook addressed to members",
    defaultHook: true,
    without: ['oscar', 'ada', 'fin'],
    setup: cell('olga', 'stack.redeploy.fail', 'email', false, 'web'),
    event: { type: 'stack.redeploy.fail', application: 'web' },
    delivers: ['email dev via Default deployment result e-mails'],
    skips: { 'email olga': /olga turned e-mail off for stack.redeploy.fail \(application override: off \(web\)\)/ },
  },
  {
    rule: 'e-mail hooks',
    sentence: 'a hook addressed to owners skips the other roles',
    without: ['fin'],
    setup: hook({ kind: 'email', name: 'Owners', to: 'owners', events: ['job.fail'] }),
    event: { type: 'job.fail' },
    delivers: [
      'email olga via Owners',
      'email oscar via Owners',
      'email ada via preference',
      'email dev via preference',
    ],
    skips: { 'email ada': /addressed to owners; ada is admin/ },
  },
  {
    rule: 'e-mail hooks',
    sentence: 'a hook to listed addresses always sends, whatever the roles and cells',
    without: ['olga', 'oscar', 'ada', 'dev', 'fin'],
    setup: hook({ kind: 'email', name: 'Ops list', to: ['ops@example.test'], events: ['group:billing'] }),
    event: { type: 'account.payment.fail' },
    delivers: ['email ops@example.test via Ops list'],
  },
  // One message per person
  {
    rule: 'dedup',
    sentence: 'an address reached by a hook and a personal preference gets one e-mail',
    defaultHook: true,
    without: ['oscar', 'ada', 'dev', 'fin'],
    event: { type: 'stack.redeploy.fail', application: 'web' },
    delivers: ['email olga via Default deployment result e-mails'],
    skips: { 'email olga': /deduplicated with hook "Default deployment result e-mails"/ },
  },
  {
    rule: 'dedup',
    sentence: "a listed address equal to a member's (in another case) is deduplicated with the personal e-mail",
    without: ['oscar', 'ada', 'dev', 'fin'],
    setup: hook({ kind: 'email', name: 'List', to: ['OLGA@acme.test'], events: ['job.fail'] }),
    event: { type: 'job.fail' },
    delivers: ['email OLGA@acme.test via List'],
    skips: { 'email olga': /deduplicated with hook "List"/ },
  },
  // Access changes
  {
    rule: 'access changes',
    sentence: "a removed member's queued deliveries are cancelled",
    without: ['oscar', 'ada', 'fin'],
    event: { type: 'job.fail' },
    afterEvent: (api) => expectOk(api('DELETE', '/members/dev')),
    delivers: ['email olga via preference', 'email dev via preference'],
    statuses: { 'email dev': 'cancelled', 'email olga': 'pending' },
  },
  {
    rule: 'access changes',
    sentence: 'a removed member gets nothing from the next event on',
    without: ['oscar', 'ada', 'fin'],
    setup: (api) => expectOk(api('DELETE', '/members/dev')),
    event: { type: 'job.fail' },
    delivers: ['email olga via preference'],
  },
  {
    rule: 'access changes',
    sentence: 'a role change cancels queued deliveries of groups the new role does not receive, and keeps the others',
    without: ['oscar', 'ada', 'fin'],
    event: { type: 'job.fail' },
    afterEvent: (api) => expectOk(api('PATCH', '/members/dev', { role: 'finance' })),
    delivers: ['email olga via preference', 'email dev via preference'],
    statuses: { 'email dev': 'cancelled', 'email olga': 'pending' },
  },
  {
    rule: 'access changes',
    sentence: 'after a role change, the next event follows the new role',
    without: ['olga', 'oscar', 'ada', 'fin'],
    setup: (api) => expectOk(api('PATCH', '/members/dev', { role: 'finance' })),
    event: { type: 'account.payment.fail' },
    delivers: ['email dev via preference'],
  },
];

for (const kind of STORE_KINDS) {
  describe(`${kind}: who gets what, rule by rule`, () => {
    let t: TestClarion;
    let counter = 0;

    before(async () => {
      t = await startTestClarion(kind, { config: { role: 'api' } });
    });
    after(() => t.close());

    for (const c of CASES) {
      it(`${c.rule}: ${c.sentence}`, async () => {
        const org = `org-${++counter}`;
        const api: Api = (method, path, body) => t.json(method, `/v1/organizations/${org}${path}`, body);
        await organization(t, org, c);
        await c.setup?.(api, (method, path, body) => t.json(method, path, body));
        const event = await t.json('POST', '/v1/events', { organization: org, data: {}, ...c.event });
        assert.equal(event.status, 202, JSON.stringify(event.body));
        await c.afterEvent?.(api);

        const why = await api('GET', `/events/${event.body.id}/recipients?include=skipped`);
        assert.equal(why.status, 200, JSON.stringify(why.body));
        const decisions = why.body.data as Decision[];
        const hookNames = await hookNamesOf(api);
        const describe = (d: Decision) =>
          `${d.channel} ${d.user ?? d.address ?? '-'} via ${d.hook === null ? 'preference' : hookNames.get(d.hook)}`;

        const delivered = decisions.filter((d) => d.decision === 'deliver');
        assert.deepEqual(delivered.map(describe).sort(), [...c.delivers].sort(), JSON.stringify(decisions, null, 1));
        for (const [who, rule] of Object.entries(c.skips ?? {})) {
          const [channel, name] = who.split(' ');
          const found = decisions.filter(
            (d) =>
              d.decision === 'skip' &&
              d.channel === channel &&
              (d.user === name || d.address === name || hookNames.get(d.hook ?? '') === name),
          );
          assert.ok(
            found.some((d) => rule.test(d.rule)),
            `no skip of ${who} matching ${rule}: ${JSON.stringify(found)}`,
          );
        }
        for (const [who, status] of Object.entries(c.statuses ?? {})) {
          const [channel, user] = who.split(' ');
          const match = delivered.find((d) => d.channel === channel && d.user === user);
          assert.equal(match?.delivery?.status, status, `${who}: ${JSON.stringify(match)}`);
        }
      });
    }

    it('finance opt-out: refused when no other owner or finance member would receive billing', async () => {
      const org = `org-${++counter}`;
      await organization(t, org, { without: ['oscar', 'ada', 'dev', 'fin'] });
      const refused = await t.json('PUT', `/v1/organizations/${org}/billing/owners/olga`, { receives: false });
      assert.equal(refused.status, 409);
      assert.equal(refused.body.code, 'CLARION_ERR_BILLING_LAST_RECIPIENT');
      assert.match(refused.body.message, /nobody receiving billing/);
      const billing = await t.json('GET', `/v1/organizations/${org}/billing`);
      assert.deepEqual(billing.body.recipients, [
        { user_id: 'olga', email: 'olga@acme.test', role: 'owner', receives: true, opted_out: false },
      ]);
    });

    it('finance opt-out: refused for the second owner once the first opted out, with no finance member', async () => {
      const org = `org-${++counter}`;
      await organization(t, org, { without: ['ada', 'dev', 'fin'] });
      assert.equal(
        (await t.json('PUT', `/v1/organizations/${org}/billing/owners/olga`, { receives: false })).status,
        200,
      );
      const refused = await t.json('PUT', `/v1/organizations/${org}/billing/owners/oscar`, { receives: false });
      assert.equal(refused.body.code, 'CLARION_ERR_BILLING_LAST_RECIPIENT');
    });

    it('finance opt-out: only owners can opt out', async () => {
      const org = `org-${++counter}`;
      await organization(t, org, {});
      const refused = await t.json('PUT', `/v1/organizations/${org}/billing/owners/fin`, { receives: false });
      assert.equal(refused.status, 422);
      assert.equal(refused.body.code, 'CLARION_ERR_BILLING_NOT_OWNER');
    });
  });
}

/** Creates the case's organization: its members, applications web and api, add-on db on web. */
async function organization(t: TestClarion, org: string, c: Pick<Case, 'without' | 'defaultHook'>): Promise<void> {
  const api: Api = (method, path, body) => t.json(method, `/v1/organizations/${org}${path}`, body);
  await expectOk(t.json('POST', '/v1/organizations', { id: org, name: org }));
  for (const member of MEMBERS) {
    if (c.without?.includes(member.user_id)) continue;
    await expectOk(api('POST', '/members', { ...member, email: `${member.user_id}@acme.test` }));
  }
  await expectOk(api('POST', '/applications', { id: 'web', name: 'Web' }));
  await expectOk(api('POST', '/applications', { id: 'api', name: 'API' }));
  await expectOk(api('POST', '/addons', { id: 'db', name: 'DB', application: 'web' }));
  if (c.defaultHook !== true) {
    const hooks = await api('GET', '/hooks');
    for (const hook of hooks.body.data) await expectOk(api('DELETE', `/hooks/${hook.id}`));
  }
}

async function hookNamesOf(api: Api): Promise<Map<string, string>> {
  const hooks = await api('GET', '/hooks');
  return new Map((hooks.body.data as { id: string; name: string }[]).map((hook) => [hook.id, hook.name]));
}
