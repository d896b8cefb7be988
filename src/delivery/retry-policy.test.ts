import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { JITTER_RATIO, MAX_ATTEMPTS, RETRY_SCHEDULE_MS, nextRetryDelay } from './retry-policy.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const retryableAttempts = fc.integer({ min: 1, max: MAX_ATTEMPTS - 1 });
// fc.double's maxExcluded keeps `random` inside [0, 1), as Math.random() would be.
const randoms = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

function baseOf(attemptsMade: number): number {
  const base = RETRY_SCHEDULE_MS[attemptsMade];
  assert.ok(base !== undefined, `no scheduled delay after ${attemptsMade} attempts`);
  return base;
}

void describe('nextRetryDelay', () => {
  void it('follows the Standard Webhooks schedule of ten attempts', () => {
    const minute = 60_000;
    const expected = [
      [0, 0],
      [1, 5_000],
      [2, 5 * minute],
      [3, 30 * minute],
      [4, 2 * HOUR],
      [5, 5 * HOUR],
      [6, 10 * HOUR],
      [7, 14 * HOUR],
      [8, 20 * HOUR],
      [9, 24 * HOUR],
    ] as const;
    assert.equal(MAX_ATTEMPTS, 10);
    assert.equal(JITTER_RATIO, 0.2);
    assert.deepEqual(
      RETRY_SCHEDULE_MS,
      expected.map(([, delay]) => delay),
    );
    for (const [attemptsMade, delay] of expected) {
      // random 0.5 is the middle of the jitter band: no jitter at all.
      assert.equal(nextRetryDelay({ attemptsMade, random: 0.5 }), delay, `after ${attemptsMade} attempts`);
    }
  });

  void it('keeps every jittered delay within 20% of the scheduled one, as a whole number of milliseconds', () => {
    fc.assert(
      fc.property(retryableAttempts, randoms, (attemptsMade, random) => {
        const base = baseOf(attemptsMade);
        const delay = nextRetryDelay({ attemptsMade, random });
        assert.ok(delay !== null);
        assert.ok(Number.isInteger(delay));
        assert.ok(delay >= base * 0.8 && delay <= base * 1.2, `${delay} outside ±20% of ${base}`);
      }),
    );
  });

  void it('reaches both ends of the jitter band', () => {
    assert.equal(nextRetryDelay({ attemptsMade: 1, random: 0 }), 4_000);
    assert.equal(nextRetryDelay({ attemptsMade: 1, random: 1 - Number.EPSILON }), 6_000);
  });

  void it('gives up once ten attempts have been made', () => {
    fc.assert(
      fc.property(fc.integer({ min: MAX_ATTEMPTS, max: 1_000 }), randoms, fc.nat(), (attemptsMade, random, hint) => {
        assert.equal(nextRetryDelay({ attemptsMade, random, retryAfterMs: hint, minDelayMs: hint }), null);
      }),
    );
  });

  void it('waits at least as long as the Retry-After asks, capped at 24 hours, and never less than without it', () => {
    fc.assert(
      fc.property(retryableAttempts, randoms, fc.nat({ max: 3 * DAY }), (attemptsMade, random, retryAfterMs) => {
        const without = nextRetryDelay({ attemptsMade, random });
        const delay = nextRetryDelay({ attemptsMade, random, retryAfterMs });
        assert.ok(without !== null && delay !== null);
        assert.ok(delay >= Math.min(retryAfterMs, DAY), `${delay} < Retry-After ${retryAfterMs}`);
        assert.ok(delay >= without);
        assert.equal(delay, Math.max(without, Math.min(retryAfterMs, DAY)));
      }),
    );
  });

  void it('treats the channel minimum delay as a floor that never lowers the delay', () => {
    fc.assert(
      fc.property(retryableAttempts, randoms, fc.nat({ max: 3 * DAY }), (attemptsMade, random, minDelayMs) => {
        const without = nextRetryDelay({ attemptsMade, random });
        const delay = nextRetryDelay({ attemptsMade, random, minDelayMs });
        assert.ok(without !== null && delay !== null);
        assert.equal(delay, Math.max(without, minDelayMs));
      }),
    );
  });

  void it('ignores negative and NaN hints', () => {
    const plain = nextRetryDelay({ attemptsMade: 2, random: 0.5 });
    assert.equal(nextRetryDelay({ attemptsMade: 2, random: 0.5, retryAfterMs: -5, minDelayMs: Number.NaN }), plain);
  });

  void it('refuses an attempt count or random value it cannot have been given by a worker', () => {
    assert.throws(() => nextRetryDelay({ attemptsMade: -1, random: 0 }), RangeError);
    assert.throws(() => nextRetryDelay({ attemptsMade: 1.5, random: 0 }), RangeError);
    assert.throws(() => nextRetryDelay({ attemptsMade: 1, random: 1 }), RangeError);
  });
});
