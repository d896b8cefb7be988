import type { Deferral } from '../channels/channel.ts';
import type { ClaimedDelivery } from '../store/delivery-queue.ts';
import { deliveryTarget } from '../store/target-health-repository.ts';

/** The wait assumed for a target before any of its sends has finished here. */
const UNKNOWN_LATENCY_MS = 250;
/** A send time below this is taken as this: shorter waits only bring deliveries back before a slot is free. */
const MIN_WAIT_MS = 20;
const MAX_WAIT_MS = 5 * 60_000;
/** Weight of the newest send in a target's average send time. */
const LATENCY_WEIGHT = 0.2;
/** Targets whose average is kept once they have nothing in flight (beyond that, idle ones are forgotten). */
const REMEMBERED_TARGETS = 4096;

interface TargetLoad {
  inFlight: number;
  /** Moving average of this target's send times here; undefined before the first one ends. */
  latencyMs: number | undefined;
  /** The latest time an over-limit delivery of this target was put off to. */
  scheduledUntil: number;
}

/**
 * Caps the sends one worker process has in flight to one target (a hook, or a channel and
 * address), so a slow or rate-limited target cannot take every slot. A delivery over the cap is
 * put back in the queue, spending no attempt, and the over-limit deliveries of a target are
 * spread out at the pace the target takes them here (cap / average send time): the first waits
 * one send time, each next one a cap-th of it more. A fast target's backlog thus comes back
 * within milliseconds, a slow one's in step with its answers, each delivery deferred about once,
 * and the freed slots go to other targets meanwhile. Counting is per process, in memory: the cap
 * protects this process's slots.
 */
export class TargetConcurrency {
  private readonly loads = new Map<string, TargetLoad>();

  constructor(private readonly limit: number) {}

  /**
   * Takes a slot for each delivery of `rows` that is to be sent now (not in `waits`); those over
   * their target's cap are added to `waits` instead. Each slot taken is given back with `release`.
   */
  admit(rows: readonly ClaimedDelivery[], waits: Map<string, Deferral>, now: number): void {
    for (const row of rows) {
      if (waits.has(row.id)) continue;
      const target = deliveryTarget(row);
      let load = this.loads.get(target);
      if (load === undefined) {
        load = { inFlight: 0, latencyMs: undefined, scheduledUntil: 0 };
        this.loads.set(target, load);
      }
      if (load.inFlight < this.limit) {
        load.inFlight += 1;
        continue;
      }
      const latency = Math.max(MIN_WAIT_MS, load.latencyMs ?? UNKNOWN_LATENCY_MS);
      load.scheduledUntil = Math.min(
        now + MAX_WAIT_MS,
        Math.max(load.scheduledUntil + latency / this.limit, now + latency),
      );
      waits.set(row.id, {
        deferredUntil: Math.ceil(load.scheduledUntil),
        reason: `waiting: ${this.limit} sends to this target are already under way`,
      });
    }
  }

  /** Gives back the slot of a send that took `latencyMs`. */
  release(row: ClaimedDelivery, latencyMs: number): void {
    const target = deliveryTarget(row);
    const load = this.loads.get(target);
    if (load === undefined) return;
    load.inFlight -= 1;
    load.latencyMs =
      load.latencyMs === undefined ? latencyMs : load.latencyMs + LATENCY_WEIGHT * (latencyMs - load.latencyMs);
    if (load.inFlight <= 0 && this.loads.size > REMEMBERED_TARGETS) this.loads.delete(target);
  }
}
