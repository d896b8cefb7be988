import pg from 'pg';
import type { Wakeups } from '../wakeups.ts';

const RECONNECT_DELAY_MS = 1000;

/**
 * LISTEN/NOTIFY wake-ups between the processes sharing one PostgreSQL database. The listener
 * holds its own connection (a pooled one could be handed to a query mid-LISTEN) and reconnects
 * after errors; meanwhile the workers' poll keeps deliveries moving.
 */
export class PostgresWakeups implements Wakeups {
  constructor(
    private readonly pool: pg.Pool,
    private readonly connectionString: string,
    private readonly onError: (error: unknown) => void = () => {},
    /** The NOTIFY channel: one per kind of news (deliveries queued, events stored). */
    private readonly channel = 'clarion_deliveries',
  ) {}

  notify(payload = ''): void {
    this.pool.query('select pg_notify($1, $2)', [this.channel, payload]).catch(this.onError);
  }

  async listen(onWake: (payload: string) => void): Promise<() => Promise<void>> {
    let client: pg.Client | undefined;
    let stopped = false;
    let retry: NodeJS.Timeout | undefined;
    const connect = async (): Promise<void> => {
      const next = new pg.Client({ connectionString: this.connectionString });
      next.on('notification', (message) => {
        if (message.channel === this.channel) onWake(message.payload ?? '');
      });
      next.on('error', (error) => {
        this.onError(error);
        next.end().catch(() => {});
        if (!stopped) retry = setTimeout(() => void connect().catch(this.onError), RECONNECT_DELAY_MS);
      });
      await next.connect();
      await next.query(`listen ${this.channel}`);
      // Stopped while (re)connecting: this client would otherwise outlive the store.
      if (stopped) {
        await next.end().catch(() => {});
        return;
      }
      client = next;
      // Something may have been committed while we were not listening.
      onWake('');
    };
    await connect();
    return async () => {
      stopped = true;
      clearTimeout(retry);
      await client?.end().catch(() => {});
    };
  }
}
