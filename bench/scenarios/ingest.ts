// Ingest: POST /v1/events with the 1 KiB event and one matching webhook hook, on an API-only
// Clarion (CLARION_ROLE=api), so the figure is the API and the durable commit alone; the
// deliveries it creates wait in the queue (delivery is measured on its own). Full load is
// measured in windows taken in turn with the Fastify ceiling's route, and the ratio is theirs.
import { eventBody, ORG } from '../lib/body.ts';
import { ingestRequest, setUpOrganization, startClarion, type ClarionProcess } from '../lib/clarion.ts';
import { alternate, ratioRange, windowsOf } from '../lib/alternate.ts';
import { row, type BenchContext, type Row } from '../lib/context.ts';
import { closedLoop, mergeResults, openLoop, type LoadResult } from '../lib/load.ts';
import type { StoreKind } from '../lib/stores.ts';
import { fastifyAtRate, rawInsertCeiling, withFastify } from './ceilings.ts';

/** Where the hooks point: nothing listens there, and API-only processes never send. */
const UNUSED_TARGET = 'http://127.0.0.1:9/not-sent';

export const TARGETS: Record<StoreKind, number> = { sqlite: 0.5, postgres: 0.3 };

/** Runs `measure` against a fresh API-only Clarion with one org and one hook. */
async function withIngestServer<T>(
  ctx: BenchContext,
  kind: StoreKind,
  measure: (clarion: ClarionProcess & { url: string }) => Promise<T>,
): Promise<T> {
  const store = await ctx.freshStore(kind);
  let clarion: ClarionProcess | undefined;
  try {
    clarion = await startClarion(store, 'api');
    const url = clarion.url!;
    await setUpOrganization(url, ORG, 1, UNUSED_TARGET);
    return await measure({ ...clarion, url });
  } finally {
    await clarion?.stop();
    await store.cleanup();
  }
}

export interface FullLoad {
  /** Clarion's windows merged. */
  readonly ingest: LoadResult;
  /** The Fastify route's windows, taken in turn with Clarion's. */
  readonly fastify: LoadResult;
  /** Clarion's share of the route, lowest and highest round ("31-38%"). */
  readonly spread: string;
}

/**
 * Full load: the same closed loop as the Fastify ceiling (connections, body), on Clarion and on
 * the route in alternating windows, both processes up for the whole alternation.
 */
export function ingestFullLoad(ctx: BenchContext, kind: StoreKind): Promise<FullLoad> {
  return ctx.memo(`ingest:${kind}`, () => {
    const { connections, alternationRounds, windowWarmupS, durationS } = ctx.sizes;
    ctx.progress(
      `ingest ${kind}: full load, ${connections} connections, ${alternationRounds} windows in turn with the Fastify route`,
    );
    const body = eventBody();
    const windowS = durationS / alternationRounds;
    const loadOf = (origin: string) => () =>
      closedLoop({
        origin,
        connections,
        warmupS: windowWarmupS,
        durationS: windowS,
        request: () => ingestRequest(body),
      });
    return withFastify((fastifyOrigin) =>
      withIngestServer(ctx, kind, async ({ url }) => {
        const rounds = await alternate(
          [
            { name: `Clarion, ${windowS.toFixed(1)} s`, window: loadOf(url) },
            { name: `Fastify route, ${windowS.toFixed(1)} s`, window: loadOf(fastifyOrigin) },
          ],
          { rounds: alternationRounds, progress: (line) => ctx.progress(line) },
        );
        return {
          ingest: mergeResults(windowsOf(rounds, 0)),
          fastify: mergeResults(windowsOf(rounds, 1)),
          spread: ratioRange(rounds, 0, 1),
        };
      }),
    );
  });
}

function errorsNote(result: LoadResult): string | undefined {
  return result.errors > 0 ? `${result.errors} failed requests (${result.firstError})` : undefined;
}

export async function run(ctx: BenchContext): Promise<Row[]> {
  const scenario = 'ingest';
  const rows: Row[] = [];
  for (const kind of ctx.stores) {
    const { ingest: full, fastify, spread } = await ingestFullLoad(ctx, kind);
    const raw = await rawInsertCeiling(ctx, kind);
    const halfRate = full.rate / 2;
    ctx.progress(`ingest ${kind}: ${Math.round(halfRate)} events/s (50% of full load), ${ctx.sizes.durationS} s`);
    const body = eventBody();
    const half = await withIngestServer(ctx, kind, ({ url }) =>
      openLoop({
        origin: url,
        connections: ctx.sizes.connections,
        rate: halfRate,
        warmupS: ctx.sizes.warmupS,
        durationS: ctx.sizes.durationS,
        request: () => ingestRequest(body),
      }),
    );
    const fastifyHalf = await fastifyAtRate(ctx, halfRate);
    const target = TARGETS[kind];
    const { alternationRounds, durationS } = ctx.sizes;
    const fullNote = [
      `${alternationRounds} windows of ${(durationS / alternationRounds).toFixed(1)} s each in turn with the route: ${spread} per round`,
      `${((full.rate / raw) * 100).toFixed(0)}% of raw inserts into ${kind} (${Math.round(raw)} events/s)`,
      errorsNote(full),
    ].filter(Boolean);
    rows.push(
      row({
        scenario,
        store: kind,
        metric: `events/s at full load (${ctx.sizes.connections} conns)`,
        value: full.rate,
        unit: 'events/s',
        ceiling: { name: 'Fastify route, same windows', value: fastify.rate },
        target: `>= ${target * 100}% of Fastify`,
        check: (_value, ratio) => (ratio ?? 0) >= target,
        note: fullNote.join('; '),
      }),
      row({
        scenario,
        store: kind,
        metric: 'p50 at full load',
        value: full.latency.p50,
        unit: 'ms',
        ceiling: { name: 'Fastify p50', value: fastify.latency.p50 },
      }),
      row({
        scenario,
        store: kind,
        metric: 'p99 at full load',
        value: full.latency.p99,
        unit: 'ms',
        ceiling: { name: 'Fastify p99', value: fastify.latency.p99 },
      }),
      row({
        scenario,
        store: kind,
        metric: `p50 at 50% load (${Math.round(halfRate)}/s)`,
        value: half.latency.p50,
        unit: 'ms',
        ceiling: { name: 'Fastify p50 same rate', value: fastifyHalf.latency.p50 },
        ...(errorsNote(half) !== undefined || half.missed > 0
          ? {
              note: [errorsNote(half), half.missed > 0 ? `${half.missed} requests not sent (backlog)` : '']
                .filter(Boolean)
                .join('; '),
            }
          : {}),
      }),
      row({
        scenario,
        store: kind,
        metric: `p99 at 50% load (${Math.round(halfRate)}/s)`,
        value: half.latency.p99,
        unit: 'ms',
        ceiling: { name: 'Fastify p99 same rate', value: fastifyHalf.latency.p99 },
      }),
    );
  }
  return rows;
}
