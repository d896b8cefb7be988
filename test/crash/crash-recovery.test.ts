// Crash recovery: Clarion runs as a child process and is SIGKILLed (no shutdown of any kind)
// once while deliveries are in flight and once while events are being ingested. After each
// restart every acknowledged event (202) must reach the receiver, and the only duplicates
// allowed are deliveries that were leased but not settled at the kill.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { Agent, request } from 'undici';
import { startChildClarion, type ChildClarion } from '../helpers/child-clarion.ts';
import { startHttpReceiver, type HttpReceiver } from '../helpers/http-receiver.ts';
import { freshStoreLocation } from '../helpers/stores.ts';

const PLATFORM_KEY = 'crash-test-platform-key-0123456789';
const SECRET_KEY = 'crash-test-secret-key-0123456789-0123456789';
const ORG = 'crash';
const EVENTS = 1000;
const INGEST_CONCURRENCY = 50;
const RECEIVER_DELAY_MS = 50;
/**
 * While Phase A's events are being posted the receiver is slower still, so deliveries cannot
 * catch up with ingest before the kill (both share one CPU-bound server process).
 */
const RECEIVER_DELAY_DURING_INGEST_MS = 200;
/** Phase B kills the server once this many events of the second batch are acknowledged. */
const KILL_AFTER_ACKS = 300;
/**
 * A send that times out is retried, and the retry is a duplicate of an ambiguous timeout, not of
 * the crash. SQLite gets a generous timeout so a starved machine does not blur the count; on
 * PostgreSQL the dead process's leases (twice the timeout) must expire before redelivery, so
 * its timeout stays short. Every delivery goes to one hook, so the per-target limit is lifted to
 * the worker's: at the default 8 sends at once a 50-200 ms receiver takes at most 40-160
 * deliveries/s, and this test is about what a crash loses, not about one target's share.
 */
const CHILD_ENV = {
  sqlite: { CLARION_SEND_TIMEOUT_MS: '10000', CLARION_WORKER_CONCURRENCY: '64', CLARION_TARGET_CONCURRENCY: '64' },
  postgres: { CLARION_SEND_TIMEOUT_MS: '2000', CLARION_WORKER_CONCURRENCY: '64', CLARION_TARGET_CONCURRENCY: '64' },
};
const RUNS = 3;

/** Every child started here, so `after` can kill whatever a failing test left running. */
const children = new Set<ChildClarion>();

after(async () => {
  await Promise.all([...children].map((child) => child.kill()));
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil(what: string, timeoutMs: number, done: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** The receiver answers every webhook 200 after a delay, and counts what it holds. */
interface SlowReceiver {
  readonly http: HttpReceiver;
  /** Requests whose answer is still being delayed. */
  inFlight(): number;
  /** The delay for requests that arrive from now on. */
  setDelay(ms: number): void;
}

async function startSlowReceiver(): Promise<SlowReceiver> {
  let inFlight = 0;
  let delayMs = RECEIVER_DELAY_MS;
  const http = await startHttpReceiver(async () => {
    inFlight += 1;
    try {
      await sleep(delayMs);
    } finally {
      inFlight -= 1;
    }
    return {};
  });
  return {
    http,
    inFlight: () => inFlight,
    setDelay: (ms) => {
      delayMs = ms;
    },
  };
}

interface Tally {
  /** Webhook requests received for the phase's events, repeats included. */
  readonly requests: number;
  /** Distinct delivery ids (webhook-id) received. */
  readonly deliveries: number;
  /** Distinct event ids received. */
  readonly events: Set<string>;
  readonly duplicates: number;
  /** Requests that were a later attempt (clarion-attempt > 1): retries after a failed send. */
  readonly retries: number;
}

function tally(receiver: SlowReceiver, prefix: string): Tally {
  const requests = receiver.http.requests.filter((request) =>
    String(request.headers['clarion-event-id']).startsWith(prefix),
  );
  const deliveries = new Set(requests.map((request) => String(request.headers['webhook-id'])));
  const events = new Set(requests.map((request) => String(request.headers['clarion-event-id'])));
  return {
    requests: requests.length,
    deliveries: deliveries.size,
    events,
    duplicates: requests.length - deliveries.size,
    retries: requests.filter((request) => Number(request.headers['clarion-attempt']) > 1).length,
  };
}

/** Talks to one child over real HTTP with the platform key. */
class Api {
  private readonly agent = new Agent({ connections: INGEST_CONCURRENCY + 4 });

  constructor(private readonly base: string) {}

  async call(method: 'GET' | 'POST', url: string, body?: unknown): Promise<{ status: number; body: any }> {
    const response = await request(`${this.base}${url}`, {
      method,
      dispatcher: this.agent,
      headers: {
        authorization: `Bearer ${PLATFORM_KEY}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      headersTimeout: 15_000,
      bodyTimeout: 15_000,
    });
    const text = await response.body.text();
    return { status: response.statusCode, body: text === '' ? undefined : JSON.parse(text) };
  }

  close(): Promise<void> {
    return this.agent.destroy();
  }
}

interface IngestOutcome {
  /** Event ids answered 202. */
  readonly acknowledged: Set<string>;
  /** Answers other than 202 (never expected). */
  readonly rejected: { id: string; status: number; body: unknown }[];
  /** Requests that got no answer (the server died under them). */
  readonly errors: number;
  /** Requests sent. */
  readonly sent: number;
}

/** POSTs the events with INGEST_CONCURRENCY requests at a time, until done or `stopped()`. */
async function ingest(
  api: Api,
  ids: readonly string[],
  options: { onAck?: (acknowledged: number) => void; stopped?: () => boolean } = {},
): Promise<IngestOutcome> {
  const acknowledged = new Set<string>();
  const rejected: IngestOutcome['rejected'] = [];
  let errors = 0;
  let next = 0;
  const worker = async () => {
    while (next < ids.length && !(options.stopped?.() ?? false)) {
      const index = next++;
      const id = ids[index]!;
      try {
        const answer = await api.call('POST', '/v1/events', {
          id,
          type: 'server.stopped',
          organization: ORG,
          data: { n: index },
        });
        if (answer.status === 202 && answer.body?.id === id) {
          acknowledged.add(id);
          options.onAck?.(acknowledged.size);
        } else {
          rejected.push({ id, status: answer.status, body: answer.body });
        }
      } catch {
        errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: INGEST_CONCURRENCY }, worker));
  return { acknowledged, rejected, errors, sent: next };
}

/** Where the child keeps its data, and how to look inside while it is down. */
interface StoreUnderTest {
  readonly kind: 'sqlite' | 'postgres';
  readonly dataDir: string;
  readonly databaseUrl?: string;
  /** Webhook deliveries leased and not settled (all, and those of events with the prefix). */
  inFlight(prefix: string): Promise<{ all: number; phase: number; stored: number }>;
  /** The stored state of the given events' deliveries, to explain a failure. */
  deliveriesOf(eventIds: readonly string[]): Promise<unknown[]>;
  cleanup(): Promise<void>;
}

const DELIVERY_STATE =
  'select event_id, status, attempts, next_attempt_at, lease_owner, lease_until, last_error, updated_at from deliveries';

function sqliteStore(): StoreUnderTest {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clarion-crash-'));
  return {
    kind: 'sqlite',
    dataDir,
    inFlight(prefix) {
      const db = new Database(path.join(dataDir, 'clarion.db'), { readonly: true, fileMustExist: true });
      try {
        const count = (query: string, ...params: string[]) =>
          Number((db.prepare(query).get(...params) as { n: number }).n);
        const sending = "select count(*) as n from deliveries where channel = 'webhook' and status = 'sending'";
        return Promise.resolve({
          all: count(sending),
          phase: count(`${sending} and event_id like ?`, `${prefix}%`),
          stored: count('select count(*) as n from events where id like ?', `${prefix}%`),
        });
      } finally {
        db.close();
      }
    },
    deliveriesOf(eventIds) {
      const db = new Database(path.join(dataDir, 'clarion.db'), { readonly: true, fileMustExist: true });
      try {
        const placeholders = eventIds.map(() => '?').join(', ');
        return Promise.resolve(db.prepare(`${DELIVERY_STATE} where event_id in (${placeholders})`).all(...eventIds));
      } finally {
        db.close();
      }
    },
    cleanup: () => Promise.resolve(fs.rmSync(dataDir, { recursive: true, force: true })),
  };
}

async function postgresStore(): Promise<StoreUnderTest> {
  const location = await freshStoreLocation('postgres');
  const databaseUrl = location.databaseUrl!;
  return {
    kind: 'postgres',
    dataDir: location.dataDir,
    databaseUrl,
    async inFlight(prefix) {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        const count = async (query: string, params: string[] = []) =>
          Number((await client.query<{ n: string }>(query, params)).rows[0]!.n);
        const sending = "select count(*) as n from deliveries where channel = 'webhook' and status = 'sending'";
        return {
          all: await count(sending),
          phase: await count(`${sending} and event_id like $1`, [`${prefix}%`]),
          stored: await count('select count(*) as n from events where id like $1', [`${prefix}%`]),
        };
      } finally {
        await client.end();
      }
    },
    async deliveriesOf(eventIds) {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        return (await client.query(`${DELIVERY_STATE} where event_id = any($1)`, [eventIds])).rows;
      } finally {
        await client.end();
      }
    },
    cleanup: () => location.cleanup(),
  };
}

interface PhaseFigures {
  phase: string;
  sent: number;
  acknowledged: number;
  /** Events of the phase stored at the kill (read from the store while the server was down). */
  storedAtKill: number;
  /** Distinct events of the phase that reached the receiver before the kill. */
  receivedBeforeKill: number;
  /** Requests the receiver was still answering at the kill. */
  receiverInFlightAtKill: number;
  /** Webhook deliveries leased and not settled at the kill (the bound on duplicates). */
  inFlightAtKill: number;
  /** Distinct events of the phase that reached the receiver in the end. */
  delivered: number;
  deliveredUnacknowledged: number;
  requests: number;
  duplicates: number;
  retries: number;
  /** Milliseconds from spawning the new process until it was ready. */
  restartMs: number;
  /** Milliseconds from ready until every acknowledged event had arrived. */
  recoveryMs: number;
}

/**
 * One crash scenario on a fresh store: Phase A kills the server while it delivers (after every
 * event was acknowledged), Phase B while it ingests. Returns the figures of each phase.
 */
async function crashScenario(
  t: TestContext,
  store: StoreUnderTest,
  phases: readonly ('A' | 'B')[],
): Promise<PhaseFigures[]> {
  const receiver = await startSlowReceiver();
  const apis: Api[] = [];
  const outputs: string[] = [];
  let child: ChildClarion | undefined;
  const start = async () => {
    const started = await startChildClarion({
      dataDir: store.dataDir,
      platformKey: PLATFORM_KEY,
      env: CHILD_ENV[store.databaseUrl === undefined ? 'sqlite' : 'postgres'],
      ...(store.databaseUrl !== undefined ? { databaseUrl: store.databaseUrl, secretKey: SECRET_KEY } : {}),
    });
    children.add(started);
    const api = new Api(started.url);
    apis.push(api);
    child = started;
    return { child: started, api };
  };
  const kill = async (victim: ChildClarion) => {
    await victim.kill();
    children.delete(victim);
    outputs.push(victim.output());
  };
  const figures: PhaseFigures[] = [];

  try {
    let { child: current, api } = await start();
    assert.equal((await api.call('POST', '/v1/organizations', { id: ORG, name: 'Crash test' })).status, 201);
    const hook = await api.call('POST', `/v1/organizations/${ORG}/hooks`, {
      name: 'Crash receiver',
      kind: 'webhook',
      url: `${receiver.http.url}/crash`,
      events: 'all',
    });
    assert.equal(hook.status, 201, JSON.stringify(hook.body));

    let totalInFlight = 0;
    for (const phase of phases) {
      const prefix = `${phase.toLowerCase()}-`;
      const ids = Array.from({ length: EVENTS }, (_, n) => `${prefix}${n}`);
      let outcome: IngestOutcome;
      let receiverInFlightAtKill: number;
      let receivedBeforeKill: number;

      if (phase === 'A') {
        // Kill during delivery: every event is acknowledged first, then the server dies while
        // the receiver is still answering some of its requests.
        receiver.setDelay(RECEIVER_DELAY_DURING_INGEST_MS);
        outcome = await ingest(api, ids).finally(() => receiver.setDelay(RECEIVER_DELAY_MS));
        assert.deepEqual(outcome.rejected, [], 'every event is acknowledged');
        assert.equal(outcome.acknowledged.size, EVENTS);
        await waitUntil('a delivery in flight with some but not all delivered', 10_000, () => {
          const received = tally(receiver, prefix).events.size;
          if (received >= EVENTS) throw new Error('every event was delivered before the kill could happen');
          return received > 0 && receiver.inFlight() > 0;
        });
        receiverInFlightAtKill = receiver.inFlight();
        receivedBeforeKill = tally(receiver, prefix).events.size;
        await kill(current);
      } else {
        // Kill during ingest: the server dies once a few hundred events are acknowledged, with
        // requests still arriving; only the acknowledged ones must be delivered.
        let killing: Promise<void> | undefined;
        let atKill = { receiverInFlight: 0, received: 0 };
        const victim = current;
        outcome = await ingest(api, ids, {
          onAck: (acknowledged) => {
            if (acknowledged < KILL_AFTER_ACKS || killing) return;
            atKill = { receiverInFlight: receiver.inFlight(), received: tally(receiver, prefix).events.size };
            killing = kill(victim);
          },
          stopped: () => killing !== undefined,
        });
        assert.ok(killing, `the kill happened (${outcome.acknowledged.size} acknowledged)`);
        await killing;
        assert.deepEqual(
          outcome.rejected,
          [],
          'no event was refused: the failures are requests the kill left unanswered',
        );
        assert.ok(outcome.acknowledged.size < EVENTS, 'the kill interrupted the ingest');
        receiverInFlightAtKill = atKill.receiverInFlight;
        receivedBeforeKill = atKill.received;
      }

      const inFlight = await store.inFlight(prefix);
      totalInFlight += inFlight.all;
      assert.ok(
        inFlight.stored >= outcome.acknowledged.size,
        `every acknowledged event is stored (${inFlight.stored} stored, ${outcome.acknowledged.size} acknowledged)`,
      );
      if (phase === 'A') {
        assert.ok(receiverInFlightAtKill > 0, 'the receiver was answering requests at the kill');
        assert.ok(inFlight.all > 0, 'deliveries were leased and unsettled at the kill');
      }

      const restartedAt = Date.now();
      ({ child: current, api } = await start());
      const restartMs = Date.now() - restartedAt;
      const readyAt = Date.now();
      const missing = () => [...outcome.acknowledged].filter((id) => !tally(receiver, prefix).events.has(id));
      await waitUntil('every acknowledged event at the receiver', 60_000, () => missing().length === 0).catch(
        async (error: Error) => {
          const lost = missing().slice(0, 10);
          const states = await store.deliveriesOf(lost);
          throw new Error(
            `${error.message}; missing ${missing().length}: ${lost.join(', ')}; at ${Date.now()} their deliveries are ${JSON.stringify(states)}`,
          );
        },
      );
      const recoveryMs = Date.now() - readyAt;
      // Let redeliveries of what was in flight land before counting duplicates.
      let seen = -1;
      await waitUntil('the receiver to go quiet', 15_000, async () => {
        const quiet = receiver.http.requests.length === seen && receiver.inFlight() === 0;
        seen = receiver.http.requests.length;
        if (!quiet) await sleep(300);
        return quiet;
      });

      const final = tally(receiver, prefix);
      assert.equal(final.deliveries, final.events.size, 'one webhook delivery per event');
      const acknowledgedDelivered = [...outcome.acknowledged].filter((id) => final.events.has(id)).length;
      assert.equal(acknowledgedDelivered, outcome.acknowledged.size, 'every acknowledged event reached the receiver');
      // product.md allows duplicates after a crash or an ambiguous timeout: a request the receiver
      // took but answered after the send's deadline is sent again as a later attempt. On a loaded
      // machine such retries happen beside the kill, so each counts towards the bound.
      assert.ok(
        final.duplicates <= inFlight.all + final.retries,
        `duplicates (${final.duplicates}) are at most the deliveries in flight at the kill (${inFlight.all}) plus the retried ones (${final.retries})`,
      );

      const phaseFigures: PhaseFigures = {
        phase: phase === 'A' ? 'A: killed while delivering' : 'B: killed while ingesting',
        sent: outcome.sent,
        acknowledged: outcome.acknowledged.size,
        storedAtKill: inFlight.stored,
        receivedBeforeKill,
        receiverInFlightAtKill,
        inFlightAtKill: inFlight.all,
        delivered: final.events.size,
        deliveredUnacknowledged: final.events.size - acknowledgedDelivered,
        requests: final.requests,
        duplicates: final.duplicates,
        retries: final.retries,
        restartMs,
        recoveryMs,
      };
      figures.push(phaseFigures);
      t.diagnostic(`${store.kind} ${JSON.stringify(phaseFigures)}`);
    }

    // Across the whole run: no phase's redeliveries exceed what all kills left in flight.
    const all = tally(receiver, '');
    assert.ok(
      all.duplicates <= totalInFlight + all.retries,
      `${all.duplicates} duplicates in all, ${totalInFlight} in flight, ${all.retries} retried`,
    );
    return figures;
  } catch (error) {
    if (child && children.has(child)) outputs.push(child.output());
    const tail = outputs
      .map((output, n) => `--- child ${n + 1} ---\n${output.slice(-4000)}`)
      .join('\n')
      .trim();
    if (tail !== '') t.diagnostic(`child output:\n${tail}`);
    throw error;
  } finally {
    if (child) {
      await child.kill();
      children.delete(child);
    }
    await Promise.all(apis.map((api) => api.close()));
    await receiver.http.close();
    await store.cleanup();
  }
}

describe('crash recovery with SIGKILL', () => {
  for (let run = 1; run <= RUNS; run += 1) {
    it(
      `run ${run} of ${RUNS} on SQLite: after a kill while delivering and one while ingesting, every acknowledged event reaches the receiver and duplicates stay within what was in flight`,
      { timeout: 90_000 },
      async (t) => {
        const startedAt = Date.now();
        const figures = await crashScenario(t, sqliteStore(), ['A', 'B']);
        console.log(
          JSON.stringify({ crashRecovery: { store: 'sqlite', run, ms: Date.now() - startedAt, phases: figures } }),
        );
      },
    );
  }

  it(
    'on PostgreSQL, a kill while delivering loses no acknowledged event: the dead leases expire and are sent again',
    process.env['TEST_DATABASE_URL']
      ? { timeout: 90_000 }
      : { skip: 'TEST_DATABASE_URL is not set (run with npm test)' },
    async (t) => {
      const startedAt = Date.now();
      const figures = await crashScenario(t, await postgresStore(), ['A']);
      console.log(
        JSON.stringify({ crashRecovery: { store: 'postgres', run: 1, ms: Date.now() - startedAt, phases: figures } }),
      );
    },
  );
});
