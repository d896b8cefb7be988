import type { Kysely, Selectable } from 'kysely';
import type { Database, UserTokensTable } from './schema.ts';

export type UserTokenRow = Selectable<UserTokensTable>;

/** `last_used_at` is kept to the minute. */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Members' credentials, stored only as hashes: personal API tokens, one-time login links and the
 * dashboard sessions those links open.
 */
export class CredentialRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async userExists(userId: string): Promise<boolean> {
    return (await this.db.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst()) !== undefined;
  }

  async addToken(row: UserTokenRow): Promise<void> {
    await this.db.insertInto('user_tokens').values(row).execute();
  }

  listTokens(userId: string): Promise<UserTokenRow[]> {
    return this.db.selectFrom('user_tokens').selectAll().where('user_id', '=', userId).orderBy('id').execute();
  }

  async revokeToken(userId: string, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('user_tokens')
      .where('user_id', '=', userId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  /**
   * The user a token hash belongs to. Records when it was last used, at most once a minute per
   * token: a write on every request would put a commit on the API's hottest path.
   */
  async userOfToken(tokenHash: string, now: number): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('user_tokens')
      .select(['user_id', 'last_used_at'])
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    if (!row) return undefined;
    if (row.last_used_at === null || now - row.last_used_at >= LAST_USED_RESOLUTION_MS) {
      await this.db.updateTable('user_tokens').set({ last_used_at: now }).where('token_hash', '=', tokenHash).execute();
    }
    return row.user_id;
  }

  async addLoginLink(tokenHash: string, userId: string, now: number, expiresAt: number): Promise<void> {
    await this.db
      .insertInto('login_links')
      .values({ token_hash: tokenHash, user_id: userId, created_at: now, expires_at: expiresAt, used_at: null })
      .execute();
  }

  /**
   * Spends a login link and opens a session in one transaction: a link works once, before it
   * expires. Returns the session's user and end (which may depend on the user), or undefined
   * for an unknown, used or expired link.
   */
  async exchangeLoginLink(
    linkHash: string,
    session: { tokenHash: string; now: number; expiresAt: (userId: string) => number },
  ): Promise<{ userId: string; expiresAt: number } | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const link = await trx
        .updateTable('login_links')
        .set({ used_at: session.now })
        .where('token_hash', '=', linkHash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', session.now)
        .returning('user_id')
        .executeTakeFirst();
      if (!link) return undefined;
      const expiresAt = session.expiresAt(link.user_id);
      await trx
        .insertInto('sessions')
        .values({
          token_hash: session.tokenHash,
          user_id: link.user_id,
          created_at: session.now,
          expires_at: expiresAt,
        })
        .execute();
      return { userId: link.user_id, expiresAt };
    });
  }

  async userOfSession(tokenHash: string, now: number): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('sessions')
      .select('user_id')
      .where('token_hash', '=', tokenHash)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return row?.user_id;
  }

  async endSession(tokenHash: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
  }
}
