import type { EventType } from '../catalog/event-type.ts';

/**
 * What an attempt came to, decided by the channel (product.md section 4):
 * - `sent`: the receiver accepted it.
 * - `retry`: transient (network, timeout, 429, 5xx, SMTP 4xx); try again later. `retryAfterMs`
 *   carries the receiver's own Retry-After; `minDelayMs` a channel's floor (APNs 5xx: 15 min).
 * - `failed`: cannot succeed as sent (payload refused, configuration wrong); no retry, target kept.
 * - `gone`: the target no longer exists (HTTP 410, SMTP 5xx for the address); target disabled.
 */
export type DeliveryOutcome =
  | { readonly status: 'sent'; readonly providerMessageId?: string }
  | { readonly status: 'retry'; readonly retryAfterMs?: number; readonly minDelayMs?: number }
  | { readonly status: 'failed' }
  | { readonly status: 'gone' };

/** One attempt's report, stored as an attempt row. Nothing in it may carry a secret. */
export interface AttemptReport {
  readonly outcome: DeliveryOutcome;
  /** HTTP status, or SMTP reply code. */
  readonly statusCode?: number;
  /** The start of what the receiver answered (at most 2 KiB), secrets redacted. */
  readonly responseExcerpt?: string;
  /** What went wrong, in words a user can act on (no URLs with credentials, no tokens). */
  readonly error?: string;
}

/**
 * A send the channel chose not to make yet, to pace one target (Slack takes about one message a
 * second per URL): no request went out, so the delivery spends no attempt and logs none; it waits
 * in the queue until `deferredUntil` (epoch ms) instead of holding a worker slot.
 */
export interface Deferral {
  readonly deferredUntil: number;
  /** Why it waits, in words a user can read in the delivery list. */
  readonly reason: string;
}

/** What `Channel.send` comes to: an attempt made, or one put off. */
export type SendResult = AttemptReport | Deferral;

export function isDeferral(result: SendResult): result is Deferral {
  return 'deferredUntil' in result;
}

/** The event as a channel sees it. */
export interface ChannelEvent {
  readonly id: string;
  readonly seq: number;
  readonly type: string;
  readonly organizationId: string;
  readonly applicationId: string | null;
  readonly addonId: string | null;
  /** Epoch milliseconds. */
  readonly occurredAt: number;
  /** The platform's own representation of the resource: always a JSON object. */
  readonly data: Readonly<Record<string, unknown>>;
}

/** Everything a channel needs to send one delivery. */
export interface ChannelMessage {
  /** Stable across retries and re-sends: receivers deduplicate on it. */
  readonly deliveryId: string;
  /** 1-based number of this attempt. */
  readonly attempt: number;
  readonly event: ChannelEvent;
  readonly eventType: EventType;
  readonly organization: { readonly id: string; readonly name: string };
  readonly application: { readonly id: string; readonly name: string } | null;
  /** The recipient's address for per-recipient channels (an e-mail address); null for hooks. */
  readonly address: string | null;
  /**
   * The member the delivery is for: their personal preferences, or an e-mail hook addressed to
   * the owners or all members. Null (or absent) for hooks and for addresses listed on a hook.
   */
  readonly userId?: string | null;
  /** The hook's decrypted settings for hook channels (`{url, format, secrets}` for webhooks). */
  readonly settings: Readonly<Record<string, unknown>>;
}

export interface SendOptions {
  /** Aborted when the attempt's deadline passes or the worker shuts down. */
  readonly signal: AbortSignal;
  /** The attempt's time (epoch ms) from the injectable clock. */
  readonly now: number;
}

/**
 * A delivery channel: speaks one wire protocol and classifies every answer into an outcome.
 * A channel never touches the store or HTTP routes; it must resolve (never reject) for any
 * receiver behaviour, returning `retry` for anything transient.
 */
export interface Channel {
  /** The value of `deliveries.channel` this channel sends. */
  readonly name: string;
  send(message: ChannelMessage, options: SendOptions): Promise<SendResult>;
  /** Releases connections and pools. */
  close(): Promise<void>;
}

/** Cuts a receiver's answer down to what the attempt log keeps. */
export function excerpt(text: string, limit = 2048): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}…`;
}

/** Parses an HTTP Retry-After header (seconds or an HTTP date) into milliseconds from `now`. */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  const header = Array.isArray(value) ? value[0] : value;
  if (header === undefined || header.trim() === '') return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * `fn`'s result, or a `retry` naming only the error's class when a bug of ours throws: a channel
 * must resolve for anything, and an unknown error's message may quote a URL with its secrets.
 */
export async function resolveAlways<T extends SendResult>(
  target: string,
  fn: () => Promise<T>,
): Promise<T | AttemptReport> {
  try {
    return await fn();
  } catch (error) {
    return {
      outcome: { status: 'retry' },
      error: `internal error while sending to ${target} (${error instanceof Error ? error.name : typeof error})`,
    };
  }
}
