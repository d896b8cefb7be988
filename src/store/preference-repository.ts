import type { Kysely } from 'kysely';
import { ACCOUNT_LEVEL, PreferenceMatrix, type PreferenceCell } from '../routing/preference-matrix.ts';
import type { Database } from './schema.ts';

/** A change to one cell: `enabled: null` clears it, so it inherits again. */
export interface CellChange {
  readonly applicationId: string | null;
  readonly eventType: string;
  readonly channel: string;
  readonly enabled: boolean | null;
}

/** Members' preference matrices: only the cells they set are stored. */
export class PreferenceRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Every member's matrix in the organization, by user id (routing reads them all). */
  async matricesOf(organizationId: string, db: Kysely<Database> = this.db): Promise<Map<string, PreferenceMatrix>> {
    const rows = await db
      .selectFrom('preferences')
      .select(['user_id', 'application_id', 'event_type', 'channel', 'enabled'])
      .where('organization_id', '=', organizationId)
      .execute();
    const cellsByUser = new Map<string, PreferenceCell[]>();
    for (const row of rows) {
      const cells = cellsByUser.get(row.user_id) ?? [];
      cells.push(toCell(row));
      cellsByUser.set(row.user_id, cells);
    }
    return new Map([...cellsByUser].map(([userId, cells]) => [userId, new PreferenceMatrix(cells)]));
  }

  /** The cells one member set in the organization. */
  async cellsOf(organizationId: string, userId: string, db: Kysely<Database> = this.db): Promise<PreferenceCell[]> {
    const rows = await db
      .selectFrom('preferences')
      .select(['application_id', 'event_type', 'channel', 'enabled'])
      .where('organization_id', '=', organizationId)
      .where('user_id', '=', userId)
      .execute();
    return rows.map(toCell);
  }

  /**
   * Applies changes to one member's cells in one transaction. With `replaceLevel`, every cell of
   * that level (account: null, or an application) not named in `changes` is cleared first.
   */
  async apply(
    organizationId: string,
    userId: string,
    changes: readonly CellChange[],
    now: number,
    replace?: { readonly applicationId: string | null; readonly eventType?: string },
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      if (replace !== undefined) {
        await trx
          .deleteFrom('preferences')
          .where('organization_id', '=', organizationId)
          .where('user_id', '=', userId)
          .where('application_id', '=', replace.applicationId ?? ACCOUNT_LEVEL)
          .$if(replace.eventType !== undefined, (qb) => qb.where('event_type', '=', replace.eventType!))
          .execute();
      }
      for (const change of changes) {
        const where = {
          organization_id: organizationId,
          user_id: userId,
          application_id: change.applicationId ?? ACCOUNT_LEVEL,
          event_type: change.eventType,
          channel: change.channel,
        };
        if (change.enabled === null) {
          await trx
            .deleteFrom('preferences')
            .where('organization_id', '=', where.organization_id)
            .where('user_id', '=', where.user_id)
            .where('application_id', '=', where.application_id)
            .where('event_type', '=', where.event_type)
            .where('channel', '=', where.channel)
            .execute();
          continue;
        }
        const enabled = change.enabled ? 1 : 0;
        await trx
          .insertInto('preferences')
          .values({ ...where, enabled, updated_at: now })
          .onConflict((oc) =>
            oc
              .columns(['organization_id', 'user_id', 'application_id', 'event_type', 'channel'])
              .doUpdateSet({ enabled, updated_at: now }),
          )
          .execute();
      }
    });
  }
}

/**
 * Which of a member's cells a settings import replaces: every level (an organization's settings)
 * or one application's.
 */
export type CellLevels = { readonly all: true } | { readonly applicationId: string };

/** Replaces `levels` of one member's cells with `cells`, inside the caller's transaction. */
export async function replaceCellsIn(
  trx: Kysely<Database>,
  organizationId: string,
  userId: string,
  levels: CellLevels,
  cells: readonly PreferenceCell[],
  now: number,
): Promise<void> {
  await trx
    .deleteFrom('preferences')
    .where('organization_id', '=', organizationId)
    .where('user_id', '=', userId)
    .$if('applicationId' in levels, (qb) =>
      qb.where('application_id', '=', (levels as { applicationId: string }).applicationId),
    )
    .execute();
  if (cells.length === 0) return;
  await trx
    .insertInto('preferences')
    .values(
      cells.map((cell) => ({
        organization_id: organizationId,
        user_id: userId,
        application_id: cell.applicationId ?? ACCOUNT_LEVEL,
        event_type: cell.eventType,
        channel: cell.channel,
        enabled: cell.enabled ? 1 : 0,
        updated_at: now,
      })),
    )
    .execute();
}

function toCell(row: { application_id: string; event_type: string; channel: string; enabled: number }): PreferenceCell {
  return {
    applicationId: row.application_id === ACCOUNT_LEVEL ? null : row.application_id,
    eventType: row.event_type,
    channel: row.channel,
    enabled: row.enabled === 1,
  };
}
