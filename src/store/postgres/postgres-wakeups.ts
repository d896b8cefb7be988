import pg from 'pg';
import type { Wakeups } from '../wakeups.ts';

const CHANNEL = 'clarion_deliveries';
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
  ) {}

  notify(): void {
    this.pool.query(`select pg_notify('${CHANNEL}', '')`).catch(this.onError);
  }

  async listen(onWake: () => void): Promise<() => Promise<void>> {
    let client: pg.Client | undefined;
    let stopped = false;
    let retry: NodeJS.Timeout | undefined;
    const connect = async (): Promise<void> => {
      const next = new pg.Client({ connectionString: this.connectionString });
      next.on('notification', (message) => {
        if (message.channel === CHANNEL) onWake();
      });
      next.on('error', (error) => {
        this.onError(error);
        next.end().catch(() => {});
        if (!stopped) retry = setTimeout(() => void connect().catch(this.onError), RECONNECT_DELAY_MS);
      });
      await next.connect();
      await next.query(`listen ${CHANNEL}`);
      client = next;
      // Deliveries may have been queued while we were not listening.
      onWake();
    };
    await connect();
    return async () => {
      stopped = true;
      clearTimeout(retry);
      await client?.end().catch(() => {});
    };
  }
}
