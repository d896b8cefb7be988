import { sql, SqliteAdapter, type Kysely } from 'kysely';

// An organization deleted and created again under the same id started again at routing
// version 0. A process that had cached the first one's context could then meet the same
// version number again, with other hooks behind it, and route with the deleted ones. A new
// organization now starts at its creation time in microseconds: versions move by one per
// change, so the earlier organization would need more changes than microseconds have passed
// to reach a number the new one can have.

/** Microseconds since the Unix epoch, in SQLite ('now' has millisecond resolution). */
const SQLITE_NOW_US = `cast((julianday('now') - 2440587.5) * 86400000000 as integer)`;

export async function up(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof SqliteAdapter) {
    // SQLite cannot change a column's default; a trigger sets it once the row exists.
    await sql
      .raw(
        `create trigger organizations_routing_start after insert on organizations
         begin update organizations set routing_version = ${SQLITE_NOW_US} where id = new.id; end`,
      )
      .execute(db);
    return;
  }
  await sql`alter table organizations alter column routing_version
    set default floor(extract(epoch from clock_timestamp()) * 1000000)::bigint`.execute(db);
}
