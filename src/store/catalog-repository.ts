import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';

/** An event type as stored in `catalog_types.definition` (JSON; the name is the row's key). */
export interface StoredTypeDefinition {
  readonly description: string;
  readonly scopes: readonly string[];
  readonly groups: readonly string[];
  readonly default_channels: { readonly email: boolean; readonly browser: boolean; readonly ios: boolean };
  readonly paired_with: string | null;
  readonly severity: string;
}

export interface StoredType {
  readonly name: string;
  readonly definition: StoredTypeDefinition;
}

export interface StoredGroup {
  readonly name: string;
  readonly description: string;
}

/** What keeps an event type from being removed; each field names the first thing found. */
export interface TypeUsage {
  /** Organization and id of a stored event of the type. */
  readonly event: { readonly organization: string; readonly id: string } | undefined;
  /** A hook whose event filter names the type. */
  readonly hook: HookReference | undefined;
  /** Organization and user of a member preference set for the type. */
  readonly preference: { readonly organization: string; readonly user: string } | undefined;
}

export interface HookReference {
  readonly organization: string;
  readonly id: string;
  readonly name: string;
}

const VERSION_COUNTER = 'catalog_version';

/**
 * The operator's event types and groups (the built-in ones live in code; a stored row with a
 * built-in name replaces that entry) and `catalog_version`, the counter every change bumps so
 * other processes know to reload.
 */
export class CatalogRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Runs `fn` in a transaction that first takes the `catalog_version` row's lock (a no-op
   * update), so catalog changes run one after another and each one reads what the previous one
   * committed. Call `bumpVersion` inside when something changed.
   */
  change<T>(fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('counters')
        .set({ value: sql`value` })
        .where('name', '=', VERSION_COUNTER)
        .execute();
      return fn(trx);
    });
  }

  async bumpVersion(trx: Kysely<Database>): Promise<number> {
    const row = await trx
      .updateTable('counters')
      .set({ value: sql`value + 1` })
      .where('name', '=', VERSION_COUNTER)
      .returning('value')
      .executeTakeFirstOrThrow();
    return Number(row.value);
  }

  async version(db: Kysely<Database> = this.db): Promise<number> {
    const row = await db
      .selectFrom('counters')
      .select('value')
      .where('name', '=', VERSION_COUNTER)
      .executeTakeFirstOrThrow();
    return Number(row.value);
  }

  async listTypes(db: Kysely<Database> = this.db): Promise<StoredType[]> {
    const rows = await db.selectFrom('catalog_types').select(['name', 'definition']).orderBy('name').execute();
    return rows.map((row) => ({ name: row.name, definition: JSON.parse(row.definition) as StoredTypeDefinition }));
  }

  listGroups(db: Kysely<Database> = this.db): Promise<StoredGroup[]> {
    return db.selectFrom('catalog_groups').select(['name', 'description']).orderBy('name').execute();
  }

  async upsertType(trx: Kysely<Database>, type: StoredType, now: number): Promise<void> {
    const definition = JSON.stringify(type.definition);
    await trx
      .insertInto('catalog_types')
      .values({ name: type.name, definition, updated_at: now })
      .onConflict((oc) => oc.column('name').doUpdateSet({ definition, updated_at: now }))
      .execute();
  }

  async deleteType(trx: Kysely<Database>, name: string): Promise<void> {
    await trx.deleteFrom('catalog_types').where('name', '=', name).execute();
  }

  async upsertGroup(trx: Kysely<Database>, group: StoredGroup, now: number): Promise<void> {
    await trx
      .insertInto('catalog_groups')
      .values({ name: group.name, description: group.description, updated_at: now })
      .onConflict((oc) => oc.column('name').doUpdateSet({ description: group.description, updated_at: now }))
      .execute();
  }

  async deleteGroup(trx: Kysely<Database>, name: string): Promise<void> {
    await trx.deleteFrom('catalog_groups').where('name', '=', name).execute();
  }

  /**
   * Stored events, hook filters and member preferences naming the type. `events` has no index
   * on `type`: when no event of the type exists this reads the whole table, which is acceptable
   * for a rare operator action.
   */
  async typeUsage(trx: Kysely<Database>, name: string): Promise<TypeUsage> {
    const event = await trx
      .selectFrom('events')
      .select(['organization_id', 'id'])
      .where('type', '=', name)
      .limit(1)
      .executeTakeFirst();
    const preference = await trx
      .selectFrom('preferences')
      .select(['organization_id', 'user_id'])
      .where('event_type', '=', name)
      .limit(1)
      .executeTakeFirst();
    return {
      event: event && { organization: event.organization_id, id: event.id },
      hook: await this.hookNaming(trx, name),
      preference: preference && { organization: preference.organization_id, user: preference.user_id },
    };
  }

  /** The first hook whose event filter has exactly `entry` (a type name or `group:<name>`). */
  async hookNaming(trx: Kysely<Database>, entry: string): Promise<HookReference | undefined> {
    // LIKE narrows the rows (its `_` wildcard and SQLite's case folding only widen the match);
    // parsing the filter decides.
    const rows = await trx
      .selectFrom('hooks')
      .select(['organization_id', 'id', 'name', 'events'])
      .where('events', 'like', `%"${entry}"%`)
      .orderBy('organization_id')
      .orderBy('id')
      .execute();
    const row = rows.find((hook) => {
      const filter = JSON.parse(hook.events) as unknown;
      return Array.isArray(filter) && filter.includes(entry);
    });
    return row && { organization: row.organization_id, id: row.id, name: row.name };
  }
}
