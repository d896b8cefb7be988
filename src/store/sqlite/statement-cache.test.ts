import assert from 'node:assert/strict';
import { it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { withStatementCache } from './statement-cache.ts';

it('reuses the prepared statement of a query it has seen, and forgets the least recently used beyond its capacity', () => {
  const database = new SqliteDatabase(':memory:');
  const cached = withStatementCache(database, 2);
  const first = cached.prepare('select 1 as one');
  assert.equal(cached.prepare('select 1 as one'), first);
  const second = cached.prepare('select 2 as two');
  cached.prepare('select 1 as one'); // now the most recent
  cached.prepare('select 3 as three'); // evicts "select 2"
  assert.equal(cached.prepare('select 1 as one'), first);
  const again = cached.prepare('select 2 as two');
  assert.notEqual(again, second, 'the least recently used statement was kept');
  assert.deepEqual(again.all(), [{ two: 2 }]);
  cached.close();
  assert.equal(database.open, false);
});
