import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PostgresServer } from './postgres.ts';

export type StoreKind = 'sqlite' | 'postgres';

/** An empty store for one measurement: a fresh SQLite data directory or PostgreSQL database. */
export interface BenchStore {
  readonly kind: StoreKind;
  /** CLARION_DATA_DIR (the SQLite file lives here; on PostgreSQL it only holds nothing much). */
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  cleanup(): Promise<void>;
}

export async function freshStore(kind: StoreKind, postgres: PostgresServer | undefined): Promise<BenchStore> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `clarion-bench-${kind}-`));
  const removeDir = () => fs.rmSync(dataDir, { recursive: true, force: true });
  if (kind === 'sqlite') {
    return { kind, dataDir, databaseUrl: undefined, cleanup: () => Promise.resolve(removeDir()) };
  }
  if (!postgres) throw new Error('PostgreSQL is not available in this run');
  const database = await postgres.createDatabase();
  return {
    kind,
    dataDir,
    databaseUrl: database.url,
    async cleanup() {
      removeDir();
      await database.drop();
    },
  };
}
