// End to end: events at a fixed rate into one Clarion with API and workers (CLARION_ROLE=all),
// one hook each; for every event, the time from its 202 reaching the client to its webhook
// reaching the receiver (both clocks are performance.timeOrigin + now(), one machine).
import { eventBody, ORG } from '../lib/body.ts';
import {
  attemptOutcomes,
  ingestRequest,
  setUpOrganization,
  startClarion,
  type ClarionProcess,
} from '../lib/clarion.ts';
import { row, type BenchContext, type Row } from '../lib/context.ts';
import { openLoop } from '../lib/load.ts';
import { summarize } from '../lib/percentiles.ts';
import { Receiver } from '../lib/receiver.ts';
import { deliveryRate } from './delivery.ts';
import { ingestFullLoad } from './ingest.ts';

export async function run(ctx: BenchContext): Promise<Row[]> {
  const scenario = 'e2e';
  const rows: Row[] = [];
  for (const kind of ctx.stores) {
    // One process does both jobs: per event it spends 1/ingest s ingesting and 1/delivery s
    // delivering, so the most it can carry end to end is 1 / (1/ingest + 1/delivery).
    const ingestMax = (await ingestFullLoad(ctx, kind)).ingest.rate;
    const deliveryMax = (await deliveryRate(ctx, kind)).rate;
    const maximum = 1 / (1 / ingestMax + 1 / deliveryMax);
    const rate = Math.max(1, maximum / 2);
    ctx.progress(
      `e2e ${kind}: ${Math.round(rate)} events/s (half of ${Math.round(maximum)}), ${ctx.sizes.durationS} s`,
    );

    const receiver = await Receiver.start();
    const store = await ctx.freshStore(kind);
    let clarion: ClarionProcess | undefined;
    try {
      clarion = await startClarion(store, 'all');
      await setUpOrganization(clarion.url!, ORG, 1, receiver.url);
      await receiver.record(true);
      const acknowledged = new Map<string, number>();
      let answered = 0;
      const body = eventBody();
      const load = await openLoop({
        origin: clarion.url!,
        connections: ctx.sizes.connections,
        rate,
        warmupS: ctx.sizes.e2eWarmupS,
        durationS: ctx.sizes.durationS,
        request: () => ingestRequest(body),
        onResponse: (response) => {
          if (response.status !== 202) return;
          answered += 1;
          if (response.recorded) acknowledged.set((JSON.parse(response.body) as { id: string }).id, response.doneAt);
        },
      });
      const { timedOut } = await receiver.waitFor((stats) => stats.distinct >= answered, 60_000);
      const arrivals = await receiver.arrivals([...acknowledged.keys()]);
      const latencies: number[] = [];
      let missing = 0;
      for (const arrival of arrivals) {
        const ackAt = acknowledged.get(arrival.eventId);
        if (arrival.first === null || ackAt === undefined) missing += 1;
        else latencies.push(arrival.first - ackAt);
      }
      const summary = summarize(latencies);
      const early = latencies.filter((ms) => ms < 0).length;
      const outcomes = await attemptOutcomes(clarion.url!);
      const retried = Object.entries(outcomes).filter(([outcome]) => outcome !== 'sent');
      const note = [
        `${acknowledged.size} events at ${Math.round(rate)}/s: half of 1/(1/${Math.round(ingestMax)} + 1/${Math.round(deliveryMax)}), after a ${ctx.sizes.e2eWarmupS} s warm-up from a cold start`,
        early > 0 ? `${early} arrived before their 202 reached the client (negative)` : '',
        missing > 0 || timedOut ? `${missing} never arrived within 60 s` : '',
        load.errors > 0 ? `${load.errors} ingest errors (${load.firstError})` : '',
        load.missed > 0 ? `${load.missed} not sent (too many unanswered)` : '',
        retried.length > 0 ? `attempts not sent: ${retried.map(([outcome, n]) => `${n} ${outcome}`).join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('; ');
      rows.push(
        row({
          scenario,
          store: kind,
          metric: 'p50, 202 -> receiver, at half the max rate',
          value: summary.p50,
          unit: 'ms',
          target: '< 10 ms',
          check: (value) => value < 10 && missing === 0,
          note,
        }),
        row({
          scenario,
          store: kind,
          metric: 'p99, 202 -> receiver, at half the max rate',
          value: summary.p99,
          unit: 'ms',
          target: '< 50 ms',
          check: (value) => value < 50 && missing === 0,
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
