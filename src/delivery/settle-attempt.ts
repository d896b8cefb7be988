import type { AttemptReport, Deferral } from '../channels/channel.ts';
import { newId } from '../ids.ts';
import type { ClaimedDelivery, Settlement } from '../store/delivery-queue.ts';
import { PUSH_CHANNELS } from '../push/push-targets.ts';
import { MAX_ATTEMPTS, nextRetryDelay } from './retry-policy.ts';

/**
 * Turns a channel's report into the delivery's next state (product.md section 4): `sent`,
 * `retry` on the back-off schedule until it runs out (then `failed`), `failed`, or `gone`
 * (a hook whose whole target is gone is disabled; a gone iOS device or Web Push subscription is
 * removed; a gone e-mail address fails only itself).
 * Pure apart from the injected `random`.
 */
export function settleAttempt(
  row: ClaimedDelivery,
  report: AttemptReport,
  timing: { startedAt: number; latencyMs: number; now: number },
  random: () => number,
): Settlement {
  const attempts = row.attempts + 1;
  let status: Settlement['status'];
  let nextAttemptAt = row.next_attempt_at;
  let error = report.error ?? null;
  switch (report.outcome.status) {
    case 'sent':
      status = 'sent';
      break;
    case 'retry': {
      const delay = nextRetryDelay({
        attemptsMade: attempts,
        random: random(),
        ...(report.outcome.retryAfterMs !== undefined ? { retryAfterMs: report.outcome.retryAfterMs } : {}),
        ...(report.outcome.minDelayMs !== undefined ? { minDelayMs: report.outcome.minDelayMs } : {}),
      });
      if (delay === null) {
        status = 'failed';
        error = `${error ?? 'transient failure'}; gave up after ${MAX_ATTEMPTS} attempts`;
      } else {
        status = 'pending';
        nextAttemptAt = timing.now + delay;
      }
      break;
    }
    case 'failed':
      status = 'failed';
      break;
    case 'gone':
      status = 'gone';
      break;
  }
  const disablesHook = status === 'gone' && row.hook_id !== null && row.address === null;
  const removesPushTarget =
    status === 'gone' && row.hook_id === null && row.address !== null && PUSH_CHANNELS.has(row.channel);
  return {
    deliveryId: row.id,
    attempt: {
      id: newId('att'),
      delivery_id: row.id,
      organization_id: row.organization_id,
      attempt: attempts,
      started_at: timing.startedAt,
      latency_ms: Math.round(timing.latencyMs),
      outcome: report.outcome.status,
      status_code: report.statusCode ?? null,
      response_excerpt: report.responseExcerpt ?? null,
      error,
    },
    status,
    nextAttemptAt,
    attempts,
    lastStatusCode: report.statusCode ?? null,
    lastError: error,
    providerMessageId: report.outcome.status === 'sent' ? (report.outcome.providerMessageId ?? null) : null,
    disableHook: disablesHook
      ? {
          id: row.hook_id!,
          reason: `the receiver answered that the target is gone (${report.statusCode ?? 'no status'})`,
        }
      : null,
    removePushTarget: removesPushTarget ? row.address : null,
    now: timing.now,
  };
}

/**
 * Puts a delivery back in the queue without spending an attempt: the channel paced its target
 * and sent nothing, so there is no attempt to log and the retry schedule is untouched.
 */
export function deferDelivery(row: ClaimedDelivery, deferral: Deferral, now: number): Settlement {
  return {
    deliveryId: row.id,
    attempt: null,
    status: 'pending',
    nextAttemptAt: Math.max(now, Math.ceil(deferral.deferredUntil)),
    attempts: row.attempts,
    lastStatusCode: null,
    lastError: deferral.reason,
    providerMessageId: null,
    disableHook: null,
    now,
  };
}
