import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../clock.ts';
import { ClarionError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { CredentialRepository, UserTokenRow } from '../store/credential-repository.ts';

/** Prefixes tell the kinds apart in logs and let auth route a bearer token without a lookup. */
export const MEMBER_TOKEN_PREFIX = 'clu_';
const LOGIN_LINK_PREFIX = 'cll_';
const SESSION_PREFIX = 'cls_';

/** A login link is for clicking now: it lasts 15 minutes and works once. */
export const LOGIN_LINK_TTL_MS = 15 * 60 * 1000;
/** A dashboard session lasts a working week. */
export const SESSION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

function secret(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

export function hashCredential(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/**
 * Mints and checks members' credentials. The platform mints them (members act for themselves
 * with them); only hashes are stored, so a credential is shown once, in the answer that mints it.
 */
export class Credentials {
  constructor(
    private readonly repository: CredentialRepository,
    private readonly clock: Clock,
    private readonly publicUrl: string,
  ) {}

  async mintToken(userId: string, name: string): Promise<{ row: UserTokenRow; token: string }> {
    await this.requireUser(userId);
    const token = secret(MEMBER_TOKEN_PREFIX);
    const row: UserTokenRow = {
      id: newId('tok'),
      user_id: userId,
      token_hash: hashCredential(token),
      name,
      created_at: this.clock.now(),
      last_used_at: null,
    };
    await this.repository.addToken(row);
    return { row, token };
  }

  async mintLoginLink(userId: string): Promise<{ url: string; token: string; expiresAt: number }> {
    await this.requireUser(userId);
    const token = secret(LOGIN_LINK_PREFIX);
    const now = this.clock.now();
    const expiresAt = now + LOGIN_LINK_TTL_MS;
    await this.repository.addLoginLink(hashCredential(token), userId, now, expiresAt);
    return { url: `${this.publicUrl}/login?token=${encodeURIComponent(token)}`, token, expiresAt };
  }

  /** Spends a login link for a session; throws when the link is unknown, used or expired. */
  async openSession(linkToken: string): Promise<{ session: string; userId: string; expiresAt: number }> {
    const session = secret(SESSION_PREFIX);
    const now = this.clock.now();
    const expiresAt = now + SESSION_TTL_MS;
    const userId = await this.repository.exchangeLoginLink(hashCredential(linkToken), {
      tokenHash: hashCredential(session),
      now,
      expiresAt,
    });
    if (userId === undefined) throw new ClarionError('CLARION_ERR_LOGIN_LINK_INVALID');
    return { session, userId, expiresAt };
  }

  endSession(session: string): Promise<void> {
    return this.repository.endSession(hashCredential(session));
  }

  userOfToken(token: string): Promise<string | undefined> {
    return this.repository.userOfToken(hashCredential(token), this.clock.now());
  }

  userOfSession(session: string): Promise<string | undefined> {
    return this.repository.userOfSession(hashCredential(session), this.clock.now());
  }

  private async requireUser(userId: string): Promise<void> {
    if (!(await this.repository.userExists(userId))) throw new ClarionError('CLARION_ERR_USER_NOT_FOUND', userId);
  }
}
