// Authorization, route by route: a literal table, written by hand, of who may call what. Each
// caller is the platform key or a member token (owner, admin, developer, finance of "acme", and
// an owner of another organization). "ok" means access control let the call through (the
// handler may still answer 404 for a missing object or 409 for a conflict); 403 is a refusal by
// role; 404 is "organization not found", what a member of another organization is told. The
// test fails when a route of the OpenAPI document is missing from the table, or vice versa.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { STORE_KINDS } from '../helpers/stores.ts';
import { startTestClarion, type TestClarion } from '../helpers/test-clarion.ts';

type Expected = 'ok' | 403 | 404;
/** Columns: platform, owner, admin, developer, finance, owner of another organization. */
type Row = readonly [Expected, Expected, Expected, Expected, Expected, Expected];

const CALLERS = ['platform', 'owner', 'admin', 'developer', 'finance', 'stranger'] as const;
type Caller = (typeof CALLERS)[number];

const PLATFORM_ONLY: Row = ['ok', 403, 403, 403, 403, 403];
const ANY_CALLER: Row = ['ok', 'ok', 'ok', 'ok', 'ok', 'ok'];
const ANY_MEMBER: Row = ['ok', 'ok', 'ok', 'ok', 'ok', 404];
const MEMBERS_NOT_FINANCE: Row = ['ok', 'ok', 'ok', 'ok', 403, 404];
const OWNERS_ADMINS: Row = ['ok', 'ok', 'ok', 403, 403, 404];
/** `self` routes under an organization: each member for themselves. */
const SELF_IN_ORG: Row = ['ok', 'ok', 'ok', 'ok', 'ok', 404];
/** `self` routes without an organization (a member's own tokens). */
const SELF: Row = ['ok', 'ok', 'ok', 'ok', 'ok', 'ok'];

const TABLE: Readonly<Record<string, Row>> = {
  'GET /metrics': PLATFORM_ONLY,
  'GET /v1/event-types': ANY_CALLER,
  'GET /v1/event-types/{name}': ANY_CALLER,
  'PUT /v1/event-types/{name}': PLATFORM_ONLY,
  'DELETE /v1/event-types/{name}': PLATFORM_ONLY,
  'GET /v1/event-groups': ANY_CALLER,
  'PUT /v1/event-groups/{name}': PLATFORM_ONLY,
  'DELETE /v1/event-groups/{name}': PLATFORM_ONLY,
  'POST /v1/organizations': PLATFORM_ONLY,
  'GET /v1/organizations': PLATFORM_ONLY,
  'GET /v1/organizations/{org}': ANY_MEMBER,
  'PATCH /v1/organizations/{org}': PLATFORM_ONLY,
  'DELETE /v1/organizations/{org}': PLATFORM_ONLY,
  'POST /v1/organizations/{org}/members': OWNERS_ADMINS,
  'GET /v1/organizations/{org}/members': MEMBERS_NOT_FINANCE,
  'GET /v1/organizations/{org}/members/{user}': MEMBERS_NOT_FINANCE,
  'PATCH /v1/organizations/{org}/members/{user}': PLATFORM_ONLY,
  'DELETE /v1/organizations/{org}/members/{user}': PLATFORM_ONLY,
  'POST /v1/users/{user}/tokens': PLATFORM_ONLY,
  'GET /v1/users/{user}/tokens': SELF,
  'DELETE /v1/users/{user}/tokens/{token}': SELF,
  'POST /v1/users/{user}/login-links': PLATFORM_ONLY,
  'POST /v1/operator-login-links': PLATFORM_ONLY,
  'GET /v1/web-push/vapid-public-key': ANY_CALLER,
  'POST /v1/users/{user}/ios-devices': SELF,
  'GET /v1/users/{user}/ios-devices': SELF,
  'DELETE /v1/users/{user}/ios-devices/{device}': SELF,
  'POST /v1/users/{user}/web-push-subscriptions': SELF,
  'GET /v1/users/{user}/web-push-subscriptions': SELF,
  'DELETE /v1/users/{user}/web-push-subscriptions/{subscription}': SELF,
  'DELETE /v1/sessions/current': ANY_CALLER,
  // The platform key is not a member: /v1/me refuses it.
  'GET /v1/me': [403, 'ok', 'ok', 'ok', 'ok', 'ok'],
  'GET /v1/organizations/{org}/members/{user}/preferences': SELF_IN_ORG,
  'PUT /v1/organizations/{org}/members/{user}/preferences': SELF_IN_ORG,
  'PUT /v1/organizations/{org}/members/{user}/preferences/{type}': SELF_IN_ORG,
  'PUT /v1/organizations/{org}/members/{user}/preferences/{type}/{channel}': SELF_IN_ORG,
  'DELETE /v1/organizations/{org}/members/{user}/preferences/{type}/{channel}': SELF_IN_ORG,
  'GET /v1/organizations/{org}/members/{user}/applications/{app}/preferences': SELF_IN_ORG,
  'PUT /v1/organizations/{org}/members/{user}/applications/{app}/preferences': SELF_IN_ORG,
  'PUT /v1/organizations/{org}/members/{user}/applications/{app}/preferences/{type}': SELF_IN_ORG,
  'PUT /v1/organizations/{org}/members/{user}/applications/{app}/preferences/{type}/{channel}': SELF_IN_ORG,
  'DELETE /v1/organizations/{org}/members/{user}/applications/{app}/preferences/{type}/{channel}': SELF_IN_ORG,
  'GET /v1/organizations/{org}/billing': ['ok', 'ok', 'ok', 403, 'ok', 404],
  'PUT /v1/organizations/{org}/billing/owners/{user}': ['ok', 'ok', 403, 403, 'ok', 404],
  'POST /v1/organizations/{org}/applications': PLATFORM_ONLY,
  'GET /v1/organizations/{org}/applications': ANY_MEMBER,
  'GET /v1/organizations/{org}/applications/{id}': ANY_MEMBER,
  'PATCH /v1/organizations/{org}/applications/{id}': PLATFORM_ONLY,
  'DELETE /v1/organizations/{org}/applications/{id}': PLATFORM_ONLY,
  'POST /v1/organizations/{org}/addons': PLATFORM_ONLY,
  'GET /v1/organizations/{org}/addons': ANY_MEMBER,
  'GET /v1/organizations/{org}/addons/{id}': ANY_MEMBER,
  'PATCH /v1/organizations/{org}/addons/{id}': PLATFORM_ONLY,
  'DELETE /v1/organizations/{org}/addons/{id}': PLATFORM_ONLY,
  'POST /v1/organizations/{org}/hooks': OWNERS_ADMINS,
  'GET /v1/organizations/{org}/hooks': MEMBERS_NOT_FINANCE,
  'GET /v1/organizations/{org}/applications/{app}/hooks': MEMBERS_NOT_FINANCE,
  'GET /v1/organizations/{org}/hooks/{hook}': MEMBERS_NOT_FINANCE,
  'PATCH /v1/organizations/{org}/hooks/{hook}': OWNERS_ADMINS,
  'DELETE /v1/organizations/{org}/hooks/{hook}': OWNERS_ADMINS,
  'POST /v1/organizations/{org}/hooks/{hook}/retry-failed': OWNERS_ADMINS,
  'POST /v1/organizations/{org}/hooks/default': OWNERS_ADMINS,
  'GET /v1/organizations/{org}/hooks/{hook}/events': MEMBERS_NOT_FINANCE,
  'PUT /v1/organizations/{org}/hooks/{hook}/events/{type}': OWNERS_ADMINS,
  'POST /v1/organizations/{org}/hooks/{hook}/test': OWNERS_ADMINS,
  'POST /v1/organizations/{org}/hooks/{hook}/secret/rotate': OWNERS_ADMINS,
  'GET /v1/organizations/{org}/settings': OWNERS_ADMINS,
  'PUT /v1/organizations/{org}/settings': OWNERS_ADMINS,
  'GET /v1/organizations/{org}/applications/{app}/settings': OWNERS_ADMINS,
  'PUT /v1/organizations/{org}/applications/{app}/settings': OWNERS_ADMINS,
  'POST /v1/organizations/{org}/applications/{app}/settings/copy': OWNERS_ADMINS,
  'POST /v1/events': PLATFORM_ONLY,
  'GET /v1/organizations/{org}/events': MEMBERS_NOT_FINANCE,
  'GET /v1/organizations/{org}/events/{id}': MEMBERS_NOT_FINANCE,
  // Finance members may ask only about themselves (the test asks with user=<caller>).
  'GET /v1/organizations/{org}/events/{id}/recipients': ANY_MEMBER,
  // Streams: the SSE routes are read until their headers arrive, then closed; the WebSocket route
  // without an upgrade answers 426 once access control let the call through.
  'GET /v1/organizations/{org}/events/stream': MEMBERS_NOT_FINANCE,
  'GET /v1/organizations/{org}/events/socket': MEMBERS_NOT_FINANCE,
  'POST /v1/organizations/{org}/events/stream-tokens': MEMBERS_NOT_FINANCE,
  // The inbox is a member's own; the platform key is not a member.
  'GET /v1/me/notifications': [403, 'ok', 'ok', 'ok', 'ok', 'ok'],
  'GET /v1/me/notifications/unread-count': [403, 'ok', 'ok', 'ok', 'ok', 'ok'],
  'POST /v1/me/notifications/{seq}/read': [403, 'ok', 'ok', 'ok', 'ok', 'ok'],
  'POST /v1/me/notifications/read': [403, 'ok', 'ok', 'ok', 'ok', 'ok'],
  'POST /v1/me/notifications/stream-tokens': [403, 'ok', 'ok', 'ok', 'ok', 'ok'],
  'GET /v1/me/notifications/stream': [403, 'ok', 'ok', 'ok', 'ok', 'ok'],
  'GET /v1/deliveries': PLATFORM_ONLY,
  'GET /v1/deliveries/{id}': PLATFORM_ONLY,
  'GET /v1/deliveries/stats': PLATFORM_ONLY,
  'POST /v1/deliveries/{id}/retry': PLATFORM_ONLY,
  'GET /v1/organizations/{org}/deliveries': MEMBERS_NOT_FINANCE,
  'GET /v1/organizations/{org}/deliveries/{id}': MEMBERS_NOT_FINANCE,
  'GET /v1/organizations/{org}/deliveries/stats': MEMBERS_NOT_FINANCE,
  'POST /v1/organizations/{org}/deliveries/retry': OWNERS_ADMINS,
  'POST /v1/organizations/{org}/deliveries/{id}/retry': OWNERS_ADMINS,
};

/**
 * Routes anyone may call without credentials (`security: []` in the OpenAPI document), besides
 * /healthz and /readyz: each must refuse bad input by itself, never with CLARION_ERR_AUTH_MISSING.
 */
const PUBLIC_ROUTES: readonly string[] = [
  'POST /v1/sessions',
  // One-click unsubscribe (RFC 8058): the signed token in the path is the only credential.
  'GET /v1/unsubscribe/{token}',
  'POST /v1/unsubscribe/{token}',
];

const USERS: Record<Exclude<Caller, 'platform'>, { user: string; role: string; org: string }> = {
  owner: { user: 'olga', role: 'owner', org: 'acme' },
  admin: { user: 'ada', role: 'admin', org: 'acme' },
  developer: { user: 'dev', role: 'developer', org: 'acme' },
  finance: { user: 'fin', role: 'finance', org: 'acme' },
  stranger: { user: 'sam', role: 'owner', org: 'other' },
};

/** Bodies that pass validation where it is cheap to give one (a refusal never depends on it). */
const BODIES: Record<string, unknown> = {
  'POST /v1/organizations/{org}/members': { email: 'new-finance@acme.test', role: 'finance' },
  'PUT /v1/organizations/{org}/billing/owners/{user}': { receives: true },
  'PUT /v1/organizations/{org}/members/{user}/preferences/{type}/{channel}': { enabled: true },
  'PUT /v1/organizations/{org}/members/{user}/applications/{app}/preferences/{type}/{channel}': { enabled: true },
  'PATCH /v1/organizations/{org}/members/{user}': { name: 'Renamed' },
  'POST /v1/users/{user}/tokens': { name: 'table' },
  'POST /v1/organizations/{org}/deliveries/retry': { since: '2026-01-01T00:00:00Z', until: '2026-01-02T00:00:00Z' },
};

for (const kind of STORE_KINDS) {
  describe(`${kind}: who may call each route`, () => {
    let t: TestClarion;
    const tokens = new Map<Caller, string>();
    let fixture: { hook: string; delivery: string };

    before(async () => {
      t = await startTestClarion(kind, { config: { role: 'api' } });
      for (const org of ['acme', 'other']) await t.json('POST', '/v1/organizations', { id: org, name: org });
      for (const [caller, { user, role, org }] of Object.entries(USERS)) {
        await t.json('POST', `/v1/organizations/${org}/members`, { user_id: user, email: `${user}@acme.test`, role });
        const minted = await t.json('POST', `/v1/users/${user}/tokens`, { name: 'test' });
        tokens.set(caller as Caller, minted.body.token);
      }
      await t.json('POST', '/v1/organizations/acme/applications', { id: 'web', name: 'Web' });
      const hooks = await t.json('GET', '/v1/organizations/acme/hooks');
      await t.json('POST', '/v1/events', { id: 'evt-1', type: 'job.fail', organization: 'acme', data: {} });
      const deliveries = await t.json('GET', '/v1/deliveries?organization=acme');
      fixture = { hook: hooks.body.data[0].id, delivery: deliveries.body.data[0].id };
    });
    after(() => t.close());

    it('has a row for every route of the OpenAPI document, and no row for a route that does not exist', async () => {
      const routes = await documentedRoutes(t);
      assert.deepEqual(
        routes.filter((route) => !(route in TABLE)),
        [],
        'routes missing from the table',
      );
      assert.deepEqual(
        Object.keys(TABLE).filter((route) => !routes.includes(route)),
        [],
        'table rows for routes that do not exist',
      );
    });

    it('lists every public route, and each answers a call without credentials by itself', async () => {
      assert.deepEqual((await publicRoutes(t)).sort(), [...PUBLIC_ROUTES].sort());
      for (const route of PUBLIC_ROUTES) {
        const [method, pattern] = route.split(' ') as [string, string];
        const response = await t.clarion.app!.inject({
          method: method as 'GET',
          url: pattern.replace('{token}', 'not-a-token'),
          ...(method === 'POST' ? { payload: route === 'POST /v1/sessions' ? { token: 'not-a-token' } : {} } : {}),
        });
        assert.ok(response.statusCode >= 400 && response.statusCode < 500, `${route}: ${response.statusCode}`);
        assert.notEqual(response.json<{ code: string }>().code, 'CLARION_ERR_AUTH_MISSING', route);
      }
    });

    // Deleting the organization comes last: every other row needs it.
    const rows = Object.entries(TABLE).sort(
      ([a], [b]) => Number(a === 'DELETE /v1/organizations/{org}') - Number(b === 'DELETE /v1/organizations/{org}'),
    );
    for (const [route, expected] of rows) {
      it(route, async () => {
        const [method, pattern] = route.split(' ') as [string, string];
        // The platform goes last, so its changes cannot hide a member's refusal.
        for (const caller of [...CALLERS.slice(1), CALLERS[0]]) {
          const user = caller === 'platform' ? 'olga' : USERS[caller].user;
          const url = fill(pattern, method, user, fixture);
          const query = route.endsWith('/recipients') ? `?user=${user}` : '';
          const streaming = route.endsWith('/stream');
          const response = await t.clarion.app!.inject({
            method: method as 'GET',
            url: url + query,
            headers: {
              authorization: `Bearer ${caller === 'platform' ? 'test-platform-key-0123456789' : tokens.get(caller)}`,
            },
            ...(method === 'GET' || method === 'DELETE' ? {} : { payload: BODIES[route] ?? {} }),
            // A stream never ends: take the status and headers, then hang up.
            ...(streaming ? { payloadAsStream: true } : {}),
          });
          const json = String(response.headers['content-type']).startsWith('application/json');
          let code: string | undefined;
          if (streaming) {
            const chunks: Buffer[] = [];
            const stream = response.stream();
            if (json) for await (const chunk of stream) chunks.push(chunk as Buffer);
            else stream.destroy();
            code = json ? (JSON.parse(Buffer.concat(chunks).toString()) as { code?: string }).code : undefined;
          } else if (json) {
            code = response.json<{ code?: string }>().code;
          }
          const actual: Expected =
            response.statusCode === 403
              ? 403
              : response.statusCode === 404 && code === 'CLARION_ERR_ORGANIZATION_NOT_FOUND'
                ? 404
                : 'ok';
          assert.notEqual(response.statusCode, 401, `${caller} ${route}: ${response.body}`);
          assert.equal(
            actual,
            expected[CALLERS.indexOf(caller)],
            `${caller} ${method} ${url}: ${response.statusCode} ${response.body}`,
          );
        }
      });
    }
  });
}

/** Every "METHOD /path" of the app's OpenAPI document that needs credentials. */
async function documentedRoutes(t: TestClarion): Promise<string[]> {
  const paths = (await t.json('GET', '/openapi.json')).body.paths as Record<
    string,
    Record<string, { security?: unknown[] }>
  >;
  const routes: string[] = [];
  for (const [path, item] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!['get', 'put', 'post', 'patch', 'delete'].includes(method)) continue;
      if (path === '/healthz' || path === '/readyz') continue;
      if (Array.isArray(operation.security) && operation.security.length === 0) continue;
      routes.push(`${method.toUpperCase()} ${path}`);
    }
  }
  return routes;
}

/** Every "METHOD /path" of the app's OpenAPI document that anyone may call, health checks aside. */
async function publicRoutes(t: TestClarion): Promise<string[]> {
  const paths = (await t.json('GET', '/openapi.json')).body.paths as Record<
    string,
    Record<string, { security?: unknown[] }>
  >;
  const routes: string[] = [];
  for (const [path, item] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!['get', 'put', 'post', 'patch', 'delete'].includes(method)) continue;
      if (path === '/healthz' || path === '/readyz') continue;
      if (Array.isArray(operation.security) && operation.security.length === 0) {
        routes.push(`${method.toUpperCase()} ${path}`);
      }
    }
  }
  return routes;
}

/**
 * The route's URL for a caller: organization "acme", the caller's own user id, the fixture's
 * objects; deletions aim at objects that do not exist, so no row changes what the next one sees.
 */
function fill(pattern: string, method: string, user: string, fixture: { hook: string; delivery: string }): string {
  const missing = method === 'DELETE';
  return pattern
    .replace('{org}', 'acme')
    .replace('{user}', missing && pattern.endsWith('/members/{user}') ? 'nobody' : user)
    .replace('{app}', 'web')
    .replace('{hook}', missing ? 'missing-hook' : fixture.hook)
    .replace('{type}', 'job.fail')
    .replace('{channel}', 'email')
    .replace('{token}', 'tok-missing')
    .replace('{device}', 'dev-missing')
    .replace('{subscription}', 'wps-missing')
    .replace('{seq}', '1')
    .replace('{name}', 'custom.type')
    .replace('/deliveries/{id}', `/deliveries/${fixture.delivery}`)
    .replace('/events/{id}', '/events/evt-1')
    .replace('/applications/{id}', missing ? '/applications/missing-app' : '/applications/web')
    .replace('/addons/{id}', '/addons/missing-addon');
}
