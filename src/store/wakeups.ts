/**
 * Tells other processes that something was committed: workers that deliveries were queued,
 * event streams that events were stored. Within one process the caller wakes its own parts
 * directly; this reaches the other processes sharing the store (PostgreSQL LISTEN/NOTIFY). It is
 * only a hint: readers also poll, so a lost notification costs latency, never a delivery or event.
 */
export interface Wakeups {
  /** Tells every listening process; `payload` (under 8000 bytes) says what changed. Errors are swallowed (the poll covers them). */
  notify(payload?: string): void;
  /**
   * Calls `onWake` for every notification until the returned function is called, and once after
   * each (re)connection with the payload '' ("anything may have changed while we were not listening").
   */
  listen(onWake: (payload: string) => void): Promise<() => Promise<void>>;
}

/** A store used by one process only (SQLite): there is nobody else to tell. */
export const localWakeups: Wakeups = {
  notify() {},
  listen: () => Promise.resolve(() => Promise.resolve()),
};
