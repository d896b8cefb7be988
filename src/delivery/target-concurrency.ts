import type { Deferral } from '../channels/channel.ts';
import type { ClaimedDelivery } from '../store/delivery-queue.ts';
import { deliveryTarget } from '../store/target-health-repository.ts';

/**
 * How long a delivery over its target's limit waits before it is claimed again. Those of one
 * batch are spread out, `limit` per step, so a long backlog on a slow target comes back at about
 * the pace it can take instead of all at once.
 */
const OVER_LIMIT_STEP_MS = 1000;

/**
 * Caps the sends one worker process has in flight to one target (a hook, or a channel and
 * address), so a slow or rate-limited target cannot take every slot: a delivery over the cap is
 * put back in the queue for a moment without spending an attempt, and the slot goes to another
 * target. Counting is per process, in memory: the cap protects this process's slots, which are
 * what a slow target would otherwise exhaust.
 */
export class TargetConcurrency {
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly limit: number) {}

  /**
   * Takes a slot for each delivery of `rows` that is to be sent now (not in `waits`); the ones
   * over their target's limit are added to `waits` instead. Each slot taken is given back with
   * `release`.
   */
  admit(rows: readonly ClaimedDelivery[], waits: Map<string, Deferral>, now: number): void {
    let over: Map<string, number> | undefined;
    for (const row of rows) {
      if (waits.has(row.id)) continue;
      const target = deliveryTarget(row);
      const count = this.inFlight.get(target) ?? 0;
      if (count < this.limit) {
        this.inFlight.set(target, count + 1);
        continue;
      }
      over ??= new Map();
      const rank = over.get(target) ?? 0;
      over.set(target, rank + 1);
      waits.set(row.id, {
        deferredUntil: now + OVER_LIMIT_STEP_MS * (1 + Math.floor(rank / this.limit)),
        reason: `waiting: ${this.limit} sends to this target are already under way`,
      });
    }
  }

  release(row: ClaimedDelivery): void {
    const target = deliveryTarget(row);
    const count = this.inFlight.get(target) ?? 0;
    if (count <= 1) this.inFlight.delete(target);
    else this.inFlight.set(target, count - 1);
  }
}
