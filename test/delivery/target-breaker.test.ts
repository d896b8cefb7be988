// The circuit breaker of a delivery target (docs/channels.md "Common to all channels"): five
// transient failures in a row, the first at least 10 s before the last, pause the target for
// 30 s; while paused its deliveries wait without spending attempts; when the pause ends one
// delivery probes the target (one in all, even with two workers on the store); a failed probe
// doubles the pause, a successful one closes the breaker and everything waiting is sent at once.
// A real receiver on 127.0.0.1 and a FakeClock; `random: () => 0.5` makes retry jitter zero.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import pino from 'pino';
import { Catalog } from '../../src/catalog/catalog.ts';
import { CatalogSync } from '../../src/catalog/catalog-sync.ts';
import { ChannelRegistry } from '../../src/channels/registry.ts';
import { WebhookChannel } from '../../src/channels/webhook/webhook-channel.ts';
import { FakeClock } from '../../src/clock.ts';
import { DeliveryWorker } from '../../src/delivery/delivery-worker.ts';
import { PushTargetCodec } from '../../src/push/push-targets.ts';
import { HookSettingsCodec } from '../../src/hooks/hook-settings.ts';
import { Metrics } from '../../src/metrics.ts';
import { systemResolver } from '../../src/net/guarded-lookup.ts';
import { HttpClient } from '../../src/net/http-client.ts';
import { SecretBox } from '../../src/security/secret-box.ts';
import { startHttpReceiver, type HttpReceiver } from '../helpers/http-receiver.ts';
import { STORE_KINDS, type StoreKind } from '../helpers/stores.ts';
import { startTestClarion, type TestClarion } from '../helpers/test-clarion.ts';

const SECOND = 1000;
const SETTLE_TIMEOUT_MS = 5000;
const QUIET_MS = 300;
const iso = (ms: number) => new Date(ms).toISOString();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Harness {
  readonly t: TestClarion;
  readonly clock: FakeClock;
  readonly receiver: HttpReceiver;
  readonly t0: number;
  readonly hookId: string;
  status: number;
  /** Moves the clock and has every worker look at the queue at the new time. */
  advance(ms: number): void;
  readonly workers: DeliveryWorker[];
}

const open: { close(): Promise<void> }[] = [];

async function startHarness(kind: StoreKind, workerConcurrency = 16): Promise<Harness> {
  const clock = new FakeClock();
  const receiver = await startHttpReceiver(() => ({ status: harness.status }));
  open.push(receiver);
  const t = await startTestClarion(kind, { config: { workerConcurrency }, deps: { clock, random: () => 0.5 } });
  open.push(t);
  await t.createOrganization('acme', 'Acme');
  const hook = await t.createWebhook('acme', { name: 'Jobs', url: `${receiver.url}/hook`, events: ['job.fail'] });
  const harness: Harness = {
    t,
    clock,
    receiver,
    t0: clock.now(),
    hookId: hook.id,
    status: 503,
    workers: [t.clarion.worker!],
    advance(ms) {
      clock.advance(ms);
      for (const worker of harness.workers) worker.wake();
    },
  };
  return harness;
}

/** A second worker on the same store, as another process would run (its own channels and catalog). */
async function addWorker(h: Harness): Promise<void> {
  const { config, store } = h.t.clarion;
  const logger = pino({ level: 'silent' });
  const catalog = new Catalog();
  await new CatalogSync({ repository: store.catalog, catalog, clock: h.clock, logger }).load();
  const http = new HttpClient({ allowPrivateTargets: true, resolver: systemResolver });
  const channels = new ChannelRegistry([new WebhookChannel({ http, timeoutMs: config.sendTimeoutMs })]);
  const worker = new DeliveryWorker({
    store,
    catalog,
    channels,
    hookSettings: new HookSettingsCodec(new SecretBox(config.secretKey!)),
    pushTargets: new PushTargetCodec(new SecretBox(config.secretKey!)),
    clock: h.clock,
    logger,
    metrics: new Metrics({
      queueDepth: () => Promise.resolve({ pending: 0, oldestDueAgeMs: 0 }),
      unwrittenFanoutDeliveries: () => Promise.resolve(0),
      pausedTargets: () => Promise.resolve(0),
      openStreams: () => ({ organization: 0, inbox: 0 }),
    }),
    concurrency: config.workerConcurrency,
    sendTimeoutMs: config.sendTimeoutMs,
    random: () => 0.5,
  });
  await worker.start();
  h.workers.push(worker);
  // Before the Clarion closes its store.
  open.splice(open.indexOf(h.t) + 1, 0, {
    async close() {
      await worker.stop(1000);
      await channels.close();
      await http.close();
    },
  });
}

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`never reached the expected state: ${JSON.stringify(value)}`);
    await sleep(10);
  }
}

async function send(h: Harness, id: string): Promise<string> {
  const accepted = await h.t.json('POST', '/v1/events', { id, type: 'job.fail', organization: 'acme', data: {} });
  assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
  return (await h.t.json('GET', `/v1/deliveries?event=${id}&hook=${h.hookId}`)).body.data[0].id as string;
}

const delivery = async (h: Harness, id: string) => (await h.t.json('GET', `/v1/deliveries/${id}`)).body;
const health = async (h: Harness) => (await h.t.json('GET', `/v1/organizations/acme/hooks/${h.hookId}`)).body.health;
const settled = (d: { status: string }) => d.status !== 'sending';

/**
 * Fails three deliveries twice each (6 failures in 5 s: not yet), then a fourth at t0+10 s: the
 * seventh failure, 10 s after the first, opens the breaker until t0+40 s. Returns the four ids.
 */
async function openBreaker(h: Harness): Promise<string[]> {
  const first = [await send(h, 'e1'), await send(h, 'e2'), await send(h, 'e3')];
  for (const id of first)
    await waitFor(
      () => delivery(h, id),
      (d) => d.attempts === 1 && settled(d),
    );
  h.advance(5 * SECOND);
  for (const id of first)
    await waitFor(
      () => delivery(h, id),
      (d) => d.attempts === 2 && settled(d),
    );
  assert.deepEqual(await health(h), { consecutive_failures: 6, paused_until: null }, 'opened before 10 s of failures');

  h.advance(5 * SECOND);
  const fourth = await send(h, 'e4');
  await waitFor(
    () => delivery(h, fourth),
    (d) => d.attempts === 1 && settled(d),
  );
  assert.deepEqual(await health(h), { consecutive_failures: 7, paused_until: iso(h.t0 + 40 * SECOND) });
  assert.equal(h.receiver.requests.length, 7);
  return [...first, fourth];
}

for (const kind of STORE_KINDS) {
  describe(`${kind}: a target that keeps failing transiently`, () => {
    afterEach(async () => {
      for (const thing of open.splice(0).reverse()) await thing.close();
    });

    it('is paused after five failures over ten seconds, and its deliveries wait without spending attempts', async () => {
      const h = await startHarness(kind);
      const [, , , fourth] = await openBreaker(h);

      // e4's second attempt falls due at t0+15 s, inside the pause; e5 arrives during it.
      h.advance(5 * SECOND);
      const fifth = await send(h, 'e5');
      for (const [id, attempts] of [
        [fourth!, 1],
        [fifth, 0],
      ] as const) {
        const waiting = await waitFor(
          () => delivery(h, id),
          (d) => d.status === 'pending' && /paused/.test(d.last_error ?? ''),
        );
        assert.equal(waiting.attempts, attempts, 'a delivery spent an attempt while its target was paused');
        assert.equal(waiting.next_attempt_at, iso(h.t0 + 40 * SECOND));
        assert.equal(
          waiting.last_error,
          `waiting: target paused until ${iso(h.t0 + 40 * SECOND)} after repeated transient failures`,
        );
        assert.equal(waiting.attempts_log.length, attempts);
      }
      assert.match((await h.t.request('GET', '/metrics')).body, /^clarion_targets_paused 1$/m);
      h.advance(24 * SECOND);
      await sleep(QUIET_MS);
      assert.equal(h.receiver.requests.length, 7, 'a request went to the paused target');
    });

    it('sends one probe when the pause ends, and a failed probe doubles the pause', async () => {
      const h = await startHarness(kind);
      const ids = await openBreaker(h);
      ids.push(await send(h, 'e5'));
      await waitFor(
        () => delivery(h, ids[4]!),
        (d) => /paused/.test(d.last_error ?? '') && settled(d),
      );

      h.advance(30 * SECOND);
      await h.receiver.waitFor(8);
      await waitFor(health.bind(null, h), (state) => state.paused_until === iso(h.t0 + 100 * SECOND));
      await sleep(QUIET_MS);
      assert.equal(h.receiver.requests.length, 8, 'more than one probe');
      const attempts = await Promise.all(ids.map(async (id) => (await delivery(h, id)).attempts as number));
      assert.equal(
        attempts.reduce((a, b) => a + b),
        8,
        `only the probe spent an attempt: ${attempts.join(',')}`,
      );

      // The next probe, at t0+100 s, fails too: 120 s.
      h.advance(60 * SECOND);
      await h.receiver.waitFor(9);
      await waitFor(health.bind(null, h), (state) => state.paused_until === iso(h.t0 + 220 * SECOND));
      await sleep(QUIET_MS);
      assert.equal(h.receiver.requests.length, 9, 'more than one probe');
    });

    it('closes on a successful probe and sends every waiting delivery at once', async () => {
      const h = await startHarness(kind);
      const ids = await openBreaker(h);
      ids.push(await send(h, 'e5'));
      await waitFor(
        () => delivery(h, ids[4]!),
        (d) => /paused/.test(d.last_error ?? '') && settled(d),
      );

      h.status = 200;
      h.advance(30 * SECOND);
      // e1-e3 were due again only at t0+5 min 5 s: they go now, with no further move of the clock.
      for (const id of ids) {
        const sent = await waitFor(
          () => delivery(h, id),
          (d) => d.status === 'sent',
        );
        assert.equal(sent.attempts_log.at(-1).started_at, iso(h.t0 + 40 * SECOND));
      }
      assert.equal(h.receiver.requests.length, 12);
      assert.deepEqual(await health(h), { consecutive_failures: 0, paused_until: null });
    });

    it('lets only one of two workers sharing the store probe the target', async () => {
      const h = await startHarness(kind, 1);
      const ids = await openBreaker(h);
      ids.push(await send(h, 'e5'), await send(h, 'e6'));
      await addWorker(h);
      for (const id of ids.slice(4)) {
        await waitFor(
          () => delivery(h, id),
          (d) => /paused/.test(d.last_error ?? '') && settled(d),
        );
      }

      h.advance(30 * SECOND);
      await h.receiver.waitFor(8);
      await waitFor(health.bind(null, h), (state) => state.paused_until === iso(h.t0 + 100 * SECOND));
      await sleep(QUIET_MS);
      assert.equal(h.receiver.requests.length, 8, 'both workers probed');
    });
  });
}
