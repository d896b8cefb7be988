// Every refused request answers with its documented status and code, in the one error shape,
// and leaves nothing behind in the store. The workers are not started: the only rows that can
// appear are the ones a request writes, so counting them before and after is exact.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { STORE_KINDS } from '../helpers/stores.ts';
import { startTestClarion, TEST_PLATFORM_KEY, type TestClarion } from '../helpers/test-clarion.ts';

type Counted = 'events' | 'deliveries' | 'attempts' | 'hooks';

async function countRows(t: TestClarion, tables: readonly Counted[]): Promise<Record<Counted, number>> {
  const counts: Partial<Record<Counted, number>> = {};
  for (const table of tables) {
    const row = await t.clarion.store.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  return counts as Record<Counted, number>;
}

const INGEST_TABLES = ['events', 'deliveries', 'attempts'] as const;

/** A status and code an error answer may have. */
type Expected = readonly [status: number, code: string];

/**
 * Asserts `{statusCode, error, message, code}` exactly, with the expected status and code (or one
 * of the expected pairs, where more than one answer is right).
 */
function assertErrorBody(response: LightMyRequestResponse, status: number, code: string): void;
function assertErrorBody(response: LightMyRequestResponse, expected: readonly Expected[]): void;
function assertErrorBody(
  response: LightMyRequestResponse,
  statusOrExpected: number | readonly Expected[],
  code?: string,
): void {
  const expected: readonly Expected[] =
    typeof statusOrExpected === 'number' ? [[statusOrExpected, code!]] : statusOrExpected;
  const wanted = expected.map(([status, name]) => `${status} ${name}`).join(' or ');
  assert.ok(response.statusCode < 500, `a client error must never be a 5xx (wanted ${wanted}): ${response.body}`);
  const body = response.json();
  assert.ok(
    expected.some(([status, name]) => response.statusCode === status && body.code === name),
    `expected ${wanted}, got ${response.statusCode}: ${response.body}`,
  );
  assert.deepEqual(Object.keys(body).sort(), ['code', 'error', 'message', 'statusCode']);
  assert.equal(body.statusCode, response.statusCode);
  assert.equal(typeof body.error, 'string');
  assert.ok(body.error.length > 0);
  assert.equal(typeof body.message, 'string');
  assert.ok(body.message.length > 0);
}

function postEvent(t: TestClarion, payload: unknown): Promise<LightMyRequestResponse> {
  return t.request('POST', '/v1/events', payload);
}

/** Sends the request and checks its error answer, and that events, deliveries and attempts are untouched. */
async function assertRefusedWithoutRows(
  t: TestClarion,
  send: () => Promise<LightMyRequestResponse>,
  statusOrExpected: number | readonly Expected[],
  code?: string,
): Promise<void> {
  const before = await countRows(t, INGEST_TABLES);
  const response = await send();
  if (typeof statusOrExpected === 'number') assertErrorBody(response, statusOrExpected, code!);
  else assertErrorBody(response, statusOrExpected);
  assert.deepEqual(await countRows(t, INGEST_TABLES), before, 'a refused event must leave no row behind');
}

for (const kind of STORE_KINDS) {
  describe(`${kind}: bad input to POST /v1/events`, () => {
    let t: TestClarion;

    before(async () => {
      t = await startTestClarion(kind, { start: false });
      assert.equal((await t.json('POST', '/v1/organizations', { id: 'acme', name: 'Acme' })).status, 201);
      assert.equal(
        (await t.json('POST', '/v1/organizations/acme/applications', { id: 'web', name: 'Web' })).status,
        201,
      );
      assert.equal(
        (await t.json('POST', '/v1/organizations/acme/addons', { id: 'db', name: 'Database', application: 'web' }))
          .status,
        201,
      );
      // A hook on every event: any event that slipped through would also leave a delivery.
      const hook = await t.json('POST', '/v1/organizations/acme/hooks', {
        name: 'Everything',
        kind: 'webhook',
        url: 'http://127.0.0.1:9/never-sent',
        events: 'all',
      });
      assert.equal(hook.status, 201);
    });

    after(async () => {
      await t.close();
    });

    it('answers malformed JSON with 400 CLARION_ERR_REQUEST_MALFORMED_JSON and stores nothing', async () => {
      await assertRefusedWithoutRows(
        t,
        () =>
          t.clarion.app!.inject({
            method: 'POST',
            url: '/v1/events',
            headers: { authorization: `Bearer ${TEST_PLATFORM_KEY}`, 'content-type': 'application/json' },
            payload: '{"type": "job.fail", "organization": "acme", "data": {',
          }),
        400,
        'CLARION_ERR_REQUEST_MALFORMED_JSON',
      );
    });

    it('answers a body over 256 KiB with 413 CLARION_ERR_REQUEST_TOO_LARGE and stores nothing', async () => {
      const event = { type: 'job.fail', organization: 'acme', data: { blob: 'x'.repeat(256 * 1024) } };
      await assertRefusedWithoutRows(t, () => postEvent(t, event), 413, 'CLARION_ERR_REQUEST_TOO_LARGE');
    });

    it('answers an event type outside the catalog with 422 CLARION_ERR_EVENT_UNKNOWN_TYPE', async () => {
      const event = { type: 'no.such.type', organization: 'acme', data: {} };
      await assertRefusedWithoutRows(t, () => postEvent(t, event), 422, 'CLARION_ERR_EVENT_UNKNOWN_TYPE');
    });

    it('answers an unregistered organization with 422 CLARION_ERR_EVENT_UNKNOWN_ORGANIZATION', async () => {
      const event = { type: 'job.fail', organization: 'nobody', data: {} };
      await assertRefusedWithoutRows(t, () => postEvent(t, event), 422, 'CLARION_ERR_EVENT_UNKNOWN_ORGANIZATION');
    });

    it('answers an unregistered application with 422 CLARION_ERR_EVENT_UNKNOWN_APPLICATION', async () => {
      const event = { type: 'stack.redeploy.fail', organization: 'acme', application: 'nope', data: {} };
      await assertRefusedWithoutRows(t, () => postEvent(t, event), 422, 'CLARION_ERR_EVENT_UNKNOWN_APPLICATION');
    });

    it('answers an unregistered add-on with 422 CLARION_ERR_EVENT_UNKNOWN_ADDON', async () => {
      const event = { type: 'stack.backup.fail', organization: 'acme', application: 'web', addon: 'nope', data: {} };
      await assertRefusedWithoutRows(t, () => postEvent(t, event), 422, 'CLARION_ERR_EVENT_UNKNOWN_ADDON');
    });

    for (const [label, data] of [
      ['an array', [1, 2]],
      ['a string', 'hello'],
      ['null', null],
    ] as const) {
      it(`answers data that is ${label} with 422 CLARION_ERR_EVENT_DATA_NOT_OBJECT`, async () => {
        const event = { type: 'job.fail', organization: 'acme', data };
        await assertRefusedWithoutRows(t, () => postEvent(t, event), 422, 'CLARION_ERR_EVENT_DATA_NOT_OBJECT');
      });
    }

    for (const key of ['event_type', 'timestamp']) {
      it(`answers data with its own "${key}" key with 422 CLARION_ERR_EVENT_DATA_RESERVED_KEY`, async () => {
        const event = { type: 'job.fail', organization: 'acme', data: { [key]: 'mine' } };
        await assertRefusedWithoutRows(t, () => postEvent(t, event), 422, 'CLARION_ERR_EVENT_DATA_RESERVED_KEY');
      });
    }

    it('answers an application event without an application with 422 CLARION_ERR_EVENT_SCOPE_MISMATCH', async () => {
      const event = { type: 'stack.redeploy.fail', organization: 'acme', data: {} };
      await assertRefusedWithoutRows(t, () => postEvent(t, event), 422, 'CLARION_ERR_EVENT_SCOPE_MISMATCH');
    });

    it('answers an account event with an application with 422 CLARION_ERR_EVENT_SCOPE_MISMATCH', async () => {
      const event = { type: 'account.payment.fail', organization: 'acme', application: 'web', data: {} };
      await assertRefusedWithoutRows(t, () => postEvent(t, event), 422, 'CLARION_ERR_EVENT_SCOPE_MISMATCH');
    });

    it('answers an unknown top-level field with 400 FST_ERR_VALIDATION', async () => {
      const event = { type: 'job.fail', organization: 'acme', data: {}, colour: 'red' };
      await assertRefusedWithoutRows(t, () => postEvent(t, event), 400, 'FST_ERR_VALIDATION');
    });

    it('answers an event without data with 400 FST_ERR_VALIDATION', async () => {
      const event = { type: 'job.fail', organization: 'acme' };
      await assertRefusedWithoutRows(t, () => postEvent(t, event), 400, 'FST_ERR_VALIDATION');
    });

    it('answers an event without a type with 400 FST_ERR_VALIDATION', async () => {
      const event = { organization: 'acme', data: {} };
      await assertRefusedWithoutRows(t, () => postEvent(t, event), 400, 'FST_ERR_VALIDATION');
    });

    it('answers a content type other than JSON with 415 CLARION_ERR_REQUEST_UNSUPPORTED_MEDIA_TYPE', async () => {
      await assertRefusedWithoutRows(
        t,
        () =>
          t.clarion.app!.inject({
            method: 'POST',
            url: '/v1/events',
            headers: { authorization: `Bearer ${TEST_PLATFORM_KEY}`, 'content-type': 'application/xml' },
            payload: '<event type="job.fail"/>',
          }),
        415,
        'CLARION_ERR_REQUEST_UNSUPPORTED_MEDIA_TYPE',
      );
    });

    it('answers an occurred_at that is not a date with 400 CLARION_ERR_REQUEST_INVALID', async () => {
      const event = { type: 'job.fail', organization: 'acme', occurred_at: 'yesterday', data: {} };
      await assertRefusedWithoutRows(t, () => postEvent(t, event), 400, 'CLARION_ERR_REQUEST_INVALID');
    });

    it('answers an event id with characters outside [A-Za-z0-9._:-] with 400 FST_ERR_VALIDATION', async () => {
      const event = { id: 'not ok!', type: 'job.fail', organization: 'acme', data: {} };
      await assertRefusedWithoutRows(t, () => postEvent(t, event), 400, 'FST_ERR_VALIDATION');
    });

    // PostgreSQL refuses U+0000 in text (SQLite stores it): refusing it up front keeps both stores alike.
    for (const [field, event] of [
      ['organization', { type: 'job.fail', organization: 'ac\u0000me', data: {} }],
      ['application', { type: 'stack.redeploy.fail', organization: 'acme', application: 'w\u0000eb', data: {} }],
      ['addon', { type: 'stack.backup.fail', organization: 'acme', application: 'web', addon: 'd\u0000b', data: {} }],
    ] as const) {
      it(`answers a NUL character in "${field}" with 400 CLARION_ERR_REQUEST_INVALID and stores nothing`, async () => {
        await assertRefusedWithoutRows(t, () => postEvent(t, event), 400, 'CLARION_ERR_REQUEST_INVALID');
      });
    }

    it("names where the NUL character is, however deep, and lets one through inside an event's data", async () => {
      const hook = await t.json('POST', '/v1/organizations/acme/hooks', {
        name: 'Nul',
        kind: 'webhook',
        url: 'https://example.com/hook',
        events: ['job.fail', 'job.\u0000backon'],
      });
      assert.equal(hook.status, 400);
      assert.equal(hook.body.code, 'CLARION_ERR_REQUEST_INVALID');
      assert.match(hook.body.message, /^body\/events\/1 contains a NUL character/);
      const accepted = await postEvent(t, { type: 'job.fail', organization: 'acme', data: { log: 'a\u0000b' } });
      assert.equal(accepted.statusCode, 202, accepted.body);
    });

    it('refuses a bad event without failing the valid events committed together with it', async () => {
      const before = await countRows(t, INGEST_TABLES);
      // Sent in the same turn, the three share one group commit.
      const [good1, bad, good2] = await Promise.all([
        postEvent(t, { id: 'batch-good-1', type: 'job.fail', organization: 'acme', data: {} }),
        postEvent(t, { type: 'job.fail', organization: 'ac\u0000me', data: {} }),
        postEvent(t, { id: 'batch-good-2', type: 'job.fail', organization: 'acme', data: {} }),
      ]);
      assert.equal(good1.statusCode, 202, `a valid event sent with a bad one: ${good1.body}`);
      assert.equal(good2.statusCode, 202, `a valid event sent with a bad one: ${good2.body}`);
      assertErrorBody(bad, 400, 'CLARION_ERR_REQUEST_INVALID');
      assert.equal((await countRows(t, INGEST_TABLES)).events, before.events + 2);
    });

    it('answers a known id with another body with 409 and the same body again with the original answer', async () => {
      const event = { id: 'idem-1', type: 'job.fail', organization: 'acme', data: { job: 'backup' } };
      const beforeFirst = await countRows(t, INGEST_TABLES);
      const first = await t.json('POST', '/v1/events', event);
      assert.equal(first.status, 202);
      assert.equal(first.body.id, 'idem-1');
      assert.equal(typeof first.body.seq, 'number');
      const afterFirst = await countRows(t, INGEST_TABLES);
      assert.equal(afterFirst.events, beforeFirst.events + 1);
      assert.ok(afterFirst.deliveries > beforeFirst.deliveries, 'the stored event is routed to the hook');

      await assertRefusedWithoutRows(
        t,
        () => postEvent(t, { ...event, data: { job: 'cleanup' } }),
        409,
        'CLARION_ERR_EVENT_ID_CONFLICT',
      );

      const replay = await t.json('POST', '/v1/events', event);
      assert.equal(replay.status, 202);
      assert.deepEqual(replay.body, { id: first.body.id, seq: first.body.seq });
      assert.deepEqual(await countRows(t, INGEST_TABLES), afterFirst, 'a replay stores nothing new');
    });
  });

  describe(`${kind}: bad input to the other routes`, () => {
    let t: TestClarion;

    before(async () => {
      t = await startTestClarion(kind, { start: false });
      assert.equal((await t.json('POST', '/v1/organizations', { id: 'acme', name: 'Acme' })).status, 201);
      assert.equal(
        (await t.json('POST', '/v1/organizations/acme/applications', { id: 'web', name: 'Web' })).status,
        201,
      );
    });

    after(async () => {
      await t.close();
    });

    it('answers creating an organization twice with 409 CLARION_ERR_ORGANIZATION_EXISTS', async () => {
      assertErrorBody(
        await t.request('POST', '/v1/organizations', { id: 'acme', name: 'Acme again' }),
        409,
        'CLARION_ERR_ORGANIZATION_EXISTS',
      );
      const org = await t.json('GET', '/v1/organizations/acme');
      assert.equal(org.body.name, 'Acme');
    });

    const webhook = { name: 'Ops', kind: 'webhook', url: 'http://127.0.0.1:9/hook' };
    for (const [label, hook, code] of [
      [
        'an event type outside the catalog in its filter',
        { ...webhook, events: ['no.such.type'] },
        'CLARION_ERR_HOOK_UNKNOWN_EVENT',
      ],
      [
        'an unknown group in its filter',
        { ...webhook, events: ['group:no-such-group'] },
        'CLARION_ERR_HOOK_UNKNOWN_EVENT',
      ],
      [
        'an unknown application in its scope',
        { ...webhook, events: 'all', applications: ['web', 'nope'] },
        'CLARION_ERR_HOOK_UNKNOWN_APPLICATION',
      ],
      [
        'a URL that is not http(s)',
        { ...webhook, events: 'all', url: 'ftp://127.0.0.1/hook' },
        'CLARION_ERR_HOOK_INVALID_URL',
      ],
    ] as const) {
      it(`refuses a hook with ${label} with 422 ${code} and stores no hook`, async () => {
        const before = await countRows(t, ['hooks']);
        assertErrorBody(await t.request('POST', '/v1/organizations/acme/hooks', hook), 422, code);
        assert.deepEqual(await countRows(t, ['hooks']), before);
      });
    }

    it('answers an unknown delivery with 404 CLARION_ERR_DELIVERY_NOT_FOUND', async () => {
      assertErrorBody(await t.request('GET', '/v1/deliveries/dlv_nope'), 404, 'CLARION_ERR_DELIVERY_NOT_FOUND');
    });

    it('answers a delivery id containing a NUL character with 400 CLARION_ERR_REQUEST_INVALID', async () => {
      assertErrorBody(await t.request('GET', '/v1/deliveries/dlv%00nope'), 400, 'CLARION_ERR_REQUEST_INVALID');
    });

    it('answers a cursor no listing gave out with 400 CLARION_ERR_REQUEST_INVALID_CURSOR', async () => {
      assertErrorBody(
        await t.request('GET', '/v1/deliveries?cursor=not-a-cursor'),
        400,
        'CLARION_ERR_REQUEST_INVALID_CURSOR',
      );
      assertErrorBody(
        await t.request('GET', '/v1/organizations?cursor=not-a-cursor'),
        400,
        'CLARION_ERR_REQUEST_INVALID_CURSOR',
      );
    });
  });

  describe(`${kind}: hook targets when private targets are not allowed`, () => {
    let t: TestClarion;

    before(async () => {
      t = await startTestClarion(kind, { start: false, config: { allowPrivateTargets: false } });
      assert.equal((await t.json('POST', '/v1/organizations', { id: 'acme', name: 'Acme' })).status, 201);
    });

    after(async () => {
      await t.close();
    });

    it('refuses a loopback hook URL with 422 CLARION_ERR_HOOK_FORBIDDEN_TARGET and stores no hook', async () => {
      const before = await countRows(t, ['hooks']);
      assertErrorBody(
        await t.request('POST', '/v1/organizations/acme/hooks', {
          name: 'Local',
          kind: 'webhook',
          url: 'http://127.0.0.1:9/x',
          events: 'all',
        }),
        422,
        'CLARION_ERR_HOOK_FORBIDDEN_TARGET',
      );
      assert.deepEqual(await countRows(t, ['hooks']), before);
    });
  });
}
