// Event streams: filters, who may open them (headers, cookie-less stream tokens), the reset past
// retention, heartbeats and reaping on the fake clock, and the slow-consumer bound.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { FakeClock } from '../../src/clock.ts';
import { RetentionSweeper } from '../../src/retention/retention-sweeper.ts';
import { baseUrl, ingest, openSse, openWs, refusedUpgrade } from '../helpers/stream-client.ts';
import { STORE_KINDS } from '../helpers/stores.ts';
import { startTestClarion, TEST_PLATFORM_KEY, type TestClarion } from '../helpers/test-clarion.ts';

const AUTH = { authorization: `Bearer ${TEST_PLATFORM_KEY}` };
const HEARTBEAT_MS = 15_000;

for (const kind of STORE_KINDS) {
  describe(`${kind}: event streams`, () => {
    let t: TestClarion;
    let clock: FakeClock;
    const tokens = new Map<string, string>();
    const stream = (query = '') => `${baseUrl(t)}/v1/organizations/acme/events/stream${query}`;

    before(async () => {
      clock = new FakeClock();
      t = await startTestClarion(kind, {
        config: { role: 'api', streamHeartbeatMs: HEARTBEAT_MS, streamMaxBufferBytes: 64 * 1024 },
        deps: { clock },
      });
      for (const org of ['acme', 'other', 'quiet']) await t.json('POST', '/v1/organizations', { id: org, name: org });
      await t.json('POST', '/v1/organizations/acme/applications', { id: 'web', name: 'Web' });
      const members = [
        ['dev', 'developer', 'acme'],
        ['fin', 'finance', 'acme'],
        ['sam', 'owner', 'other'],
      ] as const;
      for (const [user, role, org] of members) {
        await t.json('POST', `/v1/organizations/${org}/members`, { user_id: user, email: `${user}@x.test`, role });
        tokens.set(user, (await t.json('POST', `/v1/users/${user}/tokens`, { name: 't' })).body.token);
      }
    });
    after(() => t.close());

    it('passes only the listed types, groups and applications', async () => {
      const last = (await t.json('GET', '/v1/organizations/acme/events?limit=1')).body.data[0]?.seq ?? 0;
      const open = (query: string) => openSse(stream(`?after=${last}&${query}`), { headers: AUTH });
      const byType = await open('types=job.fail');
      const byGroup = await open('groups=server');
      const byApp = await open('applications=web');
      const both = await open('types=job.fail,server.stopped&applications=web');
      await t.json('POST', '/v1/events', { id: 'f-job', type: 'job.fail', organization: 'acme', data: {} });
      await t.json('POST', '/v1/events', { id: 'f-srv', type: 'server.stopped', organization: 'acme', data: {} });
      await t.json('POST', '/v1/events', {
        id: 'f-web',
        type: 'server.stopped',
        organization: 'acme',
        application: 'web',
        data: {},
      });
      await t.json('POST', '/v1/events', {
        id: 'f-end',
        type: 'job.fail',
        organization: 'acme',
        application: 'web',
        data: {},
      });
      const ids = async (connection: Awaited<ReturnType<typeof open>>, count: number) => {
        const events = await connection.waitForEvents(count);
        connection.close();
        return events.map((event) => event.data.id as string);
      };
      assert.deepEqual(await ids(byType, 2), ['f-job', 'f-end']);
      assert.deepEqual(await ids(byGroup, 2), ['f-srv', 'f-web']);
      assert.deepEqual(await ids(byApp, 2), ['f-web', 'f-end']);
      assert.deepEqual(await ids(both, 2), ['f-web', 'f-end']);
      const again = await open('types=job.fail');
      assert.equal(again.status, 200);
      again.close();
    });

    it('lets a developer in, refuses finance, and tells a member of another organization it does not exist', async () => {
      const as = (user: string) => ({ authorization: `Bearer ${tokens.get(user)}` });
      const dev = await openSse(stream(), { headers: as('dev') });
      assert.equal(dev.status, 200);
      dev.close();
      const fin = await openSse(stream(), { headers: as('fin') });
      assert.equal(fin.status, 403);
      const sam = await openSse(stream(), { headers: as('sam') });
      assert.equal(sam.status, 404);
      assert.equal(JSON.parse(sam.body).code, 'CLARION_ERR_ORGANIZATION_NOT_FOUND');
      const anonymous = await openSse(stream());
      assert.equal(anonymous.status, 401);
      // The same refusals over a real WebSocket upgrade; the server closes each refused socket.
      const socket = `${baseUrl(t, 'ws')}/v1/organizations/acme/events/socket`;
      const refusals = await Promise.all([
        refusedUpgrade(socket),
        refusedUpgrade(socket, as('fin')),
        refusedUpgrade(socket, as('sam')),
      ]);
      assert.deepEqual(refusals, [
        { status: 401, serverClosed: true },
        { status: 403, serverClosed: true },
        { status: 404, serverClosed: true },
      ]);
      const devSocket = await openWs(socket, { headers: as('dev') });
      assert.equal(devSocket.status, 101);
      devSocket.close();
    });

    it('opens with a short-lived stream token in the URL, for that organization only, until it expires', async () => {
      const minted = await t.clarion.app!.inject({
        method: 'POST',
        url: '/v1/organizations/acme/events/stream-tokens',
        headers: { authorization: `Bearer ${tokens.get('dev')}` },
      });
      assert.equal(minted.statusCode, 201);
      const { token } = minted.json<{ token: string }>();
      const ok = await openSse(stream(`?token=${token}`));
      assert.equal(ok.status, 200);
      ok.close();
      const ws = await openWs(`${baseUrl(t, 'ws')}/v1/organizations/acme/events/socket?token=${token}`);
      assert.equal(ws.status, 101);
      ws.close();
      const elsewhere = await openSse(`${baseUrl(t)}/v1/organizations/other/events/stream?token=${token}`);
      assert.equal(elsewhere.status, 401);
      assert.equal(JSON.parse(elsewhere.body).code, 'CLARION_ERR_STREAM_TOKEN_INVALID');
      // Long-lived credentials are never accepted in a URL.
      const memberToken = await openSse(stream(`?token=${tokens.get('dev')}`));
      assert.equal(memberToken.status, 401);
      const platformKey = await openSse(stream(`?token=${TEST_PLATFORM_KEY}`));
      assert.equal(platformKey.status, 401);
      const tampered = await openSse(stream(`?token=${token.slice(0, -2)}xx`));
      assert.equal(tampered.status, 401);
      // Nor is a stream token anywhere but on the stream routes.
      const listing = await t.clarion.app!.inject({
        method: 'GET',
        url: `/v1/organizations/acme/events?token=${token}`,
      });
      assert.equal(listing.statusCode, 401);
      clock.advance(5 * 60 * 1000 + 1);
      const expired = await openSse(stream(`?token=${token}`));
      assert.equal(expired.status, 401);
      assert.ok(!expired.body.includes(token), 'the answer does not quote the token');
    });

    it('refuses a resume point that is not a sequence number, and answers 426 to the socket without an upgrade', async () => {
      const bad = await openSse(stream('?after=abc'), { headers: AUTH });
      assert.equal(bad.status, 400);
      assert.equal(JSON.parse(bad.body).code, 'CLARION_ERR_STREAM_INVALID_AFTER');
      const badHeader = await openSse(stream(), { headers: { ...AUTH, 'last-event-id': '-1' } });
      assert.equal(badHeader.status, 400);
      const plain = await t.request('GET', '/v1/organizations/acme/events/socket');
      assert.equal(plain.statusCode, 426);
      assert.equal(plain.json().code, 'CLARION_ERR_STREAM_UPGRADE_REQUIRED');
    });

    it('sends heartbeats on the clock (SSE comments, WebSocket pings) and closes a socket that answers no ping', async () => {
      const sse = await openSse(stream(), { headers: AUTH });
      const live = await openWs(`${baseUrl(t, 'ws')}/v1/organizations/acme/events/socket`, { headers: AUTH });
      const deaf = await openWs(`${baseUrl(t, 'ws')}/v1/organizations/acme/events/socket`, {
        headers: AUTH,
        autoPong: false,
      });
      assert.equal(sse.heartbeats, 0);
      clock.advance(HEARTBEAT_MS);
      await sse.waitFor(() => sse.heartbeats === 1, 5000, 'an SSE heartbeat');
      await live.waitFor(() => live.heartbeats === 1, 5000, 'a ping');
      await deaf.waitFor(() => deaf.heartbeats === 1, 5000, 'a ping');
      // Give the pong time to arrive before the next heartbeat looks for it.
      await new Promise((resolve) => setTimeout(resolve, 100));
      clock.advance(HEARTBEAT_MS);
      await deaf.waitClosed(5000);
      await live.waitFor(() => live.heartbeats === 2, 5000, 'a second ping');
      assert.equal(live.closed, false);
      await sse.waitFor(() => sse.heartbeats === 2, 5000, 'a second SSE heartbeat');
      sse.close();
      live.close();
    });

    it('answers a resume point older than retention with a reset, then continues after what was purged', async () => {
      // "quiet" has no members: its events have no deliveries, which would keep them past retention.
      const quiet = (query: string) => `${baseUrl(t)}/v1/organizations/quiet/events/stream${query}`;
      const before = await ingest(t, ['old-1', 'old-2', 'old-3'], { organization: 'quiet' });
      clock.advance(31 * 24 * 60 * 60 * 1000);
      await new RetentionSweeper({
        store: t.clarion.store,
        clock,
        logger: pino({ level: 'silent' }),
        retentionDays: 30,
      }).sweep();
      const purgedThrough = await t.clarion.store.retention.purgedThrough();
      assert.ok(purgedThrough >= before[2]!, `watermark ${purgedThrough} covers the purged events`);
      const [fresh] = await ingest(t, ['new-1'], { organization: 'quiet' });
      const resumed = await openSse(quiet('?after=1'), { headers: AUTH });
      await resumed.waitFor((messages) => messages.some((m) => m.event === 'event'), 5000, 'the fresh event');
      resumed.close();
      assert.equal(resumed.messages[0]!.event, 'reset');
      assert.deepEqual(resumed.messages[0]!.data, {
        kind: 'reset',
        reason: 'retention',
        message: `Events up to sequence ${purgedThrough} were removed by retention; the stream resumes after it.`,
        requested_after: 1,
        resumed_after: purgedThrough,
      });
      assert.deepEqual(
        resumed.events().map((m) => m.data.seq),
        [fresh],
      );
      // A resume point at or after the watermark gets no reset.
      const current = await openSse(quiet(`?after=${purgedThrough}`), { headers: AUTH });
      await current.waitForEvents(1);
      current.close();
      assert.equal(current.messages[0]!.event, 'event');
    });

    it('disconnects a client whose buffer passes the bound, with the reason and where to resume, and it resumes', async () => {
      const slow = await openSse(stream(), { headers: AUTH, paused: true });
      const blob = 'x'.repeat(150_000);
      const ids = Array.from({ length: 60 }, (_, i) => `big-${i}`);
      await ingest(t, ids, { data: { blob } });
      // Read now: what was buffered arrives, then the disconnect message, then the end.
      slow.response!.resume();
      await slow.waitClosed(20_000);
      const last = slow.messages[slow.messages.length - 1]!;
      assert.equal(last.event, 'disconnect');
      assert.equal(last.data.reason, 'slow_consumer');
      const got = slow.events();
      assert.ok(got.length < ids.length, `disconnected before the end (${got.length} of ${ids.length})`);
      assert.equal(last.data.last_seq, Number(got[got.length - 1]?.id ?? last.data.last_seq));
      const resumed = await openSse(stream(), { headers: { ...AUTH, 'last-event-id': String(last.data.last_seq) } });
      await resumed.waitForEvents(ids.length - got.length);
      resumed.close();
      assert.deepEqual(
        [...got, ...resumed.events()].map((m) => m.data.id),
        ids,
      );
    });
  });
}
