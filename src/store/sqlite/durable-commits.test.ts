import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { OpenedDatabase } from '../opened-database.ts';
import { openSqliteDatabase } from './sqlite-database.ts';
import { WalFlusher } from './wal-flusher.ts';

/** A WAL sync the test releases by hand; `started` counts the syncs begun. */
class HeldSync {
  started = 0;
  private releases: (() => void)[] = [];
  readonly sync = (): Promise<void> => {
    this.started += 1;
    return new Promise((resolve) => this.releases.push(resolve));
  };
  releaseAll(): void {
    for (const release of this.releases.splice(0)) release();
  }
  get waiting(): number {
    return this.releases.length;
  }
  /** Lets `work` through: releases each sync it waits for until it settles. */
  async pass<T>(work: Promise<T>): Promise<T> {
    while (!(await settled(work))) this.releaseAll();
    return work;
  }
}

/** Whether `promise` has settled after the current I/O turn (a sync it waits for has not). */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('SQLite durable commits', () => {
  let dir: string;
  let opened: OpenedDatabase;
  const held = new HeldSync();

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clarion-durable-'));
    opened = openSqliteDatabase(dir, held.sync);
    await held.pass(sql`create table notes (id integer primary key, text text)`.execute(opened.db));
  });

  after(async () => {
    await held.pass(opened.close());
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('resolves a transaction only once the WAL it wrote is synced, with the connection free meanwhile', async () => {
    const before = held.started;
    const committed = opened.db.transaction().execute((trx) => sql`insert into notes (text) values ('a')`.execute(trx));
    assert.equal(await settled(committed), false, 'the commit resolved before the WAL sync ended');
    assert.equal(held.started, before + 1);
    // The sync runs off the event loop and after the connection is released: reads go on.
    const count = await sql<{ n: number }>`select count(*) as n from notes`.execute(opened.db);
    assert.equal(count.rows[0]!.n, 1);
    held.releaseAll();
    await committed;
  });

  it('syncs after a write outside a transaction, and never for a read', async () => {
    const before = held.started;
    await sql`select * from notes`.execute(opened.db);
    assert.equal(held.started, before, 'a read waited for a sync');
    const written = sql`insert into notes (text) values ('b')`.execute(opened.db);
    assert.equal(await settled(written), false);
    held.releaseAll();
    await written;
    assert.equal(held.started, before + 1);
  });

  it('does not sync after a relaxed transaction', async () => {
    const before = held.started;
    await opened.relaxedTransaction((trx) => sql`insert into notes (text) values ('c')`.execute(trx));
    assert.equal(held.started, before);
    assert.equal(held.waiting, 0);
  });

  it('does not sync after a relaxed statement, and syncs the next durable write as before', async () => {
    const before = held.started;
    await opened.relaxedStatement((db) => sql`insert into notes (text) values ('d')`.execute(db));
    assert.equal(held.started, before);
    assert.equal(held.waiting, 0);
    await held.pass(sql`insert into notes (text) values ('e')`.execute(opened.db));
    assert.equal(held.started, before + 1);
  });
});

describe('WalFlusher', () => {
  it('makes callers arriving during a sync wait for the next one, which they share', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clarion-flusher-'));
    const wal = path.join(dir, 'file-wal');
    fs.writeFileSync(wal, 'frames');
    const held = new HeldSync();
    const flusher = new WalFlusher(wal, held.sync);
    try {
      const first = flusher.flush();
      // The WAL file opens (a libuv request), then the sync starts.
      while (held.started === 0) await new Promise((resolve) => setImmediate(resolve));
      const second = flusher.flush();
      const third = flusher.flush();
      assert.equal(held.started, 1, 'a caller arriving during a sync started another at once');
      held.releaseAll();
      await first;
      assert.equal(await settled(second), false, 'a caller was answered by a sync that began before it');
      assert.equal(held.started, 2);
      held.releaseAll();
      await Promise.all([second, third]);
      assert.equal(held.started, 2, 'the callers that arrived together did not share one sync');
    } finally {
      held.releaseAll();
      await flusher.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
