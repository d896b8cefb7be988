import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { ClarionError } from '../../errors.ts';
import { bucketCount, DELIVERY_OUTCOMES, type DeliveryOutcome } from '../../store/delivery-stats.ts';
import { requireOrganization, type RouteDeps } from '../route-deps.ts';
import { ErrorBody, isoTime, Timestamp } from '../schemas.ts';
import { deliveryFilter, DeliveryFilters } from './delivery-filters.ts';

const BUCKETS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
type Bucket = keyof typeof BUCKETS;

/** A chart has room for this many points: a day by the minute, two months by the hour. */
export const MAX_BUCKETS = 1500;
/** The range when none is given: the last day, by the hour. */
const DEFAULT_RANGE_MS = BUCKETS.day;

const Outcomes = Type.Object(
  Object.fromEntries(DELIVERY_OUTCOMES.map((outcome) => [outcome, Type.Integer()])) as Record<
    DeliveryOutcome,
    ReturnType<typeof Type.Integer>
  >,
);
const Stats = Type.Object({
  since: Timestamp,
  until: Timestamp,
  bucket: Type.String(),
  bucket_ms: Type.Integer(),
  totals: Outcomes,
  data: Type.Array(
    Type.Object({
      start: Timestamp,
      deliveries: Outcomes,
      attempts: Type.Object({
        count: Type.Integer(),
        p50_ms: Type.Union([Type.Integer(), Type.Null()]),
        p95_ms: Type.Union([Type.Integer(), Type.Null()]),
      }),
    }),
  ),
});

const StatsQuery = Type.Object({
  ...DeliveryFilters,
  bucket: Type.Optional(
    Type.Union([Type.Literal('minute'), Type.Literal('hour'), Type.Literal('day')], { default: 'hour' }),
  ),
});
type StatsQuery = Static<typeof StatsQuery>;
const DESCRIPTION = `Buckets start at whole UTC minutes, hours or days; at most ${MAX_BUCKETS} per answer. Without since and until: the last 24 hours.`;

/**
 * The delivery log's charts: deliveries created per bucket by where they stand (queued, retrying,
 * sent, failed, gone, cancelled), and the number and duration percentiles of the attempts started
 * per bucket, under the log's own filters. The platform asks across organizations (or for one,
 * `?organization=`), as its delivery log lists them; members ask for their organization's.
 */
export const deliveryStatsRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { store, clock }) => {
  app.get(
    '/v1/deliveries/stats',
    {
      schema: {
        tags: ['deliveries'],
        summary: 'Deliveries of every organization over time by outcome, and attempt durations (p50, p95)',
        description: DESCRIPTION,
        querystring: Type.Intersect([
          StatsQuery,
          Type.Object({ organization: Type.Optional(Type.String({ description: 'Only this organization' })) }),
        ]),
        response: { 200: Stats, 400: ErrorBody },
      },
    },
    (request) => stats(request.query, request.query.organization),
  );

  app.get(
    '/v1/organizations/:org/deliveries/stats',
    {
      config: { access: 'events.read' },
      schema: {
        tags: ['deliveries'],
        summary: "The organization's deliveries over time by outcome, and attempt durations (p50, p95)",
        description: DESCRIPTION,
        params: Type.Object({ org: Type.String() }),
        querystring: StatsQuery,
        response: { 200: Stats, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      await requireOrganization(store, request.params.org);
      return stats(request.query, request.params.org);
    },
  );

  async function stats(query: StatsQuery, organization: string | undefined) {
    const bucket: Bucket = query.bucket ?? 'hour';
    const until = query.until === undefined ? clock.now() : Date.parse(query.until);
    const since = query.since === undefined ? until - DEFAULT_RANGE_MS : Date.parse(query.since);
    if (until <= since) throw new ClarionError('CLARION_ERR_DELIVERY_RANGE_INVALID', isoTime(until), isoTime(since));
    const range = { since, until, bucketMs: BUCKETS[bucket] };
    const count = bucketCount(range);
    if (count > MAX_BUCKETS) {
      throw new ClarionError(
        'CLARION_ERR_DELIVERY_STATS_TOO_MANY_BUCKETS',
        isoTime(since),
        isoTime(until),
        bucket,
        count,
        MAX_BUCKETS,
      );
    }
    const { since: _since, until: _until, ...filter } = deliveryFilter(query, organization);
    const buckets = await store.deliveries.stats(filter, range);
    const totals = Object.fromEntries(DELIVERY_OUTCOMES.map((outcome) => [outcome, 0])) as Record<
      DeliveryOutcome,
      number
    >;
    for (const { deliveries } of buckets) {
      for (const outcome of DELIVERY_OUTCOMES) totals[outcome] += deliveries[outcome];
    }
    return {
      since: isoTime(since),
      until: isoTime(until),
      bucket,
      bucket_ms: range.bucketMs,
      totals,
      data: buckets.map((b) => ({
        start: isoTime(b.start),
        deliveries: b.deliveries,
        attempts: { count: b.attempts.count, p50_ms: b.attempts.p50Ms, p95_ms: b.attempts.p95Ms },
      })),
    };
  }
};
