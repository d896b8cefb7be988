// The delivery log's answers as the API sends them (docs/api.md "Deliveries"); only what the
// pages read is typed.

export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'gone' | 'cancelled';

export interface Delivery {
  readonly id: string;
  readonly event: { readonly id: string; readonly seq: number; readonly type: string };
  readonly application: string | null;
  readonly hook: string | null;
  readonly user: string | null;
  readonly channel: string;
  readonly address: string | null;
  /** The routing rule that made this delivery, in words. */
  readonly reason: string;
  readonly status: DeliveryStatus;
  /** Attempts in the current schedule (a re-send starts a new one). */
  readonly attempts: number;
  readonly next_attempt_at: string | null;
  readonly last_status_code: number | null;
  readonly last_error: string | null;
  readonly created_at: string;
  readonly finished_at: string | null;
}

export interface Attempt {
  readonly attempt: number;
  readonly started_at: string;
  readonly latency_ms: number;
  readonly outcome: 'sent' | 'retry' | 'failed' | 'gone';
  readonly status_code: number | null;
  readonly response_excerpt: string | null;
  readonly error: string | null;
}

export interface DeliveryDetail extends Delivery {
  readonly attempts_log: Attempt[];
}

/** Where a delivery stands, as the stats stack them. */
export const OUTCOMES = ['sent', 'retrying', 'queued', 'failed', 'gone', 'cancelled'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const OUTCOME_LABELS: Record<Outcome, string> = {
  sent: 'Sent',
  retrying: 'Retrying',
  queued: 'Queued',
  failed: 'Failed',
  gone: 'Gone',
  cancelled: 'Cancelled',
};

/** The same split the stats make: a pending delivery that has tried is retrying. */
export function outcomeOf(delivery: Pick<Delivery, 'status' | 'attempts'>): Outcome {
  if (delivery.status === 'pending' || delivery.status === 'sending') {
    return delivery.attempts > 0 ? 'retrying' : 'queued';
  }
  return delivery.status;
}

/** A finished delivery may be sent again; one still in the queue may not. */
export function canResend(delivery: Pick<Delivery, 'status'>): boolean {
  return delivery.status !== 'pending' && delivery.status !== 'sending';
}

export interface StatsBucket {
  readonly start: string;
  readonly deliveries: Record<Outcome, number>;
  readonly attempts: { readonly count: number; readonly p50_ms: number | null; readonly p95_ms: number | null };
}

export interface DeliveryStats {
  readonly since: string;
  readonly until: string;
  readonly bucket: 'minute' | 'hour' | 'day';
  readonly bucket_ms: number;
  readonly totals: Record<Outcome, number>;
  readonly data: StatsBucket[];
}

/** The delivery channels, by `channel` name, with what the pages call them. */
export const CHANNELS: readonly { readonly id: string; readonly label: string }[] = [
  { id: 'email', label: 'E-mail' },
  { id: 'browser', label: 'Browser' },
  { id: 'ios', label: 'iOS' },
  { id: 'webhook', label: 'Webhook' },
  { id: 'slack', label: 'Slack' },
  { id: 'hipchat', label: 'Hipchat' },
  { id: 'flowdock', label: 'Flowdock' },
];

export function channelLabel(id: string): string {
  return CHANNELS.find((channel) => channel.id === id)?.label ?? id;
}
