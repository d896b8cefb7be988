// Event streams across processes on one PostgreSQL: an event ingested by one process reaches the
// streams of another at once (LISTEN/NOTIFY wakes it; the store is the truth), and a client whose
// process dies resumes on another while two processes keep ingesting: nothing lost, nothing twice.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import { startChildClarion, type ChildClarion } from '../helpers/child-clarion.ts';
import { openSse, openWs } from '../helpers/stream-client.ts';
import { freshStoreLocation } from '../helpers/stores.ts';
import { TEST_PLATFORM_KEY } from '../helpers/test-clarion.ts';

const withPostgres = process.env['TEST_DATABASE_URL'] ? {} : { skip: 'needs TEST_DATABASE_URL (run with npm test)' };
const AUTH = { authorization: `Bearer ${TEST_PLATFORM_KEY}` };

async function post(server: ChildClarion, url: string, body: object): Promise<any> {
  const response = await fetch(`${server.url}${url}`, {
    method: 'POST',
    headers: { ...AUTH, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer: any = await response.json();
  assert.ok(response.status < 300, `${url}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

/** Ingests the ids on `server`, 10 at a time. */
async function ingestOn(server: ChildClarion, ids: string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 10) {
    await Promise.all(
      ids
        .slice(i, i + 10)
        .map((id) => post(server, '/v1/events', { id, type: 'job.fail', organization: 'acme', data: {} })),
    );
  }
}

const ids = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${i}`);

async function startProcesses(count: number, env: Record<string, string>) {
  const location = await freshStoreLocation('postgres');
  const dirs: string[] = [];
  const servers: ChildClarion[] = [];
  for (let i = 0; i < count; i++) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clarion-stream-'));
    dirs.push(dataDir);
    servers.push(
      await startChildClarion({
        dataDir,
        platformKey: TEST_PLATFORM_KEY,
        databaseUrl: location.databaseUrl!,
        secretKey: 'shared-secret-key-0123456789-0123456789',
        env,
      }),
    );
  }
  return {
    servers,
    stop: async () => {
      for (const server of servers) await server.kill();
      for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
      await location.cleanup();
    },
  };
}

it(
  'two processes on one PostgreSQL: an event ingested on one reaches SSE and WebSocket streams on the other at once',
  withPostgres,
  async () => {
    // A poll of a minute: only the notification can bring the event within seconds.
    const cluster = await startProcesses(2, { CLARION_STREAM_POLL_MS: '60000' });
    const { servers } = cluster;
    const [a, b] = servers as [ChildClarion, ChildClarion];
    try {
      await post(a, '/v1/organizations', { id: 'acme', name: 'Acme' });
      const sse = await openSse(`${b.url}/v1/organizations/acme/events/stream`, { headers: AUTH });
      const ws = await openWs(`${b.url.replace('http', 'ws')}/v1/organizations/acme/events/socket`, { headers: AUTH });
      assert.equal(sse.status, 200);
      assert.equal(ws.status, 101);
      const started = Date.now();
      await post(a, '/v1/events', { id: 'cross', type: 'job.fail', organization: 'acme', data: { via: 'a' } });
      await sse.waitForEvents(1, 5000);
      await ws.waitForEvents(1, 5000);
      assert.ok(Date.now() - started < 5000);
      assert.equal(sse.events()[0]!.data.id, 'cross');
      assert.equal(ws.events()[0]!.data.data.via, 'a');
      sse.close();
      ws.close();
    } finally {
      await cluster.stop();
    }
  },
);

it(
  'two processes on one PostgreSQL: a notification marked read on one is announced on the inbox stream of the other, once',
  withPostgres,
  async () => {
    const cluster = await startProcesses(2, { CLARION_STREAM_POLL_MS: '60000' });
    const [a, b] = cluster.servers as [ChildClarion, ChildClarion];
    try {
      await post(a, '/v1/organizations', { id: 'acme', name: 'Acme' });
      await post(a, '/v1/organizations/acme/members', { user_id: 'dev', email: 'dev@x.test', role: 'developer' });
      const { token } = await post(a, '/v1/users/dev/tokens', { name: 't' });
      const asDev = { authorization: `Bearer ${token}` };
      const put = await fetch(`${a.url}/v1/organizations/acme/members/me/preferences/job.fail/browser`, {
        method: 'PUT',
        headers: { ...asDev, 'content-type': 'application/json' },
        body: JSON.stringify({ enabled: true }),
      });
      assert.equal(put.status, 200);
      const { seq } = await post(a, '/v1/events', { id: 'to-read', type: 'job.fail', organization: 'acme', data: {} });
      const onA = await openSse(`${a.url}/v1/me/notifications/stream?after=${seq}`, { headers: asDev });
      const onB = await openSse(`${b.url}/v1/me/notifications/stream?after=${seq}`, { headers: asDev });
      const marked = await fetch(`${a.url}/v1/me/notifications/${seq}/read`, { method: 'POST', headers: asDev });
      assert.equal(marked.status, 200);
      const reads = (stream: typeof onA) => stream.messages.filter((m) => m.event === 'read');
      await onB.waitFor((messages) => messages.some((m) => m.event === 'read'), 5000, 'the read message');
      // A sentinel event on both: nothing else (no echo of a's own notice) came before it.
      const sentinel = await post(a, '/v1/events', { id: 'after', type: 'job.fail', organization: 'acme', data: {} });
      for (const stream of [onA, onB]) {
        await stream.waitFor((messages) => messages.some((m) => m.id === String(sentinel.seq)), 5000, 'the sentinel');
        stream.close();
        assert.deepEqual(
          reads(stream).map((m) => m.data),
          [{ kind: 'read', seq, unread: 0 }],
        );
      }
    } finally {
      await cluster.stop();
    }
  },
);

for (const transport of ['sse', 'websocket'] as const) {
  it(
    `${transport}: a client whose process is killed resumes on another while two processes keep ingesting; every event exactly once, in order`,
    withPostgres,
    async (context) => {
      const cluster = await startProcesses(3, {});
      const { servers } = cluster;
      const [a, b, c] = servers as [ChildClarion, ChildClarion, ChildClarion];
      const open = (server: ChildClarion, lastSeq: string) =>
        transport === 'sse'
          ? openSse(`${server.url}/v1/organizations/acme/events/stream`, {
              headers: { ...AUTH, 'last-event-id': lastSeq },
            })
          : openWs(`${server.url.replace('http', 'ws')}/v1/organizations/acme/events/socket?after=${lastSeq}`, {
              headers: AUTH,
            });
      try {
        await post(a, '/v1/organizations', { id: 'acme', name: 'Acme' });
        const first = await open(b, '0');
        await Promise.all([ingestOn(a, ids('a1', 60)), ingestOn(c, ids('c1', 60))]);
        await first.waitForEvents(50);
        // The client's process dies mid-stream (SIGKILL: no goodbye).
        await b.kill();
        await first.waitClosed();
        const seen = first.events();
        await Promise.all([ingestOn(a, ids('a2', 60)), ingestOn(c, ids('c2', 60))]);
        const second = await open(a, seen[seen.length - 1]!.id!);
        await Promise.all([ingestOn(a, ids('a3', 60)), ingestOn(c, ids('c3', 60))]);
        const total = 360;
        await second.waitForEvents(total - seen.length, 20_000);
        second.close();
        const received = [...seen, ...second.events()].map((message) => message.data);
        const seqs = received.map((data) => data.seq as number);
        assert.ok(
          seqs.every((seq, i) => i === 0 || seq > seqs[i - 1]!),
          'in sequence order, no duplicate',
        );
        assert.equal(received.length, total);
        assert.deepEqual(
          new Set(received.map((data) => data.id as string)),
          new Set(['a1', 'c1', 'a2', 'c2', 'a3', 'c3'].flatMap((prefix) => ids(prefix, 60))),
        );
        context.diagnostic(
          `postgres/${transport}, 3 processes: ${total} events ingested by 2 processes, ${seen.length} read on the killed one, ` +
            `${total - seen.length} after resuming on another; 0 missing, 0 duplicates`,
        );
      } finally {
        await cluster.stop();
      }
    },
  );
}
