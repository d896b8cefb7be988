import type { Deferral } from '../channels/channel.ts';
import type { ClaimedDelivery } from '../store/delivery-queue.ts';
import { deliveryTarget } from '../store/target-health-repository.ts';

/** The wait assumed for a target before any of its sends has finished here. */
const UNKNOWN_LATENCY_MS = 250;
/** A deferred delivery comes back after at least this long. */
const MIN_WAIT_MS = 20;
/**
 * A wait expected to be shorter than this is spent in this process's memory, in the target's
 * line, rather than through the queue. A deferral costs a write and a claim, and its timing is
 * an estimate: a target whose answers are slowed by this process's own busy event loop looks
 * slower than it is, and deferring at that pace fell further behind the arrivals every second
 * (measured: 10 s end-to-end delays at 850 events/s to one hook). A line starts each
 * delivery the moment a slot frees.
 */
const MAX_LINE_WAIT_MS = 500;
const MAX_WAIT_MS = 5 * 60_000;
/** Weight of the newest send in a target's average send time. */
const LATENCY_WEIGHT = 0.2;
/** Targets whose average is kept once they have nothing in flight (beyond that, idle ones are forgotten). */
const REMEMBERED_TARGETS = 4096;

interface TargetLoad<Waiting> {
  inFlight: number;
  /** Moving average of this target's send times here; undefined before the first one ends. */
  latencyMs: number | undefined;
  /** The latest time an over-limit delivery of this target was put off to. */
  scheduledUntil: number;
  /** Deliveries waiting here, in claim order, for one of this target's slots. */
  line: Lined<Waiting>[];
}

/** A delivery waiting in its target's line, with what its caller needs to start it. */
export interface Lined<Context> {
  readonly row: ClaimedDelivery;
  readonly context: Context;
}

/** What `admit` decided for one delivery. */
export type Admission = 'send' | 'lined' | Deferral;

/**
 * Caps the sends one worker process has in flight to one target (a hook, or a channel and
 * address), so a slow or rate-limited target cannot take every slot. A delivery over the cap:
 * - waits in the target's line, in memory, when its turn is due within MAX_LINE_WAIT_MS at the
 *   pace the target answers here (a fast target's burst: it starts the moment a slot frees);
 * - otherwise is put back in the queue, spending no attempt, and the over-limit deliveries of a
 *   target are spread out at that pace (cap / average send time): the first waits one send
 *   time, each next one a cap-th of it more. A slow target's backlog comes back in step with
 *   its answers, each delivery deferred about once, and other targets use the slots meanwhile.
 * Counting is per process, in memory: the cap protects this process's slots.
 */
export class TargetConcurrency<Waiting> {
  private readonly loads = new Map<string, TargetLoad<Waiting>>();
  private lined = 0;

  constructor(private readonly limit: number) {}

  /** Deliveries waiting in a line (they count as taken slots of the worker). */
  get waiting(): number {
    return this.lined;
  }

  /**
   * Decides for one delivery: `send` (a slot is taken; give it back with `release`), `lined`
   * (kept with `context` until `release` hands it back, its slot already taken), or a deferral.
   */
  admit(row: ClaimedDelivery, context: Waiting, now: number): Admission {
    const target = deliveryTarget(row);
    let load = this.loads.get(target);
    if (load === undefined) {
      load = { inFlight: 0, latencyMs: undefined, scheduledUntil: 0, line: [] };
      this.loads.set(target, load);
    }
    if (load.inFlight < this.limit) {
      load.inFlight += 1;
      return 'send';
    }
    // Before any of its sends has ended here, a target's pace is unknown: nothing waits in line.
    const latency = load.latencyMs ?? UNKNOWN_LATENCY_MS;
    if (load.latencyMs !== undefined && ((load.line.length + 1) * latency) / this.limit <= MAX_LINE_WAIT_MS) {
      load.line.push({ row, context });
      this.lined += 1;
      return 'lined';
    }
    const pace = Math.max(MIN_WAIT_MS, latency);
    load.scheduledUntil = Math.min(now + MAX_WAIT_MS, Math.max(load.scheduledUntil + pace / this.limit, now + pace));
    return {
      deferredUntil: Math.ceil(load.scheduledUntil),
      reason: `waiting: ${this.limit} sends to this target are already under way`,
    };
  }

  /**
   * Gives back the slot of a send that took `latencyMs`. When the target has a line, its first
   * delivery takes the slot and is returned: the caller starts it.
   */
  release(row: ClaimedDelivery, latencyMs: number): Lined<Waiting> | undefined {
    const target = deliveryTarget(row);
    const load = this.loads.get(target);
    if (load === undefined) return undefined;
    load.latencyMs =
      load.latencyMs === undefined ? latencyMs : load.latencyMs + LATENCY_WEIGHT * (latencyMs - load.latencyMs);
    const next = load.line.shift();
    if (next !== undefined) {
      this.lined -= 1;
      return next;
    }
    load.inFlight -= 1;
    if (load.inFlight <= 0 && this.loads.size > REMEMBERED_TARGETS) this.loads.delete(target);
    return undefined;
  }

  /** Empties every line (the worker is stopping): the caller hands these back to the queue. */
  takeLines(): Lined<Waiting>[] {
    const all: Lined<Waiting>[] = [];
    for (const load of this.loads.values()) {
      all.push(...load.line);
      load.line = [];
    }
    this.lined = 0;
    return all;
  }
}
