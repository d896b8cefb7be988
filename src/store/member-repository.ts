import type { Kysely } from 'kysely';
import type { Database, Role } from './schema.ts';
import { fetchPage, type Page, type PageRequest } from './page.ts';

/** A user as a member of one organization. */
export interface MemberRow {
  organization_id: string;
  user_id: string;
  email: string;
  name: string | null;
  role: Role;
  created_at: number;
  updated_at: number;
}

/**
 * Members: a user (id, e-mail, name; one per person across organizations) and their role in
 * one organization.
 */
export class MemberRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Adds the user to the organization, creating or updating the user; false if already a member. */
  async add(member: MemberRow): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const existing = await trx
        .selectFrom('memberships')
        .select('user_id')
        .where('organization_id', '=', member.organization_id)
        .where('user_id', '=', member.user_id)
        .executeTakeFirst();
      if (existing) return false;
      await trx
        .insertInto('users')
        .values({
          id: member.user_id,
          email: member.email,
          name: member.name,
          created_at: member.created_at,
          updated_at: member.updated_at,
        })
        .onConflict((oc) =>
          oc.column('id').doUpdateSet({ email: member.email, name: member.name, updated_at: member.updated_at }),
        )
        .execute();
      await trx
        .insertInto('memberships')
        .values({
          organization_id: member.organization_id,
          user_id: member.user_id,
          role: member.role,
          created_at: member.created_at,
          updated_at: member.updated_at,
        })
        .execute();
      return true;
    });
  }

  private select(db: Kysely<Database> = this.db) {
    return db
      .selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .select([
        'memberships.organization_id',
        'memberships.user_id',
        'users.email',
        'users.name',
        'memberships.role',
        'memberships.created_at',
        'memberships.updated_at',
      ]);
  }

  get(organizationId: string, userId: string): Promise<MemberRow | undefined> {
    return this.select()
      .where('memberships.organization_id', '=', organizationId)
      .where('memberships.user_id', '=', userId)
      .executeTakeFirst();
  }

  /** Every member of the organization (routing reads them all). */
  all(organizationId: string, db: Kysely<Database> = this.db): Promise<MemberRow[]> {
    return this.select(db).where('memberships.organization_id', '=', organizationId).execute();
  }

  list(organizationId: string, page: PageRequest): Promise<Page<MemberRow>> {
    const query = this.select().where('memberships.organization_id', '=', organizationId);
    return fetchPage(query, page, { column: 'memberships.user_id', keyOf: (row) => row.user_id });
  }

  async update(
    organizationId: string,
    userId: string,
    changes: { email?: string; name?: string | null; role?: Role },
    now: number,
  ): Promise<MemberRow | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const found = await trx
        .selectFrom('memberships')
        .select('user_id')
        .where('organization_id', '=', organizationId)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      if (!found) return undefined;
      if (changes.role !== undefined) {
        await trx
          .updateTable('memberships')
          .set({ role: changes.role, updated_at: now })
          .where('organization_id', '=', organizationId)
          .where('user_id', '=', userId)
          .execute();
      }
      const userChanges = {
        ...(changes.email !== undefined ? { email: changes.email } : {}),
        ...(changes.name !== undefined ? { name: changes.name } : {}),
      };
      if (Object.keys(userChanges).length > 0) {
        await trx
          .updateTable('users')
          .set({ ...userChanges, updated_at: now })
          .where('id', '=', userId)
          .execute();
      }
      return this.select(trx)
        .where('memberships.organization_id', '=', organizationId)
        .where('memberships.user_id', '=', userId)
        .executeTakeFirst();
    });
  }

  /**
   * Removes the membership and cancels the member's queued deliveries in the same transaction:
   * someone who left gets nothing more (product.md section 3, rule 7).
   */
  async remove(organizationId: string, userId: string, now: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const result = await trx
        .deleteFrom('memberships')
        .where('organization_id', '=', organizationId)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) !== 1) return false;
      await trx
        .updateTable('deliveries')
        .set({ status: 'cancelled', last_error: 'the member left the organization', updated_at: now, finished_at: now })
        .where('organization_id', '=', organizationId)
        .where('user_id', '=', userId)
        .where('status', '=', 'pending')
        .execute();
      return true;
    });
  }
}
