import { sql, SqliteAdapter, type Kysely } from 'kysely';

// Routing contexts cached by version (issue "speed"): every change to what routing reads of an
// organization (its hooks, members and their users, preferences, push targets, applications
// and add-ons) increases `organizations.routing_version`. Triggers do it, so no write path, in
// any process or by hand, can forget to; ingest rereads a context only when its version moved.

/** Tables whose rows belong to one organization, by `organization_id`. */
const BY_ORGANIZATION = ['hooks', 'memberships', 'preferences', 'applications', 'addons'] as const;
/** Tables whose rows belong to a user, who may be a member of several organizations. */
const BY_USER = [
  ['users', 'id'],
  ['push_targets', 'user_id'],
] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('organizations')
    .addColumn('routing_version', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  if (db.getExecutor().adapter instanceof SqliteAdapter) await sqliteTriggers(db);
  else await postgresTriggers(db);
}

const bumpOrganization = (row: 'new' | 'old') =>
  `update organizations set routing_version = routing_version + 1 where id = ${row}.organization_id;`;

const bumpMembersOf = (row: 'new' | 'old', userColumn: string) =>
  `update organizations set routing_version = routing_version + 1
   where id in (select organization_id from memberships where user_id = ${row}.${userColumn});`;

async function sqliteTriggers(db: Kysely<unknown>): Promise<void> {
  const create = (name: string, event: string, table: string, body: string) =>
    sql.raw(`create trigger ${name} after ${event} on ${table} begin ${body} end`).execute(db);
  for (const table of BY_ORGANIZATION) {
    await create(`${table}_routing_insert`, 'insert', table, bumpOrganization('new'));
    await create(`${table}_routing_update`, 'update', table, bumpOrganization('old') + bumpOrganization('new'));
    await create(`${table}_routing_delete`, 'delete', table, bumpOrganization('old'));
  }
  for (const [table, column] of BY_USER) {
    await create(`${table}_routing_insert`, 'insert', table, bumpMembersOf('new', column));
    await create(
      `${table}_routing_update`,
      'update',
      table,
      bumpMembersOf('old', column) + bumpMembersOf('new', column),
    );
    await create(`${table}_routing_delete`, 'delete', table, bumpMembersOf('old', column));
  }
}

async function postgresTriggers(db: Kysely<unknown>): Promise<void> {
  const fn = async (name: string, bump: (row: 'new' | 'old') => string) => {
    await sql
      .raw(
        `create function ${name}() returns trigger language plpgsql as $$
         begin
           if tg_op in ('UPDATE', 'DELETE') then ${bump('old')} end if;
           if tg_op in ('INSERT', 'UPDATE') then ${bump('new')} end if;
           return null;
         end $$`,
      )
      .execute(db);
  };
  await fn('clarion_routing_by_organization', bumpOrganization);
  for (const [table, column] of BY_USER) {
    await fn(`clarion_routing_by_${table}`, (row) => bumpMembersOf(row, column));
  }
  const trigger = (table: string, fnName: string) =>
    sql
      .raw(
        `create trigger ${table}_routing after insert or update or delete on ${table}
         for each row execute function ${fnName}()`,
      )
      .execute(db);
  for (const table of BY_ORGANIZATION) await trigger(table, 'clarion_routing_by_organization');
  for (const [table] of BY_USER) await trigger(table, `clarion_routing_by_${table}`);
}
