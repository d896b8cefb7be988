import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Where the gauges read their values at each scrape. */
export interface MetricSources {
  readonly queueDepth: () => Promise<{ pending: number; oldestDueAgeMs: number }>;
  /** Deliveries of large fan-outs not written to the queue yet (FanoutExpander). */
  readonly unwrittenFanoutDeliveries: () => Promise<number>;
  readonly pausedTargets: () => Promise<number>;
  readonly openStreams: () => Record<'organization' | 'inbox', number>;
}

/**
 * Prometheus metrics of one Clarion instance (its own registry, so several instances in one
 * test process do not collide). Recorded at the edges: ingest, the worker loop, HTTP.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly eventsIngested: Counter<'outcome'>;
  private readonly attempts: Counter<'channel' | 'outcome'>;
  private readonly attemptLatency: Histogram<'channel'>;

  constructor({ queueDepth, unwrittenFanoutDeliveries, pausedTargets, openStreams }: MetricSources) {
    collectDefaultMetrics({ register: this.registry, prefix: 'clarion_' });
    this.eventsIngested = new Counter({
      name: 'clarion_events_ingested_total',
      help: 'Events accepted by POST /v1/events (outcome: stored or duplicate)',
      labelNames: ['outcome'],
      registers: [this.registry],
    });
    this.attempts = new Counter({
      name: 'clarion_delivery_attempts_total',
      help: 'Delivery attempts by channel and outcome (sent, retry, failed, gone)',
      labelNames: ['channel', 'outcome'],
      registers: [this.registry],
    });
    this.attemptLatency = new Histogram({
      name: 'clarion_delivery_attempt_seconds',
      help: 'Time one delivery attempt took, by channel',
      labelNames: ['channel'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [this.registry],
    });
    let lastDepth: Promise<{ pending: number; oldestDueAgeMs: number }> | undefined;
    // Both gauges read one query per scrape.
    const depth = () => (lastDepth ??= queueDepth().finally(() => setImmediate(() => (lastDepth = undefined))));
    new Gauge({
      name: 'clarion_queue_pending_deliveries',
      help: 'Deliveries waiting to be sent (due now or later)',
      registers: [this.registry],
      async collect() {
        this.set((await depth()).pending);
      },
    });
    new Gauge({
      name: 'clarion_queue_oldest_due_age_seconds',
      help: 'How long the oldest due delivery has been waiting',
      registers: [this.registry],
      async collect() {
        this.set((await depth()).oldestDueAgeMs / 1000);
      },
    });
    new Gauge({
      name: 'clarion_fanout_unwritten_deliveries',
      help: 'Deliveries of large fan-outs answered 202 and not written to the queue yet',
      registers: [this.registry],
      async collect() {
        this.set(await unwrittenFanoutDeliveries());
      },
    });
    new Gauge({
      name: 'clarion_targets_paused',
      help: 'Delivery targets whose circuit breaker is open (their deliveries wait for a probe)',
      registers: [this.registry],
      async collect() {
        this.set(await pausedTargets());
      },
    });
    new Gauge({
      name: 'clarion_streams_open',
      help: "Open SSE and WebSocket connections of this process, by feed (an organization's events, a member's inbox)",
      labelNames: ['feed'],
      registers: [this.registry],
      collect() {
        for (const [feed, count] of Object.entries(openStreams())) this.set({ feed }, count);
      },
    });
  }

  recordIngest(outcome: 'stored' | 'duplicate'): void {
    this.eventsIngested.inc({ outcome });
  }

  recordAttempt(channel: string, outcome: string, seconds: number): void {
    this.attempts.inc({ channel, outcome });
    this.attemptLatency.observe({ channel }, seconds);
  }
}
