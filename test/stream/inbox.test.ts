// The member inbox: what a member's `browser` preference routes to them, and nothing else; a
// read state kept on the server; a live stream; nobody reads another member's inbox.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { baseUrl, openSse } from '../helpers/stream-client.ts';
import { STORE_KINDS } from '../helpers/stores.ts';
import { startTestClarion, TEST_PLATFORM_KEY, type TestClarion } from '../helpers/test-clarion.ts';

for (const kind of STORE_KINDS) {
  describe(`${kind}: the member inbox`, () => {
    let t: TestClarion;
    const tokens = new Map<string, string>();
    const as = (user: string, method: string, url: string, payload?: object) =>
      t.clarion.app!.inject({
        method: method as 'GET',
        url,
        headers: { authorization: `Bearer ${tokens.get(user)}` },
        ...(payload === undefined ? {} : { payload }),
      });
    const send = async (id: string, type: string, org = 'acme') => {
      const response = await t.json('POST', '/v1/events', { id, type, organization: org, data: { id } });
      assert.equal(response.status, 202);
      return response.body.seq as number;
    };

    before(async () => {
      t = await startTestClarion(kind, { config: { role: 'api' } });
      for (const org of ['acme', 'other']) await t.json('POST', '/v1/organizations', { id: org, name: org });
      const members = [
        ['olga', 'owner', 'acme'],
        ['dev', 'developer', 'acme'],
        ['fin', 'finance', 'acme'],
        ['sam', 'owner', 'other'],
      ] as const;
      for (const [user, role, org] of members) {
        await t.json('POST', `/v1/organizations/${org}/members`, { user_id: user, email: `${user}@x.test`, role });
        tokens.set(user, (await t.json('POST', `/v1/users/${user}/tokens`, { name: 't' })).body.token);
      }
      // Browser is off by default: dev turns it on for job.fail, fin for job.fail too (a
      // finance member's role gate lets no job events through), sam for job.fail in "other".
      for (const [user, org] of [
        ['dev', 'acme'],
        ['fin', 'acme'],
        ['sam', 'other'],
      ] as const) {
        const put = await as(user, 'PUT', `/v1/organizations/${org}/members/me/preferences/job.fail/browser`, {
          enabled: true,
        });
        assert.equal(put.statusCode, 200, put.body);
      }
    });
    after(() => t.close());

    it('holds what the browser preference routes to the member, and nothing else', async () => {
      const job = await send('i-job', 'job.fail');
      await send('i-server', 'server.stopped');
      await send('i-other', 'job.fail', 'other');
      const dev = (await as('dev', 'GET', '/v1/me/notifications')).json();
      assert.deepEqual(
        dev.data.map((item: { id: string }) => item.id),
        ['i-job'],
      );
      assert.equal(dev.unread, 1);
      assert.equal(dev.data[0].seq, job);
      assert.equal(dev.data[0].read, false);
      assert.deepEqual(dev.data[0].data, {
        id: 'i-job',
        event_type: 'job.fail',
        timestamp: dev.data[0].data.timestamp,
      });
      // olga left browser off; fin's role does not receive job events; sam sees only "other".
      assert.deepEqual((await as('olga', 'GET', '/v1/me/notifications')).json().data, []);
      assert.deepEqual((await as('fin', 'GET', '/v1/me/notifications')).json().data, []);
      const sam = (await as('sam', 'GET', '/v1/me/notifications')).json();
      assert.deepEqual(
        sam.data.map((item: { id: string }) => item.id),
        ['i-other'],
      );
    });

    it('keeps the read state on the server: one, or all, marked read, and the unread count follows', async () => {
      const seqs = [await send('r-1', 'job.fail'), await send('r-2', 'job.fail'), await send('r-3', 'job.fail')];
      const before = (await as('dev', 'GET', '/v1/me/notifications/unread-count')).json().unread as number;
      const marked = await as('dev', 'POST', `/v1/me/notifications/${seqs[0]}/read`);
      assert.equal(marked.statusCode, 200);
      assert.equal(marked.json().unread, before - 1);
      // Another device (another credential of the same member) sees the same state.
      const session = (await t.json('POST', '/v1/users/dev/tokens', { name: 'phone' })).body.token as string;
      const phone = await t.clarion.app!.inject({
        method: 'GET',
        url: '/v1/me/notifications?unread=true',
        headers: { authorization: `Bearer ${session}` },
      });
      assert.ok(!phone.json().data.some((item: { seq: number }) => item.seq === seqs[0]));
      assert.equal(phone.json().unread, before - 1);
      // Someone else's notification, or one that does not exist, is not found.
      const samsSeq = await send('r-sam', 'job.fail', 'other');
      const notMine = await as('dev', 'POST', `/v1/me/notifications/${samsSeq}/read`);
      assert.equal(notMine.statusCode, 404);
      assert.equal(notMine.json().code, 'CLARION_ERR_NOTIFICATION_NOT_FOUND');
      assert.equal((await as('sam', 'GET', '/v1/me/notifications/unread-count')).json().unread, 2);
      const all = await as('dev', 'POST', '/v1/me/notifications/read', {});
      assert.equal(all.json().unread, 0);
      assert.equal(all.json().marked, before - 1);
      assert.equal((await as('sam', 'GET', '/v1/me/notifications/unread-count')).json().unread, 2);
    });

    it('streams new items to their member only, live, with a stream token for EventSource', async () => {
      const minted = await as('dev', 'POST', '/v1/me/notifications/stream-tokens');
      assert.equal(minted.statusCode, 201);
      const devStream = await openSse(`${baseUrl(t)}/v1/me/notifications/stream?token=${minted.json().token}`);
      assert.equal(devStream.status, 200);
      const samStream = await openSse(`${baseUrl(t)}/v1/me/notifications/stream`, {
        headers: { authorization: `Bearer ${tokens.get('sam')}` },
      });
      const seq = await send('s-1', 'job.fail');
      await send('s-2', 'server.stopped');
      const samSeq = await send('s-sam', 'job.fail', 'other');
      await devStream.waitForEvents(1);
      await samStream.waitForEvents(1);
      // A sentinel: nothing else arrived on dev's stream before it.
      const sentinel = await send('s-3', 'job.fail');
      await devStream.waitForEvents(2);
      devStream.close();
      samStream.close();
      assert.deepEqual(
        devStream.events().map((m) => m.data.seq),
        [seq, sentinel],
      );
      assert.equal(devStream.events()[0]!.data.read, false);
      assert.deepEqual(
        samStream.events().map((m) => m.data.seq),
        [samSeq],
      );
      // An organization stream token does not open the inbox, nor the platform key anything here.
      const orgToken = await as('dev', 'POST', '/v1/organizations/acme/events/stream-tokens');
      const wrong = await openSse(`${baseUrl(t)}/v1/me/notifications/stream?token=${orgToken.json().token}`);
      assert.equal(wrong.status, 401);
      const platform = await openSse(`${baseUrl(t)}/v1/me/notifications/stream`, {
        headers: { authorization: `Bearer ${TEST_PLATFORM_KEY}` },
      });
      assert.equal(platform.status, 403);
    });

    it('tells every open inbox stream of the member when notifications are read, with the new unread count', async () => {
      const seqs = [await send('m-1', 'job.fail'), await send('m-2', 'job.fail')];
      const unread = (await as('dev', 'GET', '/v1/me/notifications/unread-count')).json().unread as number;
      const open = () =>
        openSse(`${baseUrl(t)}/v1/me/notifications/stream`, {
          headers: { authorization: `Bearer ${tokens.get('dev')}` },
        });
      const laptop = await open();
      const phone = await open();
      const sam = await openSse(`${baseUrl(t)}/v1/me/notifications/stream`, {
        headers: { authorization: `Bearer ${tokens.get('sam')}` },
      });
      const reads = (stream: typeof laptop) => stream.messages.filter((m) => m.event === 'read').map((m) => m.data);
      await as('dev', 'POST', `/v1/me/notifications/${seqs[0]}/read`);
      await as('dev', 'POST', '/v1/me/notifications/read', { through: seqs[1] });
      // Nothing left to mark: no message. (And no body at all is the same as {}.)
      const nothing = await as('dev', 'POST', '/v1/me/notifications/read');
      assert.deepEqual(nothing.json(), { marked: 0, unread: 0 });
      const sentinel = await send('m-3', 'job.fail');
      for (const stream of [laptop, phone]) {
        await stream.waitFor((messages) => messages.some((m) => m.id === String(sentinel)), 10_000, 'the sentinel');
        stream.close();
      }
      const expected = [
        { kind: 'read', seq: seqs[0], unread: unread - 1 },
        { kind: 'read', through: seqs[1], unread: 0 },
      ];
      assert.deepEqual(reads(laptop), expected);
      assert.deepEqual(reads(phone), expected);
      // A read message carries no id: it moves no resume point.
      assert.ok(laptop.messages.filter((m) => m.event === 'read').every((m) => m.id === undefined));
      // Sam's stream has taken everything sent before its own sentinel: none of dev's reads.
      const samSentinel = await send('m-sam', 'job.fail', 'other');
      await sam.waitFor((messages) => messages.some((m) => m.id === String(samSentinel)), 10_000, "sam's sentinel");
      sam.close();
      assert.deepEqual(reads(sam), []);
    });
  });
}
