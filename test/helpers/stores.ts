import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import type { StoreLocation } from '../../src/store/store.ts';

export type StoreKind = 'sqlite' | 'postgres';

/** Every store the suite runs against: SQLite always; PostgreSQL when the runner provides one. */
export const STORE_KINDS: readonly StoreKind[] = process.env['TEST_DATABASE_URL'] ? ['sqlite', 'postgres'] : ['sqlite'];

export interface TestStoreLocation extends StoreLocation {
  readonly kind: StoreKind;
  /** Drops the database or deletes the data directory. */
  cleanup(): Promise<void>;
}

/**
 * A fresh, empty store of the given kind: a new SQLite file in a temporary directory, or a new
 * database on the test PostgreSQL server. Nothing is shared between tests.
 */
export async function freshStoreLocation(kind: StoreKind): Promise<TestStoreLocation> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clarion-test-'));
  const removeDir = () => fs.rmSync(dataDir, { recursive: true, force: true });
  if (kind === 'sqlite') {
    return { kind, databaseUrl: undefined, dataDir, cleanup: () => Promise.resolve(removeDir()) };
  }
  const serverUrl = process.env['TEST_DATABASE_URL'];
  if (!serverUrl) throw new Error('TEST_DATABASE_URL is not set: run the suite with npm test');
  const name = `clarion_test_${randomBytes(6).toString('hex')}`;
  await withAdmin(serverUrl, (client) => client.query(`create database ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    kind,
    databaseUrl: url.toString(),
    dataDir,
    async cleanup() {
      removeDir();
      await withAdmin(serverUrl, (client) => client.query(`drop database if exists ${name} with (force)`));
    },
  };
}

async function withAdmin(serverUrl: string, fn: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await fn(client);
  } finally {
    await client.end();
  }
}
