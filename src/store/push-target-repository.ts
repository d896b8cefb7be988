import type { Kysely, Selectable } from 'kysely';
import type { Database, PushTargetsTable } from './schema.ts';

export type PushTargetRow = Selectable<PushTargetsTable>;

/** A push target as routing sees it: never the sealed token or subscription. */
export interface PushTargetSummary {
  readonly id: string;
  readonly user_id: string;
  readonly channel: string;
  readonly label: string | null;
}

/** Members' iOS device tokens and Web Push subscriptions, sealed (see migration 0003). */
export class PushTargetRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Stores a target, or updates the row already holding the same token or endpoint (it moves to
   * `row.user_id`: a device belongs to whoever registered it last). Returns the stored row and
   * whether it is new; registering the same target twice keeps its id.
   */
  async register(row: PushTargetRow): Promise<{ row: PushTargetRow; created: boolean }> {
    const stored = await this.db
      .insertInto('push_targets')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['channel', 'target_hash']).doUpdateSet({
          user_id: row.user_id,
          sealed: row.sealed,
          label: row.label,
          updated_at: row.updated_at,
        }),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
    return { row: stored, created: stored.id === row.id };
  }

  list(userId: string, channel: string): Promise<PushTargetRow[]> {
    return this.db
      .selectFrom('push_targets')
      .selectAll()
      .where('user_id', '=', userId)
      .where('channel', '=', channel)
      .orderBy('id')
      .execute();
  }

  async remove(userId: string, channel: string, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('push_targets')
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('channel', '=', channel)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  /** The targets of every member of an organization, by user id (routing's context). */
  async ofMembers(organizationId: string, db: Kysely<Database> = this.db): Promise<Map<string, PushTargetSummary[]>> {
    const rows = await db
      .selectFrom('push_targets')
      .innerJoin('memberships', 'memberships.user_id', 'push_targets.user_id')
      .select(['push_targets.id', 'push_targets.user_id', 'push_targets.channel', 'push_targets.label'])
      .where('memberships.organization_id', '=', organizationId)
      .orderBy('push_targets.id')
      .execute();
    const byUser = new Map<string, PushTargetSummary[]>();
    for (const row of rows) {
      const list = byUser.get(row.user_id) ?? [];
      list.push(row);
      byUser.set(row.user_id, list);
    }
    return byUser;
  }

  /** Sealed targets by id (the worker's batch). */
  byIds(ids: readonly string[]): Promise<Pick<PushTargetRow, 'id' | 'channel' | 'sealed'>[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('push_targets').select(['id', 'channel', 'sealed']).where('id', 'in', ids).execute();
  }
}
