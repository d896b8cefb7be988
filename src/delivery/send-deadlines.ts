import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';

/** Sends starting within this many milliseconds of each other share one deadline signal. */
const SHARED_DEADLINE_MS = 10;

/**
 * The signals a worker's sends run with: each aborts at the send timeout, or when the worker
 * gives up on everything still running (`abortAll`, at the end of a stop). Sends started within
 * SHARED_DEADLINE_MS share one signal (a timer and a combined signal cost about 30 us each):
 * their timeout is at most that much shorter than asked.
 */
export class SendDeadlines {
  private stopping = new AbortController();
  /** The signal shared by the sends starting about now. */
  private current: { signal: AbortSignal; startedAt: number } | undefined;

  constructor(private readonly timeoutMs: number) {}

  /** The signal of a send starting now. */
  next(): AbortSignal {
    const now = performance.now();
    if (this.current !== undefined && now - this.current.startedAt < SHARED_DEADLINE_MS) return this.current.signal;
    const signal = AbortSignal.any([this.stopping.signal, AbortSignal.timeout(this.timeoutMs)]);
    setMaxListeners(0, signal); // a channel may listen once per send: not a leak
    this.current = { signal, startedAt: now };
    return signal;
  }

  /** Aborts every signal handed out so far with `reason`. */
  abortAll(reason: Error): void {
    this.stopping.abort(reason);
  }

  /** Starts afresh after `abortAll` (a worker started again): later signals are not aborted. */
  renew(): void {
    this.stopping = new AbortController();
    this.current = undefined; // it listens to the previous stopping signal
  }
}
