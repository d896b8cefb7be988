// Fan-out: one event for an organization with N webhook hooks (all to the receiver) on one
// Clarion with API and workers (CLARION_ROLE=all): how long the 202 takes (N delivery rows
// committed before it), and how long until all N requests have arrived.
import { performance } from 'node:perf_hooks';
import { eventBody } from '../lib/body.ts';
import { ClarionApi, ingestRequest, setUpOrganization, startClarion, type ClarionProcess } from '../lib/clarion.ts';
import { row, type BenchContext, type Row } from '../lib/context.ts';
import { closedLoop } from '../lib/load.ts';
import { Receiver } from '../lib/receiver.ts';
import { undiciCeiling } from './ceilings.ts';

const FANOUT_ORG = 'fanout';
const WARM_ORG = 'warm';
const WARM_EVENTS = 200;

export async function run(ctx: BenchContext): Promise<Row[]> {
  const scenario = 'fanout';
  const hooks = ctx.sizes.fanout;
  const undici = await undiciCeiling(ctx);
  const rows: Row[] = [];
  for (const kind of ctx.stores) {
    const receiver = await Receiver.start();
    const store = await ctx.freshStore(kind);
    let clarion: ClarionProcess | undefined;
    try {
      clarion = await startClarion(store, 'all');
      const url = clarion.url!;
      ctx.progress(`fanout ${kind}: creating ${hooks} hooks`);
      await setUpOrganization(url, FANOUT_ORG, hooks, receiver.url, (done) => ctx.progress(`  ${done} hooks created`));
      // Warm the ingest and delivery paths on another organization, so the one measured event
      // does not pay for first-call compilation.
      await setUpOrganization(url, WARM_ORG, 1, receiver.url);
      const warmBody = eventBody(WARM_ORG);
      await closedLoop({
        origin: url,
        connections: 8,
        warmupS: 0,
        total: WARM_EVENTS,
        request: () => ingestRequest(warmBody),
      });
      await receiver.waitFor((stats) => stats.distinct >= WARM_EVENTS, 30_000);
      await receiver.reset();

      ctx.progress(`fanout ${kind}: one event to ${hooks} hooks`);
      const api = new ClarionApi(url);
      const sentAt = performance.now();
      const answer = await api
        .call('POST', '/v1/events', JSON.parse(eventBody(FANOUT_ORG).toString()))
        .finally(() => api.close());
      const ackMs = performance.now() - sentAt;
      const ackAt = performance.timeOrigin + sentAt + ackMs;
      if (answer.status !== 202) throw new Error(`fan-out event: ${answer.status} ${JSON.stringify(answer.body)}`);
      const timeoutMs = Math.max(120_000, hooks * 20);
      const { stats, timedOut } = await receiver.waitFor((s) => s.distinct >= hooks, timeoutMs, 50);
      const allMs = stats.lastAt - ackAt;
      const spread = (stats.lastAt - stats.firstAt) / 1000;
      rows.push(
        row({
          scenario,
          store: kind,
          metric: `202 for one event to ${hooks} hooks`,
          value: ackMs,
          unit: 'ms',
          target: '< 500 ms',
          check: (value) => value < 500,
        }),
        row({
          scenario,
          store: kind,
          metric: `all ${hooks} delivered, after the 202`,
          value: timedOut ? null : allMs / 1000,
          unit: 's',
          note: [
            timedOut ? `only ${stats.distinct} of ${hooks} arrived within ${timeoutMs / 1000} s` : '',
            `first arrival ${(stats.firstAt - ackAt).toFixed(0)} ms after the 202`,
            stats.duplicates > 0 ? `${stats.duplicates} DUPLICATES` : '',
          ]
            .filter(Boolean)
            .join('; '),
        }),
        row({
          scenario,
          store: kind,
          metric: 'fan-out deliveries/s (first to last arrival)',
          value: stats.distinct > 1 ? (stats.distinct - 1) / spread : null,
          unit: 'deliveries/s',
          ceiling: { name: 'bare undici loop', value: undici.rate },
        }),
      );
    } finally {
      await clarion?.stop();
      await receiver.stop();
      await store.cleanup();
    }
  }
  return rows;
}
