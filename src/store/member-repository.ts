import { sql, type Kysely } from 'kysely';
import type { Database, Role } from './schema.ts';
import { receivesBilling } from '../routing/role-rules.ts';
import type { StoreDialect } from './opened-database.ts';
import { fetchPage, type Page, type PageRequest } from './page.ts';

/** A user as a member of one organization. */
export interface MemberRow {
  organization_id: string;
  user_id: string;
  email: string;
  name: string | null;
  role: Role;
  /** An owner who turned billing notifications off for themselves. */
  billing_opt_out: boolean;
  created_at: number;
  updated_at: number;
}

type MemberSelection = Omit<MemberRow, 'billing_opt_out'> & { billing_opt_out: number };

function toMember(row: MemberSelection): MemberRow {
  return { ...row, billing_opt_out: row.billing_opt_out === 1 };
}

/**
 * Members: a user (id, e-mail, name; one per person across organizations) and their role in
 * one organization.
 */
export class MemberRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: StoreDialect,
  ) {}

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

  /** The user's role in the organization, or undefined when they are not a member (authorization reads it). */
  async roleIn(organizationId: string, userId: string): Promise<Role | undefined> {
    const row = await this.db
      .selectFrom('memberships')
      .select('role')
      .where('organization_id', '=', organizationId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row?.role;
  }

  /** The user with this e-mail address (case-insensitive), if one exists. */
  userByEmail(email: string): Promise<{ id: string; name: string | null } | undefined> {
    return this.db
      .selectFrom('users')
      .select(['id', 'name'])
      .where(sql<string>`lower(email)`, '=', email.toLowerCase())
      .orderBy('id')
      .executeTakeFirst();
  }

  /** The user and every organization they belong to, with their role there. */
  async userWithOrganizations(userId: string) {
    const user = await this.db
      .selectFrom('users')
      .select(['id', 'email', 'name'])
      .where('id', '=', userId)
      .executeTakeFirst();
    if (!user) return undefined;
    const organizations = await this.db
      .selectFrom('memberships')
      .innerJoin('organizations', 'organizations.id', 'memberships.organization_id')
      .select(['organizations.id', 'organizations.name', 'memberships.role'])
      .where('memberships.user_id', '=', userId)
      .orderBy('organizations.id')
      .execute();
    return { ...user, organizations };
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
        'memberships.billing_opt_out',
        'memberships.created_at',
        'memberships.updated_at',
      ]);
  }

  async get(organizationId: string, userId: string, db: Kysely<Database> = this.db): Promise<MemberRow | undefined> {
    const row = await this.select(db)
      .where('memberships.organization_id', '=', organizationId)
      .where('memberships.user_id', '=', userId)
      .executeTakeFirst();
    return row && toMember(row);
  }

  /** Every member of the organization (routing reads them all). */
  async all(organizationId: string, db: Kysely<Database> = this.db): Promise<MemberRow[]> {
    return (await this.select(db).where('memberships.organization_id', '=', organizationId).execute()).map(toMember);
  }

  async list(organizationId: string, page: PageRequest): Promise<Page<MemberRow>> {
    const query = this.select().where('memberships.organization_id', '=', organizationId);
    const found = await fetchPage(query, page, { column: 'memberships.user_id', keyOf: (row) => row.user_id });
    return { ...found, data: found.data.map(toMember) };
  }

  async update(
    organizationId: string,
    userId: string,
    changes: { email?: string; name?: string | null; role?: Role },
    now: number,
    /** With a role change: the event types the new role no longer receives (their queued deliveries are cancelled). */
    typesOutOfReach: readonly string[] = [],
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
        // Access changes take effect at once (product.md section 3, rule 7).
        if (typesOutOfReach.length > 0) {
          await trx
            .updateTable('deliveries')
            .set({
              status: 'cancelled',
              last_error: `the member's role (${changes.role}) no longer receives this event`,
              updated_at: now,
              finished_at: now,
            })
            .where('organization_id', '=', organizationId)
            .where('user_id', '=', userId)
            .where('status', '=', 'pending')
            .where('event_type', 'in', typesOutOfReach)
            .execute();
        }
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
      return this.get(organizationId, userId, trx);
    });
  }

  /**
   * Sets an owner's billing opt-out, unless it would leave nobody receiving billing events; the
   * organization's memberships are locked meanwhile, so two owners opting out at once cannot
   * both succeed. Returns the member after the change, or why it was refused.
   */
  async setBillingOptOut(
    organizationId: string,
    userId: string,
    optOut: boolean,
    now: number,
  ): Promise<{ member: MemberRow } | { refused: 'not-member' | 'not-owner' | 'last-recipient'; member?: MemberRow }> {
    return this.db.transaction().execute(async (trx) => {
      const locked = await this.select(trx)
        .where('memberships.organization_id', '=', organizationId)
        .$if(this.dialect.supportsRowLocks, (qb) => qb.forUpdate())
        .execute();
      const members = locked.map(toMember);
      const member = members.find((candidate) => candidate.user_id === userId);
      if (!member) return { refused: 'not-member' };
      if (member.role !== 'owner') return { refused: 'not-owner', member };
      const after = members.map((candidate) =>
        candidate.user_id === userId ? { ...candidate, billing_opt_out: optOut } : candidate,
      );
      if (optOut && !after.some(receivesBilling)) return { refused: 'last-recipient', member };
      await trx
        .updateTable('memberships')
        .set({ billing_opt_out: optOut ? 1 : 0, updated_at: now })
        .where('organization_id', '=', organizationId)
        .where('user_id', '=', userId)
        .execute();
      return { member: { ...member, billing_opt_out: optOut, updated_at: now } };
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
