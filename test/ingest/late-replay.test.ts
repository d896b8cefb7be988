// On PostgreSQL a batch looks for replayed ids before it writes, outside any lock, and writes in
// one statement (event-batch.ts). Another batch can store one of its ids in between: the
// statement then leaves that event and its rows out, and the answer comes from the copy stored
// first. The test makes that happen on purpose: it holds the sequence counter's row lock, so the
// batch's statement waits, and stores the id itself before letting go.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import pg from 'pg';
import { STORE_KINDS } from '../helpers/stores.ts';
import { startTestClarion, type TestClarion } from '../helpers/test-clarion.ts';

const body = { type: 'job.fail', organization: 'acme', data: { job: 'backup' } };

if (STORE_KINDS.includes('postgres')) {
  describe('postgres: an id stored by another batch between the look and the write', () => {
    const open: { close(): Promise<void> }[] = [];
    afterEach(async () => {
      for (const thing of open.splice(0).reverse()) await thing.close();
    });

    /** A Clarion with one webhook hook, and a connection of the test's own to its database. */
    async function setUp(): Promise<{ t: TestClarion; client: pg.Client }> {
      const t = await startTestClarion('postgres', { start: false });
      open.push(t);
      assert.equal((await t.json('POST', '/v1/organizations', { id: 'acme', name: 'Acme' })).status, 201);
      const hook = await t.json('POST', '/v1/organizations/acme/hooks', {
        name: 'Ops',
        kind: 'webhook',
        url: 'http://127.0.0.1:9/ops',
        events: ['job.fail'],
      });
      assert.equal(hook.status, 201, JSON.stringify(hook.body));
      return { t, client: await connect(t) };
    }

    async function connect(t: TestClarion): Promise<pg.Client> {
      const client = new pg.Client({ connectionString: t.location.databaseUrl });
      await client.connect();
      open.push({ close: () => client.end() });
      return client;
    }

    /**
     * Waits until another session waits for a lock (the batch's statement, on the counter row).
     * Asked on a connection outside the locking transaction: a transaction sees one snapshot of
     * pg_stat_activity.
     */
    async function untilAStatementWaits(observer: pg.Client): Promise<void> {
      for (let i = 0; i < 500; i++) {
        const { rows } = await observer.query(
          `select count(*)::int as waiting from pg_stat_activity
           where datname = current_database() and wait_event_type = 'Lock'`,
        );
        if (rows[0].waiting > 0) return;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error('no statement waited for the counter row');
    }

    /** Stores event `id` with `hash` as its body hash, as another batch would, while the counter is locked. */
    async function storeFirstWhileLocked(
      t: TestClarion,
      client: pg.Client,
      id: string,
      hash: string,
      send: () => Promise<unknown>,
    ): Promise<{ answers: unknown; seq: number }> {
      await client.query('begin');
      const { rows } = await client.query(
        `update counters set value = value + 1 where name = 'event_seq' returning value::int as seq`,
      );
      const seq = rows[0].seq as number;
      const answers = send();
      await untilAStatementWaits(await connect(t));
      await client.query(
        `insert into events (seq, organization_id, id, type, occurred_at, received_at, data, body_hash)
         values ($1, 'acme', $2, 'job.fail', 0, 0, '{}', $3)`,
        [seq, id, hash],
      );
      await client.query('commit');
      return { answers: await answers, seq };
    }

    const deliveriesOf = async (client: pg.Client, eventId: string): Promise<number> =>
      (await client.query('select count(*)::int as n from deliveries where event_id = $1', [eventId])).rows[0].n;

    it('answers a copy of the same body as a replay of the stored one, and writes nothing for it', async () => {
      const { t, client } = await setUp();
      // The body hash leaves the id out: an event with the same body gives the hash to store.
      assert.equal((await t.json('POST', '/v1/events', { id: 'same-body', ...body })).status, 202);
      const { rows } = await client.query(`select body_hash from events where id = 'same-body'`);

      const { answers, seq } = await storeFirstWhileLocked(t, client, 'late-1', rows[0].body_hash, () =>
        Promise.all([
          t.json('POST', '/v1/events', { id: 'late-1', ...body }),
          t.json('POST', '/v1/events', { id: 'beside-it', ...body }),
        ]),
      );
      const [late, beside] = answers as { status: number; body: { id: string; seq: number } }[];
      assert.equal(late!.status, 202);
      assert.deepEqual(late!.body, { id: 'late-1', seq });
      assert.equal(await deliveriesOf(client, 'late-1'), 0, 'the stored copy had no deliveries; none were added');

      // The event written in the same statement is stored with its deliveries, after the other batch's.
      assert.equal(beside!.status, 202);
      assert.ok(beside!.body.seq > seq);
      assert.equal(await deliveriesOf(client, 'beside-it'), 1);
      const traces = await client.query('select count(*)::int as n from routing_traces where event_seq = $1', [seq]);
      assert.equal(traces.rows[0].n, 0, 'no routing trace is written for the event left out');
    });

    it('answers a copy of another body with a conflict, and writes nothing for it', async () => {
      const { t, client } = await setUp();
      const { answers } = await storeFirstWhileLocked(t, client, 'late-2', 'another-body', () =>
        t.json('POST', '/v1/events', { id: 'late-2', ...body }),
      );
      const response = answers as { status: number; body: { code: string } };
      assert.equal(response.status, 409);
      assert.equal(response.body.code, 'CLARION_ERR_EVENT_ID_CONFLICT');
      assert.equal(await deliveriesOf(client, 'late-2'), 0);
    });
  });
}
