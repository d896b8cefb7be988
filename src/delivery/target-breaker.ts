import type { Deferral, DeliveryOutcome } from '../channels/channel.ts';
import type { ClaimedDelivery } from '../store/delivery-queue.ts';
import {
  deliveryTarget,
  type BreakerPolicy,
  type TargetHealthRepository,
  type TargetHealthRow,
  type TargetOutcomes,
} from '../store/target-health-repository.ts';

/**
 * Five transient failures in a row over at least ten seconds open a target's breaker: enough to
 * tell an outage from one unlucky burst, few enough that a dead target stops taking attempts
 * within its first minutes. The pause starts at 30 s and doubles on each failed probe up to
 * 30 min, the spacing of the early retry schedule (docs/channels.md "Common to all channels").
 */
export const BREAKER_POLICY: BreakerPolicy = {
  failuresToOpen: 5,
  minFailingMs: 10_000,
  firstPauseMs: 30_000,
  maxPauseMs: 30 * 60_000,
};

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * One worker's side of the per-target circuit breakers, whose state lives in the store
 * (TargetHealthRepository). Per claimed batch it says which deliveries wait for a paused target
 * and takes the probe of a target whose pause ended; per outcome it notes what the settle must
 * write. A healthy target costs one map lookup per delivery and no store writes.
 */
export class TargetBreaker {
  /** Targets with a health row when last seen (or failing here since): a success must clear it. */
  private readonly failing = new Set<string>();
  /** Probe deliveries in flight from this worker, by delivery id, with their target. */
  private readonly probes = new Map<string, string>();
  private outcomes = new Map<string, { failures: number; reset: boolean; probeFailed: boolean }>();

  constructor(
    private readonly repository: TargetHealthRepository,
    /** How long a probe holds its target's pause: a probe whose worker died lets it run out. */
    private readonly probeHoldMs: number,
  ) {}

  /**
   * Decides, for a claimed batch, which deliveries go to a paused target and must wait (returned
   * by delivery id). For a target whose pause has ended, one delivery is the probe, if this worker
   * wins it; the others wait while it is under way.
   */
  async admit(
    rows: readonly ClaimedDelivery[],
    health: ReadonlyMap<string, TargetHealthRow>,
    now: number,
  ): Promise<Map<string, Deferral>> {
    const waits = new Map<string, Deferral>();
    if (health.size === 0 && this.failing.size === 0) return waits;
    const probing = new Map<string, boolean>();
    for (const row of rows) {
      const target = deliveryTarget(row);
      const state = health.get(target);
      if (state === undefined) {
        this.failing.delete(target);
        continue;
      }
      this.failing.add(target);
      const pausedUntil = state.paused_until;
      if (pausedUntil === null) continue;
      if (pausedUntil > now) {
        waits.set(row.id, pausedDeferral(pausedUntil));
        continue;
      }
      // The pause is over: one delivery probes the target, the rest wait for its answer.
      let won = probing.get(target);
      if (won === undefined) {
        // Claimed rows must all be launched or deferred: a store error here only postpones the probe.
        won = await this.repository.takeProbe(target, pausedUntil, now + this.probeHoldMs, now).catch(() => false);
        probing.set(target, won);
        if (won) {
          this.probes.set(row.id, target);
          continue;
        }
      }
      waits.set(row.id, pausedDeferral(now + this.probeHoldMs));
    }
    return waits;
  }

  /** Notes a sent attempt's outcome for the next settle (a deferred send is no outcome: pass null). */
  noteOutcome(row: ClaimedDelivery, outcome: DeliveryOutcome | null): void {
    if (outcome?.status !== 'retry' && this.failing.size === 0 && this.probes.size === 0) return;
    const probeTarget = this.probes.get(row.id);
    if (probeTarget !== undefined) this.probes.delete(row.id);
    if (outcome === null) return;
    const target = probeTarget ?? deliveryTarget(row);
    if (outcome.status === 'retry') {
      const noted = this.outcomes.get(target) ?? { failures: 0, reset: false, probeFailed: false };
      noted.failures += 1;
      if (probeTarget !== undefined) noted.probeFailed = true;
      this.outcomes.set(target, noted);
      this.failing.add(target);
    } else if (outcome.status === 'sent' && this.failing.has(target)) {
      // A success closes the breaker: what came before it no longer counts.
      this.outcomes.set(target, { failures: 0, reset: true, probeFailed: false });
      this.failing.delete(target);
    }
  }

  /** The outcomes noted since the last call, for the settle transaction to record, by target. */
  takeOutcomes(): TargetOutcomes[] {
    if (this.outcomes.size === 0) return [];
    // In one order everywhere: two settles locking the same rows in opposite orders could deadlock.
    const taken = [...this.outcomes]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([target, noted]) => ({ target, ...noted }));
    this.outcomes = new Map();
    return taken;
  }
}

function pausedDeferral(until: number): Deferral {
  return {
    deferredUntil: until,
    reason: `waiting: target paused until ${iso(until)} after repeated transient failures`,
  };
}
