// On PostgreSQL the workers' claims, renewals and outcomes commit without waiting for the WAL to
// reach the disk (synchronous_commit=off on connections of their own); everything else, ingest
// above all, waits for it.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/store/schema.ts';
import { openPostgresDatabase } from '../../src/store/postgres/postgres-database.ts';
import { freshStoreLocation } from '../helpers/stores.ts';

const withPostgres = process.env['TEST_DATABASE_URL'] ? {} : { skip: 'needs TEST_DATABASE_URL (run with npm test)' };

const setting = async (db: Kysely<Database>) =>
  (await sql<{ synchronous_commit: string }>`show synchronous_commit`.execute(db)).rows[0]!.synchronous_commit;

it('relaxed statements and transactions skip the wait for the disk; other commits keep it', withPostgres, async () => {
  const location = await freshStoreLocation('postgres');
  const opened = openPostgresDatabase(location.databaseUrl!);
  try {
    assert.equal(await opened.relaxedStatement(setting), 'off');
    assert.equal(await opened.relaxedTransaction(setting), 'off');
    assert.equal(await setting(opened.db), 'on');
    assert.equal(await opened.db.transaction().execute(setting), 'on');
  } finally {
    await opened.close();
    await location.cleanup();
  }
});
