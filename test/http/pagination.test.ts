import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { STORE_KINDS } from '../helpers/stores.ts';
import { startTestClarion, type TestClarion } from '../helpers/test-clarion.ts';

for (const kind of STORE_KINDS) {
  describe(`${kind}: paginated listings`, () => {
    let t: TestClarion;

    before(async () => {
      t = await startTestClarion(kind, { start: false });
      for (const id of ['org-c', 'org-a', 'org-e', 'org-b', 'org-d']) {
        assert.equal((await t.json('POST', '/v1/organizations', { id, name: id })).status, 201);
      }
      // Workers are off: every event leaves one pending webhook delivery to list.
      const hook = { name: 'ops', kind: 'webhook', url: 'http://127.0.0.1:9/hook', events: 'all' };
      assert.equal((await t.json('POST', '/v1/organizations/org-a/hooks', hook)).status, 201);
      for (let i = 0; i < 5; i++) {
        const event = { id: `evt-${i}`, type: 'job.fail', organization: 'org-a', data: { i } };
        assert.equal((await t.json('POST', '/v1/events', event)).status, 202);
      }
    });

    after(() => t.close());

    async function walk(path: string): Promise<{ pages: number; ids: string[] }> {
      const ids: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const separator = path.includes('?') ? '&' : '?';
        const url: string = `${path}${separator}limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const page: { status: number; body: any } = await t.json('GET', url);
        assert.equal(page.status, 200, JSON.stringify(page.body));
        assert.ok(page.body.data.length <= 2);
        ids.push(...page.body.data.map((item: { id: string }) => item.id));
        cursor = page.body.next_cursor;
        pages++;
      } while (cursor !== null && pages < 10);
      return { pages, ids };
    }

    it('walks organizations in id order, two at a time, ending with a null cursor', async () => {
      assert.deepEqual(await walk('/v1/organizations'), {
        pages: 3,
        ids: ['org-a', 'org-b', 'org-c', 'org-d', 'org-e'],
      });
    });

    it('walks events newest first by sequence number', async () => {
      assert.deepEqual(await walk('/v1/organizations/org-a/events'), {
        pages: 3,
        ids: ['evt-4', 'evt-3', 'evt-2', 'evt-1', 'evt-0'],
      });
    });

    it('walks the delivery log newest first and filters it by event', async () => {
      const all = await walk('/v1/deliveries?organization=org-a');
      assert.equal(all.pages, 3);
      assert.equal(all.ids.length, 5);
      assert.deepEqual(all.ids, [...all.ids].sort().reverse());
      const one = await t.json('GET', '/v1/deliveries?event=evt-2');
      assert.equal(one.body.data.length, 1);
      assert.equal(one.body.data[0].event.id, 'evt-2');
      assert.equal(one.body.next_cursor, null);
    });

    it('refuses more than 200 items per page, and without a limit returns a short listing whole', async () => {
      const tooMany = await t.json('GET', '/v1/organizations?limit=201');
      assert.equal(tooMany.status, 400);
      assert.equal(tooMany.body.code, 'FST_ERR_VALIDATION');
      const page = await t.json('GET', '/v1/organizations');
      assert.equal(page.body.data.length, 5);
    });
  });
}
