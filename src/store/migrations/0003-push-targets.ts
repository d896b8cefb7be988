import type { Kysely } from 'kysely';

// Members' push targets: iOS device tokens and Web Push subscriptions (issue "every channel on its
// real wire protocol"). The token or subscription is a secret (whoever holds it can push to the
// device), so it is kept sealed; `target_hash` (SHA-256 of the token or endpoint) finds duplicates.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('push_targets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull())
    // The personal channel it serves: 'ios' or 'browser'.
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('target_hash', 'text', (c) => c.notNull())
    // JSON sealed with the SecretBox: {token} for iOS, the PushSubscription for Web Push.
    .addColumn('sealed', 'text', (c) => c.notNull())
    // What a listing may show: the member's own name for the device, the push service's origin.
    .addColumn('label', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    // One row per device: registering it again (even as another member) updates that row.
    .addUniqueConstraint('push_targets_target', ['channel', 'target_hash'])
    .execute();
  await db.schema.createIndex('push_targets_user').on('push_targets').columns(['user_id', 'channel']).execute();
}
