import { sql, type Kysely } from 'kysely';
import { deliveryMatches, type DeliveryFilter } from './delivery-filter.ts';
import type { Database } from './schema.ts';

/**
 * Where a delivery stands, as the delivery log's charts stack it: a pending or sending delivery
 * that has made an attempt is `retrying`, one that has not is `queued`; finished ones keep their
 * status.
 */
export const DELIVERY_OUTCOMES = ['queued', 'retrying', 'sent', 'failed', 'gone', 'cancelled'] as const;
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number];

export interface StatsRange {
  /** Epoch ms, inclusive. */
  readonly since: number;
  /** Epoch ms, exclusive. */
  readonly until: number;
  /** Bucket length in ms; buckets start at multiples of it since the epoch (UTC minutes, hours, days). */
  readonly bucketMs: number;
}

export interface StatsBucket {
  /** Epoch ms of the bucket's start. */
  readonly start: number;
  /** Deliveries created in the bucket, by where they stand now. */
  readonly deliveries: Record<DeliveryOutcome, number>;
  /** Attempts started in the bucket and their durations (nearest-rank percentiles; null without attempts). */
  attempts: { readonly count: number; readonly p50Ms: number | null; readonly p95Ms: number | null };
}

/** The first bucket's start: the bucket boundary at or before `since`. */
export function firstBucketStart(range: StatsRange): number {
  return range.since - (range.since % range.bucketMs);
}

/** How many buckets the range spans (the first may start before `since`). */
export function bucketCount(range: StatsRange): number {
  return Math.ceil((range.until - firstBucketStart(range)) / range.bucketMs);
}

/**
 * Deliveries over time by outcome, and attempt durations over time, computed in SQL: two grouped
 * queries whose only arithmetic is integer (`t - t % size` buckets; percentiles by rank with
 * ROW_NUMBER), which SQLite and PostgreSQL compute the same. Every bucket of the range is in the
 * answer, empty ones included, so a chart's time axis is even.
 */
export async function deliveryStats(
  db: Kysely<Database>,
  filter: Omit<DeliveryFilter, 'since' | 'until'>,
  range: StatsRange,
): Promise<StatsBucket[]> {
  const size = range.bucketMs;
  const outcomes = await db
    .selectFrom((eb) =>
      eb
        .selectFrom('deliveries')
        .select([
          sql<number>`deliveries.created_at - deliveries.created_at % ${size}`.as('bucket'),
          sql<DeliveryOutcome>`case
            when deliveries.status in ('pending', 'sending') and deliveries.attempts > 0 then 'retrying'
            when deliveries.status in ('pending', 'sending') then 'queued'
            else deliveries.status end`.as('outcome'),
        ])
        .where((w) => deliveryMatches(w, { ...filter, since: range.since, until: range.until }))
        .as('placed'),
    )
    .select(['bucket', 'outcome', (eb) => eb.fn.countAll<number>().as('count')])
    .groupBy(['bucket', 'outcome'])
    .execute();

  // Attempts are placed by when they started; the deliveries they belong to by the filter.
  const bucketOf = sql<number>`attempts.started_at - attempts.started_at % ${size}`;
  const latencies = await db
    .with('ranked', (qb) =>
      qb
        .selectFrom('attempts')
        .select([
          bucketOf.as('bucket'),
          'attempts.latency_ms',
          sql<number>`row_number() over (partition by ${bucketOf} order by attempts.latency_ms)`.as('nth'),
          sql<number>`count(*) over (partition by ${bucketOf})`.as('bucket_attempts'),
        ])
        .where('attempts.started_at', '>=', range.since)
        .where('attempts.started_at', '<', range.until)
        .$if(filter.organizationId !== undefined, (w) =>
          w.where('attempts.organization_id', '=', filter.organizationId!),
        )
        .where('attempts.delivery_id', 'in', (eb) =>
          eb
            .selectFrom('deliveries')
            .select('deliveries.id')
            .where((w) => deliveryMatches(w, filter)),
        ),
    )
    .selectFrom('ranked')
    .select([
      'bucket',
      (eb) => eb.fn.countAll<number>().as('count'),
      // Nearest rank: the value at rank ceil(p * n), in integer arithmetic as (n * p% + 99) / 100.
      sql<number | null>`max(case when nth = (bucket_attempts * 50 + 99) / 100 then latency_ms end)`.as('p50'),
      sql<number | null>`max(case when nth = (bucket_attempts * 95 + 99) / 100 then latency_ms end)`.as('p95'),
    ])
    .groupBy('bucket')
    .execute();

  const first = firstBucketStart(range);
  const buckets = new Map<number, StatsBucket>();
  for (let index = 0; index < bucketCount(range); index++) {
    const start = first + index * size;
    buckets.set(start, {
      start,
      deliveries: { queued: 0, retrying: 0, sent: 0, failed: 0, gone: 0, cancelled: 0 },
      attempts: { count: 0, p50Ms: null, p95Ms: null },
    });
  }
  for (const row of outcomes) {
    const bucket = buckets.get(Number(row.bucket));
    if (bucket !== undefined) bucket.deliveries[row.outcome] += Number(row.count);
  }
  for (const row of latencies) {
    const bucket = buckets.get(Number(row.bucket));
    if (bucket === undefined) continue;
    bucket.attempts = {
      count: Number(row.count),
      p50Ms: row.p50 === null ? null : Number(row.p50),
      p95Ms: row.p95 === null ? null : Number(row.p95),
    };
  }
  return [...buckets.values()];
}
