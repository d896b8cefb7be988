// Backlog: the receiver is down (it refuses connections) while a million deliveries queue
// (events x 100 hooks through the API). The queue is filled by an API-only Clarion, i.e. with
// the workers stopped: failed attempts would wait for their retry times (5 s, then 5 min), and
// a drain made of retries measures the schedule, not Clarion. Measured: RSS while queueing,
// API latency with the backlog waiting, then, with the receiver back and one Clarion running
// API and workers (CLARION_ROLE=all), the drain rate, its RSS and API latency while it drains.
// On PostgreSQL the drain then goes on with the API and the workers in processes of their own
// (CLARION_ROLE=api and worker, as the README suggests), measured alike.
import { performance } from 'node:perf_hooks';
import { eventBody, ORG } from '../lib/body.ts';
import { ingestRequest, setUpOrganization, startClarion, type ClarionProcess } from '../lib/clarion.ts';
import { row, type BenchContext, type Row } from '../lib/context.ts';
import { measureDrain } from '../lib/drain.ts';
import { closedLoop, openLoop, type LoadResult } from '../lib/load.ts';
import { watchCheckpoints } from '../lib/postgres.ts';
import { sampleRss } from '../lib/proc-stats.ts';
import { Receiver } from '../lib/receiver.ts';
import type { BenchStore, StoreKind } from '../lib/stores.ts';
import { undiciCeiling } from './ceilings.ts';

const MB = 1024 * 1024;

interface Probes {
  readonly healthz: LoadResult;
  readonly events: LoadResult;
  /** What PostgreSQL's checkpointer did meanwhile ('' when nothing, or on SQLite). */
  readonly checkpoints: string;
}

/**
 * GET /healthz and POST /v1/events, each at a low fixed rate, for `seconds`. On PostgreSQL the
 * checkpointer is watched meanwhile: its writes and syncs after the million-row queueing share
 * the disk with the probes' commits, and their POST p99 swung between runs.
 */
async function probe(ctx: BenchContext, url: string, seconds: number, store: BenchStore): Promise<Probes> {
  const body = eventBody();
  const common = { origin: url, connections: 4, rate: ctx.sizes.probeRate, warmupS: 0, durationS: seconds };
  const checkpoints = store.databaseUrl === undefined ? undefined : await watchCheckpoints(store.databaseUrl);
  try {
    const [healthz, events] = await Promise.all([
      openLoop({ ...common, request: () => ({ method: 'GET', path: '/healthz' }) }),
      openLoop({ ...common, request: () => ingestRequest(body) }),
    ]);
    return { healthz, events, checkpoints: (await checkpoints?.stop()) ?? '' };
  } finally {
    await checkpoints?.stop(); // ends the watch if a probe failed; after a success it is a no-op
  }
}

function probeRows(kind: StoreKind, when: string, probes: Probes): Row[] {
  const scenario = 'backlog';
  const rowFor = (name: string, result: LoadResult) =>
    row({
      scenario,
      store: kind,
      metric: `API p99 ${when}: ${name}`,
      value: result.latency.p99,
      unit: 'ms',
      target: '< 50 ms',
      check: (value) => value < 50 && result.errors === 0,
      note: [
        `p50 ${result.latency.p50.toFixed(1)} ms at ${result.ok} requests`,
        result.errors > 0 ? `${result.errors} errors (${result.firstError})` : '',
        probes.checkpoints,
      ]
        .filter(Boolean)
        .join('; '),
    });
  return [rowFor('GET /healthz', probes.healthz), rowFor('POST /v1/events', probes.events)];
}

function rssRow(kind: StoreKind, metric: string, maxBytes: number): Row {
  return row({
    scenario: 'backlog',
    store: kind,
    metric,
    value: maxBytes / MB,
    unit: 'MB',
    target: '< 300 MB',
    check: (value) => value < 300,
  });
}

export async function run(ctx: BenchContext): Promise<Row[]> {
  const { backlog, backlogHooks, durationS, warmupS, connections } = ctx.sizes;
  const events = backlog / backlogHooks;
  const undici = await undiciCeiling(ctx);
  const rows: Row[] = [];
  for (const kind of ctx.stores) {
    const receiver = await Receiver.start();
    const store = await ctx.freshStore(kind);
    let api: ClarionProcess | undefined;
    let all: ClarionProcess | undefined;
    let worker: ClarionProcess | undefined;
    try {
      await receiver.mode('down');
      api = await startClarion(store, 'api');
      await setUpOrganization(api.url!, ORG, backlogHooks, receiver.url);
      ctx.progress(`backlog ${kind}: queueing ${events} events x ${backlogHooks} hooks, receiver down, no worker`);
      const queueRss = sampleRss(api.pid);
      const started = performance.now();
      const body = eventBody();
      let acknowledged = 0;
      const tenth = Math.max(1, Math.floor(events / 10));
      const queued = await closedLoop({
        origin: api.url!,
        connections,
        warmupS: 0,
        total: events,
        request: () => ingestRequest(body),
        onResponse: () => {
          acknowledged += 1;
          if (acknowledged % tenth === 0) ctx.progress(`  ${acknowledged * backlogHooks} deliveries queued`);
        },
      });
      const queueSeconds = (performance.now() - started) / 1000;
      ctx.progress(`backlog ${kind}: probing the API for ${durationS} s with the backlog waiting`);
      const waiting = await probe(ctx, api.url!, durationS, store);
      const queueMemory = queueRss.stop();
      await api.stop();
      const total = (queued.ok + waiting.events.ok) * backlogHooks;

      ctx.progress(`backlog ${kind}: receiver back, one Clarion (API + workers) drains ${total} for ${durationS} s`);
      await receiver.mode('ok');
      await receiver.reset();
      all = await startClarion(store, 'all');
      const drainRss = sampleRss(all.pid);
      const [drain, draining] = await Promise.all([
        measureDrain(receiver, { expected: total, warmupS, durationS, pids: [all.pid] }),
        probe(ctx, all.url!, warmupS + durationS, store),
      ]);
      const drainMemory = drainRss.stop();
      await all.stop();
      all = undefined;

      // SQLite has one process; PostgreSQL can keep the API apart from the workers.
      let apart: { drain: Awaited<ReturnType<typeof measureDrain>>; probes: Probes } | undefined;
      if (kind === 'postgres') {
        ctx.progress(`backlog ${kind}: the API and the workers in processes of their own drain for ${durationS} s`);
        await receiver.reset();
        api = await startClarion(store, 'api');
        worker = await startClarion(store, 'worker');
        const [apartDrain, apartProbes] = await Promise.all([
          measureDrain(receiver, { expected: total - drain.received, warmupS, durationS, pids: [worker.pid] }),
          probe(ctx, api.url!, warmupS + durationS, store),
        ]);
        apart = { drain: apartDrain, probes: apartProbes };
      }

      rows.push(
        row({
          scenario: 'backlog',
          store: kind,
          metric: 'deliveries queued while the receiver was down',
          value: total,
          unit: 'deliveries',
          note: [
            `queued in ${queueSeconds.toFixed(1)} s (${Math.round((queued.ok * backlogHooks) / queueSeconds)} deliveries/s) by an API-only process; workers stopped`,
            queued.errors > 0 ? `${queued.errors} events refused (${queued.firstError})` : '',
          ]
            .filter(Boolean)
            .join('; '),
        }),
        rssRow(kind, 'RSS max while queueing (API process)', queueMemory.maxBytes),
        ...probeRows(kind, 'with the backlog waiting', waiting),
        row({
          scenario: 'backlog',
          store: kind,
          metric: 'drain deliveries/s once the receiver is back',
          value: drain.rate,
          unit: 'deliveries/s',
          ceiling: { name: 'bare undici loop', value: undici.rate },
          note: `${drain.delivered} over ${drain.seconds.toFixed(1)} s by one CLARION_ROLE=all process while it also served the probes${drain.duplicates > 0 ? `; ${drain.duplicates} DUPLICATES` : ''}`,
        }),
        rssRow(kind, 'RSS max while draining (API + workers)', drainMemory.maxBytes),
        ...probeRows(kind, 'while draining', draining),
      );
      if (apart !== undefined) {
        rows.push(
          row({
            scenario: 'backlog',
            store: kind,
            metric: 'drain deliveries/s, API and worker processes apart',
            value: apart.drain.rate,
            unit: 'deliveries/s',
            ceiling: { name: 'bare undici loop', value: undici.rate },
            note: `${apart.drain.delivered} over ${apart.drain.seconds.toFixed(1)} s by one CLARION_ROLE=worker process, the probes served by a CLARION_ROLE=api one${apart.drain.duplicates > 0 ? `; ${apart.drain.duplicates} DUPLICATES` : ''}`,
          }),
          ...probeRows(kind, 'while draining, API and worker processes apart', apart.probes),
        );
      }
    } finally {
      await api?.stop();
      await all?.stop();
      await worker?.stop();
      await receiver.stop();
      await store.cleanup();
    }
  }
  return rows;
}
