import { setMaxListeners } from 'node:events';

/**
 * The one signal a request is sent with: aborted with the caller's reason when the caller's
 * signal aborts, or with `timeoutError()` when its time is up. `release` when the request is over.
 */
export interface RequestDeadline {
  readonly signal: AbortSignal;
  release(): void;
}

/**
 * Hands out request deadlines, sharing one among the requests started in the same synchronous
 * stretch of code with the same caller signal and timeout. Node measures a new timer from the
 * event loop's cached clock, which does not move within that stretch, so those deadlines are the
 * same instant anyway. The delivery worker starts a claimed batch of sends in one go: sharing
 * makes that one controller, one timer and one listener on the caller's signal per batch, where
 * they were about 5% of the CPU per delivery. A shared deadline's timer is cleared when the last
 * request using it is released.
 */
export class RequestDeadlines {
  /** Deadlines still open to new requests: only until the current stretch of code ends. */
  readonly #open = new Map<AbortSignal | undefined, Map<number, SharedDeadline>>();
  #closing = false;

  constructor(private readonly timeoutError: (timeoutMs: number) => Error) {}

  acquire(callerSignal: AbortSignal | undefined, timeoutMs: number): RequestDeadline {
    let byTimeout = this.#open.get(callerSignal);
    if (byTimeout === undefined) {
      byTimeout = new Map();
      this.#open.set(callerSignal, byTimeout);
    }
    let shared = byTimeout.get(timeoutMs);
    // A released deadline is over (a request can fail at once, before this stretch ends).
    if (shared === undefined || shared.released) {
      shared = new SharedDeadline(callerSignal, timeoutMs, this.timeoutError);
      byTimeout.set(timeoutMs, shared);
      if (!this.#closing) {
        this.#closing = true;
        // A microtask runs once the current synchronous code is done: later requests get their own.
        queueMicrotask(() => {
          this.#closing = false;
          this.#open.clear();
        });
      }
    }
    shared.users += 1;
    return shared;
  }
}

class SharedDeadline implements RequestDeadline {
  users = 0;
  released = false;
  readonly #controller = new AbortController();
  readonly #callerSignal: AbortSignal | undefined;
  readonly #timer: NodeJS.Timeout;
  readonly #onAbort = (): void => this.#controller.abort(this.#callerSignal?.reason);

  constructor(callerSignal: AbortSignal | undefined, timeoutMs: number, timeoutError: (timeoutMs: number) => Error) {
    this.#callerSignal = callerSignal;
    // Every request sharing this deadline listens to it (undici does): that is not a leak.
    setMaxListeners(0, this.#controller.signal);
    this.#timer = setTimeout(() => this.#controller.abort(timeoutError(timeoutMs)), timeoutMs);
    if (callerSignal?.aborted === true) this.#onAbort();
    else callerSignal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  release(): void {
    this.users -= 1;
    if (this.users > 0) return;
    this.released = true;
    clearTimeout(this.#timer);
    this.#callerSignal?.removeEventListener('abort', this.#onAbort);
  }
}
