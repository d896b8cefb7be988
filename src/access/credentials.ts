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
/** An operator's session acts with the platform key's power: it lasts a working day. */
export const OPERATOR_SESSION_TTL_MS = 8 * 60 * 60 * 1000;

/**
 * The user id of a platform operator's login links and sessions. User ids match
 * `^[A-Za-z0-9._:-]+$` (src/http/schemas.ts), so no member can ever be called this.
 */
export const OPERATOR_USER_ID = '@platform';

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

  /** A link for a member; `next` is the dashboard path it lands on. */
  async mintLoginLink(userId: string, next?: string): Promise<{ url: string; token: string; expiresAt: number }> {
    await this.requireUser(userId);
    return this.mintLink(userId, next);
  }

  /** A link that opens the dashboard as the platform: every organization, every member's settings. */
  mintOperatorLink(next?: string): Promise<{ url: string; token: string; expiresAt: number }> {
    return this.mintLink(OPERATOR_USER_ID, next);
  }

  private async mintLink(userId: string, next: string | undefined) {
    const token = secret(LOGIN_LINK_PREFIX);
    const now = this.clock.now();
    const expiresAt = now + LOGIN_LINK_TTL_MS;
    await this.repository.addLoginLink(hashCredential(token), userId, now, expiresAt);
    const landing = next === undefined ? '' : `&next=${encodeURIComponent(next)}`;
    return { url: `${this.publicUrl}/login?token=${encodeURIComponent(token)}${landing}`, token, expiresAt };
  }

  /** Spends a login link for a session; throws when the link is unknown, used or expired. */
  async openSession(linkToken: string): Promise<{ session: string; userId: string; expiresAt: number }> {
    const session = secret(SESSION_PREFIX);
    const now = this.clock.now();
    const opened = await this.repository.exchangeLoginLink(hashCredential(linkToken), {
      tokenHash: hashCredential(session),
      now,
      expiresAt: (userId) => now + (userId === OPERATOR_USER_ID ? OPERATOR_SESSION_TTL_MS : SESSION_TTL_MS),
    });
    if (opened === undefined) throw new ClarionError('CLARION_ERR_LOGIN_LINK_INVALID');
    return { session, ...opened };
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
