import type { Kysely, Selectable } from 'kysely';
import type { AddonsTable, ApplicationsTable, Database, OrganizationsTable } from './schema.ts';
import { fetchPage, type Page, type PageRequest } from './page.ts';

/** An organization as the API shows it (`routing_version` is ingest's bookkeeping). */
export type OrganizationRow = Omit<Selectable<OrganizationsTable>, 'routing_version'>;
const ORGANIZATION_COLUMNS = ['id', 'name', 'created_at', 'updated_at'] as const;
export type ApplicationRow = Selectable<ApplicationsTable>;
export type AddonRow = Selectable<AddonsTable>;

/** Organizations and the resources they own (applications, add-ons). */
export class OrganizationRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Inserts the organization; false when the id is taken. */
  async create(row: OrganizationRow, db: Kysely<Database> = this.db): Promise<boolean> {
    const result = await db
      .insertInto('organizations')
      .values(row)
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  get(id: string): Promise<OrganizationRow | undefined> {
    return this.db.selectFrom('organizations').select(ORGANIZATION_COLUMNS).where('id', '=', id).executeTakeFirst();
  }

  list(page: PageRequest): Promise<Page<OrganizationRow>> {
    return fetchPage(this.db.selectFrom('organizations').select(ORGANIZATION_COLUMNS), page, {
      column: 'id',
      keyOf: (row) => row.id,
    });
  }

  async update(id: string, changes: { name: string }, now: number): Promise<OrganizationRow | undefined> {
    return this.db
      .updateTable('organizations')
      .set({ ...changes, updated_at: now })
      .where('id', '=', id)
      .returning(ORGANIZATION_COLUMNS)
      .executeTakeFirst();
  }

  /** The routing versions of those of `ids` that exist (see OrganizationsTable.routing_version). */
  async routingVersions(ids: readonly string[], db: Kysely<Database> = this.db): Promise<Map<string, number>> {
    if (ids.length === 0) return new Map();
    const rows = await db
      .selectFrom('organizations')
      .select(['id', 'routing_version'])
      .where('id', 'in', ids)
      .execute();
    return new Map(rows.map((row) => [row.id, Number(row.routing_version)]));
  }

  /** Deletes the organization and everything it owns, in one transaction. */
  async delete(id: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const attemptsOf = trx.selectFrom('deliveries').select('id').where('organization_id', '=', id);
      await trx.deleteFrom('attempts').where('delivery_id', 'in', attemptsOf).execute();
      for (const table of ['deliveries', 'events', 'hooks', 'addons', 'applications', 'memberships'] as const) {
        await trx.deleteFrom(table).where('organization_id', '=', id).execute();
      }
      const result = await trx.deleteFrom('organizations').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    });
  }

  async createResource(table: 'applications' | 'addons', row: ApplicationRow | AddonRow): Promise<boolean> {
    const result = await this.db
      .insertInto(table)
      .values(row)
      .onConflict((oc) => oc.columns(['organization_id', 'id']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  getApplication(organizationId: string, id: string): Promise<ApplicationRow | undefined> {
    return this.db
      .selectFrom('applications')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  getAddon(organizationId: string, id: string): Promise<AddonRow | undefined> {
    return this.db
      .selectFrom('addons')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  listApplications(organizationId: string, page: PageRequest): Promise<Page<ApplicationRow>> {
    const query = this.db.selectFrom('applications').selectAll().where('organization_id', '=', organizationId);
    return fetchPage(query, page, { column: 'id', keyOf: (row) => row.id });
  }

  listAddons(organizationId: string, page: PageRequest): Promise<Page<AddonRow>> {
    const query = this.db.selectFrom('addons').selectAll().where('organization_id', '=', organizationId);
    return fetchPage(query, page, { column: 'id', keyOf: (row) => row.id });
  }

  /** Ids of the organization's applications or add-ons among `ids` that exist. */
  async existingIds(
    table: 'applications' | 'addons',
    organizationId: string,
    ids: readonly string[],
    db: Kysely<Database> = this.db,
  ): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await db
      .selectFrom(table)
      .select('id')
      .where('organization_id', '=', organizationId)
      .where('id', 'in', ids)
      .execute();
    return new Set(rows.map((row) => row.id));
  }

  async updateApplication(organizationId: string, id: string, changes: { name: string }, now: number) {
    return this.db
      .updateTable('applications')
      .set({ ...changes, updated_at: now })
      .where('organization_id', '=', organizationId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  async updateAddon(
    organizationId: string,
    id: string,
    changes: { name?: string; application_id?: string | null },
    now: number,
  ) {
    return this.db
      .updateTable('addons')
      .set({ ...changes, updated_at: now })
      .where('organization_id', '=', organizationId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  async deleteResource(table: 'applications' | 'addons', organizationId: string, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom(table)
      .where('organization_id', '=', organizationId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }
}
