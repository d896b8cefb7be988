import type { Kysely, Selectable } from 'kysely';
import type { Database, HooksTable } from './schema.ts';
import { fetchPage, type Page, type PageRequest } from './page.ts';

/** A hook's event filter: every event, or a list of type names and `group:<name>` entries. */
export type EventFilter = 'all' | string[];

/** A hook as stored, with its JSON columns decoded. Secret settings stay encrypted here. */
export interface HookRecord {
  id: string;
  organization_id: string;
  name: string;
  kind: string;
  settings: Record<string, unknown>;
  events: EventFilter;
  applications: string[] | null;
  addons: string[] | null;
  enabled: boolean;
  disabled_reason: string | null;
  created_at: number;
  updated_at: number;
}

export function decodeHook(row: Selectable<HooksTable>): HookRecord {
  return {
    id: row.id,
    organization_id: row.organization_id,
    name: row.name,
    kind: row.kind,
    settings: JSON.parse(row.settings) as Record<string, unknown>,
    events: JSON.parse(row.events) as EventFilter,
    applications: row.applications === null ? null : (JSON.parse(row.applications) as string[]),
    addons: row.addons === null ? null : (JSON.parse(row.addons) as string[]),
    enabled: row.enabled === 1,
    disabled_reason: row.disabled_reason,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

function encodeHook(hook: HookRecord): Selectable<HooksTable> {
  return {
    ...hook,
    settings: JSON.stringify(hook.settings),
    events: JSON.stringify(hook.events),
    applications: hook.applications === null ? null : JSON.stringify(hook.applications),
    addons: hook.addons === null ? null : JSON.stringify(hook.addons),
    enabled: hook.enabled ? 1 : 0,
  };
}

export class HookRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(hook: HookRecord, db: Kysely<Database> = this.db): Promise<void> {
    await db.insertInto('hooks').values(encodeHook(hook)).execute();
  }

  async get(organizationId: string, id: string): Promise<HookRecord | undefined> {
    const row = await this.db
      .selectFrom('hooks')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && decodeHook(row);
  }

  /** Hooks by id, across organizations (the worker loads a claimed batch's hooks at once). */
  async getMany(ids: readonly string[]): Promise<Map<string, HookRecord>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.selectFrom('hooks').selectAll().where('id', 'in', ids).execute();
    return new Map(rows.map((row) => [row.id, decodeHook(row)]));
  }

  /** Every hook of the organization, enabled or not: what routing considers for an event. */
  async allFor(organizationId: string, db: Kysely<Database> = this.db): Promise<HookRecord[]> {
    const rows = await db
      .selectFrom('hooks')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .orderBy('id')
      .execute();
    return rows.map(decodeHook);
  }

  async list(organizationId: string, page: PageRequest): Promise<Page<HookRecord>> {
    const query = this.db.selectFrom('hooks').selectAll().where('organization_id', '=', organizationId);
    const rows = await fetchPage(query, page, { column: 'id', keyOf: (row) => row.id });
    return { data: rows.data.map(decodeHook), next_cursor: rows.next_cursor };
  }

  async replace(hook: HookRecord, db: Kysely<Database> = this.db): Promise<void> {
    const { id, organization_id: organizationId, ...rest } = encodeHook(hook);
    await db
      .updateTable('hooks')
      .set(rest)
      .where('organization_id', '=', organizationId)
      .where('id', '=', id)
      .execute();
  }

  /**
   * `replace`, only if the stored settings are still exactly `expectedSettings` (compare-and-set,
   * as `replaceSettingsIf`); says whether it did. An edit that raced a secret rotation must not
   * write back the secrets it read before the rotation.
   */
  async replaceIf(hook: HookRecord, expectedSettings: Record<string, unknown>): Promise<boolean> {
    const { id, organization_id: organizationId, ...rest } = encodeHook(hook);
    const result = await this.db
      .updateTable('hooks')
      .set(rest)
      .where('organization_id', '=', organizationId)
      .where('id', '=', id)
      .where('settings', '=', JSON.stringify(expectedSettings))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * Replaces a hook's settings only if they are still exactly `expected` (compare-and-set), and
   * says whether it did. Sealed values carry a random IV, so equal text means nothing changed
   * them meanwhile: two concurrent secret rotations cannot both win and lose one's new secret.
   */
  async replaceSettingsIf(
    hook: Pick<HookRecord, 'organization_id' | 'id'>,
    expected: Record<string, unknown>,
    settings: Record<string, unknown>,
    now: number,
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('hooks')
      .set({ settings: JSON.stringify(settings), updated_at: now })
      .where('organization_id', '=', hook.organization_id)
      .where('id', '=', hook.id)
      .where('settings', '=', JSON.stringify(expected))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async delete(organizationId: string, id: string, now: number): Promise<boolean> {
    return this.db.transaction().execute((trx) => this.deleteIn(trx, organizationId, id, now));
  }

  /** `delete` inside the caller's transaction. */
  async deleteIn(trx: Kysely<Database>, organizationId: string, id: string, now: number): Promise<boolean> {
    const result = await trx
      .deleteFrom('hooks')
      .where('organization_id', '=', organizationId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) !== 1) return false;
    // A deleted hook's queued deliveries have nowhere to go.
    await trx
      .updateTable('deliveries')
      .set({ status: 'cancelled', last_error: 'the hook was deleted', updated_at: now, finished_at: now })
      .where('hook_id', '=', id)
      .where('status', '=', 'pending')
      .execute();
    return true;
  }
}
