const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Delays before attempts 1..10 (Standard Webhooks): 0, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h. */
export const RETRY_SCHEDULE_MS: readonly number[] = Object.freeze([
  0,
  5 * SECOND,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  14 * HOUR,
  20 * HOUR,
  24 * HOUR,
]);

export const MAX_ATTEMPTS: number = RETRY_SCHEDULE_MS.length;

/** Each scheduled delay is spread by up to this fraction either way, so failed receivers are not hit in lockstep. */
export const JITTER_RATIO = 0.2;

/** The longest a receiver's Retry-After may push an attempt back. */
const MAX_RETRY_AFTER_MS = 24 * HOUR;

/**
 * Delay before the next attempt after `attemptsMade` attempts have failed transiently, or null when the schedule is
 * exhausted (the delivery becomes `failed`). `random` is a value in [0,1) (injected for tests). The base delay
 * RETRY_SCHEDULE_MS[attemptsMade] gets +/-20% jitter; a receiver's Retry-After (retryAfterMs, capped at 24 h) and a
 * channel floor (minDelayMs) raise it, never lower it. The result is a whole number of milliseconds.
 * Throws a RangeError when `attemptsMade` is not a non-negative integer or `random` is outside [0,1).
 */
export function nextRetryDelay(input: {
  attemptsMade: number;
  random: number;
  retryAfterMs?: number;
  minDelayMs?: number;
}): number | null {
  const { attemptsMade, random } = input;
  if (!Number.isInteger(attemptsMade) || attemptsMade < 0) {
    throw new RangeError(`attemptsMade must be a non-negative integer, got ${attemptsMade}`);
  }
  if (!(random >= 0 && random < 1)) throw new RangeError(`random must be in [0, 1), got ${random}`);
  const base = RETRY_SCHEDULE_MS[attemptsMade];
  if (base === undefined) return null;
  const jittered = Math.round(base * (1 + JITTER_RATIO * (2 * random - 1)));
  const retryAfter = Math.ceil(Math.min(positiveOrZero(input.retryAfterMs), MAX_RETRY_AFTER_MS));
  const floor = Number.isFinite(input.minDelayMs) ? Math.ceil(positiveOrZero(input.minDelayMs)) : 0;
  return Math.max(jittered, retryAfter, floor);
}

/** A missing, negative or NaN hint counts as none, so a hint can only ever raise the delay. */
function positiveOrZero(value: number | undefined): number {
  return value !== undefined && value > 0 ? value : 0;
}
