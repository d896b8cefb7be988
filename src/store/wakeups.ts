/**
 * Tells workers that deliveries were queued. Within one process the caller wakes its own
 * worker directly; this reaches the other processes sharing the store (PostgreSQL
 * LISTEN/NOTIFY). It is only a hint: workers also poll, so a lost notification costs latency,
 * never a delivery.
 */
export interface Wakeups {
  /** Tells every listening process; errors are swallowed (the poll covers them). */
  notify(): void;
  /** Calls `onWake` for every notification until the returned function is called. */
  listen(onWake: () => void): Promise<() => Promise<void>>;
}

/** A store used by one process only (SQLite): there is nobody else to tell. */
export const localWakeups: Wakeups = {
  notify() {},
  listen: () => Promise.resolve(() => Promise.resolve()),
};
