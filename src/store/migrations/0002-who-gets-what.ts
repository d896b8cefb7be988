import { sql, type Kysely } from 'kysely';

// Members' preferences and credentials, the finance opt-out, the persisted routing trace and the
// operator's catalog entries (issue "who gets what").
export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per cell a member touched; an untouched cell has no row and takes the inherited value.
  // `application_id` is '' for the account level (a primary key column cannot be NULL on PostgreSQL).
  await db.schema
    .createTable('preferences')
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('application_id', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('preferences_pk', [
      'organization_id',
      'user_id',
      'application_id',
      'event_type',
      'channel',
    ])
    .execute();

  await db.schema
    .alterTable('memberships')
    .addColumn('billing_opt_out', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  // Credentials are stored as SHA-256 hashes only: the secret is shown once, when minted.
  await db.schema
    .createTable('user_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .execute();
  await db.schema.createIndex('user_tokens_user').on('user_tokens').columns(['user_id', 'id']).execute();

  await db.schema
    .createTable('login_links')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();

  await db.schema
    .createTable('sessions')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();

  // What routing decided not to do for an event (the deliveries hold what it did).
  await db.schema
    .createTable('routing_traces')
    .addColumn('event_seq', 'bigint', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('skipped', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('routing_traces_created').on('routing_traces').column('created_at').execute();

  // Event types and groups the operator added or changed (the built-in ones live in code).
  await db.schema
    .createTable('catalog_groups')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('catalog_types')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('definition', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await sql`insert into counters (name, value) values ('catalog_version', 0)`.execute(db);
}
