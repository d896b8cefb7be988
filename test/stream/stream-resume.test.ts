// The reconnect test of issue "live events": a client reads some events, its connection is cut,
// events keep being ingested before and during its replay, it resumes; it must have seen every
// event exactly once, in order. SSE and WebSocket, on every store kind.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { baseUrl, ingest, openSse, openWs, type StreamConnection } from '../helpers/stream-client.ts';
import { STORE_KINDS } from '../helpers/stores.ts';
import { startTestClarion, TEST_PLATFORM_KEY, type TestClarion } from '../helpers/test-clarion.ts';

const AUTH = { authorization: `Bearer ${TEST_PLATFORM_KEY}` };
// More than one replay page (200 rows) each, so the replay reads while ingestion commits.
const BEFORE_CUT = 300;
const READ_BEFORE_CUT = 120;
const WHILE_AWAY = 250;
const DURING_REPLAY = 300;

const range = (prefix: string, from: number, count: number) =>
  Array.from({ length: count }, (_, i) => `${prefix}-${String(from + i).padStart(4, '0')}`);

const transports = {
  sse: (t: TestClarion, lastId?: string) =>
    openSse(`${baseUrl(t)}/v1/organizations/acme/events/stream${lastId === undefined ? '?after=0' : ''}`, {
      headers: { ...AUTH, ...(lastId === undefined ? {} : { 'last-event-id': lastId }) },
    }),
  websocket: (t: TestClarion, lastId?: string) =>
    openWs(`${baseUrl(t, 'ws')}/v1/organizations/acme/events/socket?after=${lastId ?? '0'}`, { headers: AUTH }),
} as const;

for (const kind of STORE_KINDS) {
  for (const [transport, open] of Object.entries(transports)) {
    describe(`${kind}, ${transport}: resuming a cut stream`, () => {
      let t: TestClarion;
      before(async () => {
        t = await startTestClarion(kind, { config: { role: 'api' } });
        await t.json('POST', '/v1/organizations', { id: 'acme', name: 'Acme' });
      });
      after(() => t.close());

      it('sees every event exactly once and in order, though events keep arriving while it is away and during its replay', async (context) => {
        const all = range('e', 0, BEFORE_CUT);
        await ingest(t, all);
        const first: StreamConnection = await open(t);
        assert.ok(first.status === 200 || first.status === 101, `status ${first.status}`);
        await first.waitForEvents(READ_BEFORE_CUT);
        first.close();
        const seen = first.events().slice(0, READ_BEFORE_CUT);
        const lastId = seen[seen.length - 1]!.id!;

        const away = range('e', BEFORE_CUT, WHILE_AWAY);
        await ingest(t, away);
        all.push(...away);

        // Reconnect, and keep ingesting while the replay runs.
        const started = Date.now();
        const second = await open(t, lastId);
        const during = range('e', BEFORE_CUT + WHILE_AWAY, DURING_REPLAY);
        await ingest(t, during);
        const replayedWhileIngesting = second.events().length;
        all.push(...during);
        const expected = all.length - READ_BEFORE_CUT;
        await second.waitForEvents(expected);
        const caughtUpMs = Date.now() - started;
        // Nothing more arrives: no duplicate trails the expected events.
        await ingest(t, ['sentinel']);
        await second.waitForEvents(expected + 1);
        second.close();

        const received = [...seen, ...second.events()].map((message) => message.data);
        assert.deepEqual(
          received.map((data) => data.id),
          [...all, 'sentinel'],
        );
        const seqs = received.map((data) => data.seq as number);
        assert.ok(
          seqs.every((seq, i) => i === 0 || seq > seqs[i - 1]!),
          'sequence numbers increase',
        );
        // The envelope: sequence as the SSE id, id, type, application, and the raw format in data.
        const one = second.events()[0]!;
        assert.equal(one.id, String(one.data.seq));
        assert.equal(one.data.type, 'job.fail');
        assert.equal(one.data.application, null);
        assert.equal(one.data.data.event_type, 'job.fail');
        assert.equal(typeof one.data.data.timestamp, 'number');
        assert.equal(one.data.data.n, one.data.id);
        context.diagnostic(
          `${kind}/${transport}: ${all.length + 1} events, ${READ_BEFORE_CUT} read before the cut, ${WHILE_AWAY} ingested while away, ` +
            `${DURING_REPLAY} during the replay (${replayedWhileIngesting} already received when that ingestion ended); ` +
            `caught up in ${caughtUpMs} ms; 0 missing, 0 duplicates`,
        );
      });
    });
  }
}
