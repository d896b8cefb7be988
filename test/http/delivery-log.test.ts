// The delivery log's API beyond listing: filters by event type and application, the statistics
// behind the dashboard's charts, and re-sending every failed delivery of a time range. A FakeClock
// places each event at a known time; a real receiver on 127.0.0.1 decides the outcomes. The
// failing receiver asks for a day's wait (Retry-After), so moving the clock by minutes between
// events never triggers a retry, and every attempt starts when its event arrives.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../../src/clock.ts';
import { startHttpReceiver, type HttpReceiver } from '../helpers/http-receiver.ts';
import { STORE_KINDS } from '../helpers/stores.ts';
import { startTestClarion, type TestClarion } from '../helpers/test-clarion.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const iso = (ms: number) => new Date(ms).toISOString();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Nearest-rank percentile, as docs/api.md defines the stats' p50 and p95. */
function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil((p / 100) * sorted.length) - 1]!;
}

for (const kind of STORE_KINDS) {
  describe(`${kind}: the delivery log's filters, statistics and bulk re-send`, () => {
    let t: TestClarion;
    let receiver: HttpReceiver;
    const clock = new FakeClock();
    const t0 = clock.now();
    /** What /flaky answers; the other paths always answer the same. */
    let flakyStatus = 503;
    const hooks: Record<string, string> = {};

    /** Waits (real time, bounded) until every delivery of the event has made an attempt and none is in flight. */
    async function settled(query: string): Promise<any[]> {
      const deadline = Date.now() + 5000;
      for (;;) {
        const listed = await t.json('GET', `/v1/organizations/acme/deliveries?${query}`);
        assert.equal(listed.status, 200, JSON.stringify(listed.body));
        const rows = listed.body.data as any[];
        if (rows.length > 0 && rows.every((d) => d.attempts > 0 && d.status !== 'sending')) return rows;
        if (Date.now() > deadline) throw new Error(`deliveries of ${query} did not settle: ${JSON.stringify(rows)}`);
        await sleep(10);
      }
    }

    async function sendEvent(at: number, id: string, type: string, application: string): Promise<void> {
      clock.advance(at - clock.now());
      const accepted = await t.json('POST', '/v1/events', { id, type, organization: 'acme', application, data: {} });
      assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
      await settled(`event=${id}`);
    }

    /** A "send test event" to a failing hook: one attempt, logged as a failed delivery created now. */
    async function failedTestDelivery(at: number, hook: string): Promise<string> {
      clock.advance(at - clock.now());
      const test = await t.json('POST', `/v1/organizations/acme/hooks/${hooks[hook]}/test`, {});
      assert.equal(test.status, 200, JSON.stringify(test.body));
      assert.equal(test.body.outcome, 'retry');
      return test.body.delivery_id as string;
    }

    before(async () => {
      receiver = await startHttpReceiver((request) => {
        if (request.url === '/ok') return { status: 200 };
        if (request.url === '/gone') return { status: 410 };
        return flakyStatus === 200 ? { status: 200 } : { status: flakyStatus, headers: { 'retry-after': '86400' } };
      });
      t = await startTestClarion(kind, { deps: { clock, random: () => 0.5 } });
      assert.equal((await t.json('POST', '/v1/organizations', { id: 'acme', name: 'Acme' })).status, 201);
      for (const id of ['web', 'api']) {
        await t.json('POST', '/v1/organizations/acme/applications', { id, name: id });
      }
      for (const [name, path, events] of [
        ['ok', '/ok', ['job.fail', 'job.backon']],
        ['flaky', '/flaky', ['job.fail']],
        ['doomed', '/flaky', ['job.fail']],
        ['gone', '/gone', ['job.backon']],
        ['spare', '/flaky', ['process.down']],
      ] as const) {
        const hook = await t.json('POST', '/v1/organizations/acme/hooks', {
          name,
          kind: 'webhook',
          url: `${receiver.url}${path}`,
          events,
        });
        assert.equal(hook.status, 201, JSON.stringify(hook.body));
        hooks[name] = hook.body.id;
      }
      // 00:00-01:00: e1 (web) reaches ok (sent), flaky and doomed (retrying); e2 (api) reaches ok
      // (sent) and gone (gone, which disables that hook).
      await sendEvent(t0 + 10 * MINUTE, 'e1', 'job.fail', 'web');
      await sendEvent(t0 + 20 * MINUTE, 'e2', 'job.backon', 'api');
      // 01:00-02:00: e3 (api) reaches ok, flaky and doomed; a test of flaky fails at once.
      await sendEvent(t0 + 70 * MINUTE, 'e3', 'job.fail', 'api');
      await failedTestDelivery(t0 + 80 * MINUTE, 'flaky');
      // Deleting doomed cancels its two deliveries, still waiting for their retry.
      assert.equal((await t.json('DELETE', `/v1/organizations/acme/hooks/${hooks['doomed']}`)).status, 204);
    });
    after(async () => {
      await t.close();
      await receiver.close();
    });

    it('filters the log by event type and by application', async () => {
      const byType = await t.json('GET', '/v1/organizations/acme/deliveries?type=job.backon');
      assert.deepEqual(
        byType.body.data.map((d: any) => [d.event.id, d.hook, d.status]).sort(),
        [
          ['e2', hooks['gone'], 'gone'],
          ['e2', hooks['ok'], 'sent'],
        ].sort(),
      );
      const byApplication = await t.json('GET', '/v1/organizations/acme/deliveries?application=web');
      assert.deepEqual(
        byApplication.body.data.map((d: any) => [d.event.id, d.hook, d.status]).sort(),
        [
          ['e1', hooks['doomed'], 'cancelled'],
          ['e1', hooks['flaky'], 'pending'],
          ['e1', hooks['ok'], 'sent'],
        ].sort(),
      );
      const both = await t.json('GET', '/v1/organizations/acme/deliveries?application=api&type=job.fail&status=sent');
      assert.deepEqual(
        both.body.data.map((d: any) => [d.event.id, d.hook]),
        [['e3', hooks['ok']]],
      );
      // The platform's log takes the same filters.
      const platform = await t.json('GET', '/v1/deliveries?organization=acme&type=job.backon&application=api');
      assert.equal(platform.body.data.length, 2);
    });

    it('counts deliveries by outcome in hourly buckets, every bucket of the range included', async () => {
      const stats = await t.json(
        'GET',
        `/v1/organizations/acme/deliveries/stats?since=${iso(t0)}&until=${iso(t0 + 3 * HOUR)}&bucket=hour`,
      );
      assert.equal(stats.status, 200, JSON.stringify(stats.body));
      assert.equal(stats.body.bucket, 'hour');
      assert.equal(stats.body.bucket_ms, HOUR);
      assert.deepEqual(
        stats.body.data.map((b: any) => [b.start, b.deliveries]),
        [
          [iso(t0), { queued: 0, retrying: 1, sent: 2, failed: 0, gone: 1, cancelled: 1 }],
          [iso(t0 + HOUR), { queued: 0, retrying: 1, sent: 1, failed: 1, gone: 0, cancelled: 1 }],
          [iso(t0 + 2 * HOUR), { queued: 0, retrying: 0, sent: 0, failed: 0, gone: 0, cancelled: 0 }],
        ],
      );
      assert.deepEqual(stats.body.totals, { queued: 0, retrying: 2, sent: 3, failed: 1, gone: 1, cancelled: 2 });
    });

    it('gives the number and the p50 and p95 durations of the attempts started in each bucket', async () => {
      const stats = await t.json(
        'GET',
        `/v1/organizations/acme/deliveries/stats?since=${iso(t0)}&until=${iso(t0 + 2 * HOUR)}`,
      );
      // The same percentiles computed here from every attempt the log shows.
      const durations = new Map<string, number[]>();
      for (const listed of (await t.json('GET', '/v1/organizations/acme/deliveries?limit=200')).body.data) {
        const delivery = await t.json('GET', `/v1/organizations/acme/deliveries/${listed.id}`);
        for (const attempt of delivery.body.attempts_log) {
          const start = iso(Date.parse(attempt.started_at) - (Date.parse(attempt.started_at) % HOUR));
          durations.set(start, [...(durations.get(start) ?? []), attempt.latency_ms]);
        }
      }
      assert.deepEqual(
        stats.body.data.map((b: any) => [b.start, b.attempts]),
        [iso(t0), iso(t0 + HOUR)].map((start) => {
          const values = durations.get(start) ?? [];
          return [start, { count: values.length, p50_ms: percentile(values, 50), p95_ms: percentile(values, 95) }];
        }),
      );
      // e1 and e2 made five attempts in the first hour; e3 three and the test one in the second.
      assert.deepEqual(
        stats.body.data.map((b: any) => b.attempts.count),
        [5, 4],
      );
    });

    it('takes the log filters, and buckets by minute or by day', async () => {
      const base = `/v1/organizations/acme/deliveries/stats?since=${iso(t0)}&until=${iso(t0 + 2 * HOUR)}`;
      const ok = await t.json('GET', `${base}&hook=${hooks['ok']}`);
      assert.deepEqual(ok.body.totals, { queued: 0, retrying: 0, sent: 3, failed: 0, gone: 0, cancelled: 0 });
      assert.deepEqual(
        ok.body.data.map((b: any) => b.attempts.count),
        [2, 1],
      );
      const web = await t.json('GET', `${base}&application=web&type=job.fail&channel=webhook`);
      assert.deepEqual(web.body.totals, { queued: 0, retrying: 1, sent: 1, failed: 0, gone: 0, cancelled: 1 });

      const minutes = await t.json(
        'GET',
        `/v1/organizations/acme/deliveries/stats?since=${iso(t0 + 9 * MINUTE + 30_000)}&until=${iso(t0 + 21 * MINUTE)}&bucket=minute`,
      );
      assert.equal(minutes.status, 200, JSON.stringify(minutes.body));
      // The first bucket starts at the whole minute before "since".
      assert.equal(minutes.body.data.length, 12);
      assert.equal(minutes.body.data[0].start, iso(t0 + 9 * MINUTE));
      const busy = minutes.body.data.filter((b: any) => b.attempts.count > 0).map((b: any) => b.start);
      assert.deepEqual(busy, [iso(t0 + 10 * MINUTE), iso(t0 + 20 * MINUTE)]);

      const days = await t.json(
        'GET',
        `/v1/organizations/acme/deliveries/stats?since=${iso(t0 - 86_400_000)}&until=${iso(t0 + 86_400_000)}&bucket=day`,
      );
      assert.deepEqual(
        days.body.data.map((b: any) => b.deliveries.sent),
        [0, 3],
      );
    });

    it('refuses a range that ends before it starts, too many buckets and an unknown bucket with 400', async () => {
      const backwards = await t.json(
        'GET',
        `/v1/organizations/acme/deliveries/stats?since=${iso(t0 + HOUR)}&until=${iso(t0)}`,
      );
      assert.equal(backwards.status, 400);
      assert.equal(backwards.body.code, 'CLARION_ERR_DELIVERY_RANGE_INVALID');

      const tooMany = await t.json(
        'GET',
        `/v1/organizations/acme/deliveries/stats?since=${iso(t0)}&until=${iso(t0 + 30 * 86_400_000)}&bucket=minute`,
      );
      assert.equal(tooMany.status, 400);
      assert.equal(tooMany.body.code, 'CLARION_ERR_DELIVERY_STATS_TOO_MANY_BUCKETS');
      assert.match(tooMany.body.message, /43200 buckets/);

      const week = await t.json('GET', `/v1/organizations/acme/deliveries/stats?bucket=week`);
      assert.equal(week.status, 400);
      assert.equal(week.body.code, 'FST_ERR_VALIDATION');

      const unknown = await t.json('GET', `/v1/organizations/nope/deliveries/stats`);
      assert.equal(unknown.status, 404);
    });

    it('re-sends exactly the failed deliveries of a range, and skips those of a disabled hook', async () => {
      // Failures before the range (flaky) and in it (flaky, and spare twice).
      const early = await failedTestDelivery(t0 + 5 * HOUR, 'flaky');
      const flakyInRange = await failedTestDelivery(t0 + 6 * HOUR, 'flaky');
      const spareInRange = [
        await failedTestDelivery(t0 + 6 * HOUR + MINUTE, 'spare'),
        await failedTestDelivery(t0 + 6 * HOUR + 2 * MINUTE, 'spare'),
      ];
      clock.advance(HOUR);
      const range = { since: iso(t0 + 5 * HOUR + MINUTE), until: iso(t0 + 7 * HOUR) };
      const url = '/v1/organizations/acme/deliveries/retry';

      const backwards = await t.json('POST', url, { since: range.until, until: range.since });
      assert.equal(backwards.status, 400);
      assert.equal(backwards.body.code, 'CLARION_ERR_DELIVERY_RANGE_INVALID');

      flakyStatus = 200;
      const before = receiver.requests.length;
      // A selector narrows the range to one hook's failures.
      const flakyOnly = await t.json('POST', url, { ...range, hook: hooks['flaky'] });
      assert.equal(flakyOnly.status, 202, JSON.stringify(flakyOnly.body));
      assert.deepEqual(flakyOnly.body, { requeued: 1, skipped: 0 });
      await receiver.waitFor(before + 1);

      // A disabled hook's failures stay failed, counted as skipped, until it is enabled again.
      await t.json('PATCH', `/v1/organizations/acme/hooks/${hooks['spare']}`, { enabled: false });
      assert.deepEqual((await t.json('POST', url, range)).body, { requeued: 0, skipped: 2 });
      await t.json('PATCH', `/v1/organizations/acme/hooks/${hooks['spare']}`, { enabled: true });
      assert.deepEqual((await t.json('POST', url, range)).body, { requeued: 2, skipped: 0 });
      await receiver.waitFor(before + 3);

      assert.deepEqual(
        receiver.requests
          .slice(before)
          .map((request) => request.headers['webhook-id'])
          .sort(),
        [flakyInRange, ...spareInRange].sort(),
        'exactly the failed deliveries of the range were sent again',
      );
      for (const id of [flakyInRange, ...spareInRange]) {
        const delivery = await settled(
          `event=${(await t.json('GET', `/v1/organizations/acme/deliveries/${id}`)).body.event.id}`,
        );
        assert.equal(delivery[0].status, 'sent');
      }
      const untouched = await t.json('GET', `/v1/organizations/acme/deliveries/${early}`);
      assert.equal(untouched.body.status, 'failed', 'a failure before the range stays failed');
      assert.deepEqual((await t.json('POST', url, range)).body, { requeued: 0, skipped: 0 });
      await sleep(100);
      assert.equal(receiver.requests.length, before + 3, 'nothing else was sent');
    });

    it('gives the platform the statistics of every organization, or of one with ?organization=', async () => {
      const range = `since=${iso(t0)}&until=${iso(clock.now() + HOUR)}`;
      const acme = (await t.json('GET', `/v1/organizations/acme/deliveries/stats?${range}`)).body;
      const scoped = await t.json('GET', `/v1/deliveries/stats?organization=acme&${range}`);
      assert.equal(scoped.status, 200, JSON.stringify(scoped.body));
      assert.deepEqual(scoped.body, acme);

      // Another organization's delivery counts in the platform's figures, not in acme's.
      await t.createOrganization('beta');
      await t.createWebhook('beta', { name: 'ok', url: `${receiver.url}/ok`, events: ['job.fail'] });
      const accepted = await t.json('POST', '/v1/events', {
        id: 'b1',
        type: 'job.fail',
        organization: 'beta',
        data: {},
      });
      assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
      const deadline = Date.now() + 5000;
      while ((await t.json('GET', '/v1/deliveries?organization=beta&status=sent')).body.data.length === 0) {
        assert.ok(Date.now() < deadline, "beta's delivery was not sent");
        await sleep(10);
      }

      const all = await t.json('GET', `/v1/deliveries/stats?${range}`);
      assert.equal(all.status, 200, JSON.stringify(all.body));
      assert.deepEqual(all.body.totals, { ...acme.totals, sent: acme.totals.sent + 1 });
      const attempts = (body: any) => body.data.reduce((sum: number, b: any) => sum + b.attempts.count, 0);
      assert.equal(attempts(all.body), attempts(acme) + 1);
      assert.deepEqual((await t.json('GET', `/v1/organizations/acme/deliveries/stats?${range}`)).body, acme);

      const backwards = await t.json('GET', `/v1/deliveries/stats?since=${iso(t0 + HOUR)}&until=${iso(t0)}`);
      assert.equal(backwards.status, 400);
      assert.equal(backwards.body.code, 'CLARION_ERR_DELIVERY_RANGE_INVALID');
    });
  });
}
