import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.ts';

export const STREAM_TOKEN_PREFIX = 'cst_';
/** Long enough to open (and reopen) a stream, short enough that a leaked URL soon stops working. */
export const STREAM_TOKEN_TTL_MS = 5 * 60 * 1000;

/** What a stream token opens: one organization's event stream, or the caller's own inbox. */
export type StreamScope = { readonly kind: 'organization'; readonly organization: string } | { readonly kind: 'inbox' };

/** Who minted it: the platform (null) or a member. */
export interface StreamGrant {
  readonly userId: string | null;
  readonly scope: StreamScope;
}

interface Payload {
  /** user id, or null for the platform */
  u: string | null;
  /** `org:<id>` or `inbox` */
  s: string;
  /** expiry, epoch ms */
  e: number;
}

/**
 * Short-lived tokens for `EventSource`, which cannot send headers: `?token=` on the stream routes
 * only. Signed and expiring (HMAC-SHA256 with a key derived from CLARION_SECRET_KEY), so nothing is
 * stored and every process sharing the secret key accepts them. The route still checks, on every
 * connection, that the member belongs to the organization with a role that may read events.
 */
export class StreamTokens {
  private readonly key: Buffer;

  constructor(
    secretKey: string,
    private readonly clock: Clock,
  ) {
    this.key = createHmac('sha256', secretKey).update('clarion stream tokens v1').digest();
  }

  mint(grant: StreamGrant): { token: string; expiresAt: number } {
    const expiresAt = this.clock.now() + STREAM_TOKEN_TTL_MS;
    const payload: Payload = {
      u: grant.userId,
      s: grant.scope.kind === 'inbox' ? 'inbox' : `org:${grant.scope.organization}`,
      e: expiresAt,
    };
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return { token: `${STREAM_TOKEN_PREFIX}${body}.${this.sign(body)}`, expiresAt };
  }

  /** The grant of a valid, unexpired token; undefined for anything else. */
  verify(token: string): StreamGrant | undefined {
    if (!token.startsWith(STREAM_TOKEN_PREFIX)) return undefined;
    const [body, signature, extra] = token.slice(STREAM_TOKEN_PREFIX.length).split('.');
    if (body === undefined || signature === undefined || extra !== undefined) return undefined;
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    let payload: Payload;
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Payload;
    } catch {
      return undefined;
    }
    if (typeof payload.e !== 'number' || payload.e <= this.clock.now()) return undefined;
    const scope: StreamScope | undefined =
      payload.s === 'inbox'
        ? { kind: 'inbox' }
        : typeof payload.s === 'string' && payload.s.startsWith('org:')
          ? { kind: 'organization', organization: payload.s.slice(4) }
          : undefined;
    if (scope === undefined) return undefined;
    return { userId: typeof payload.u === 'string' ? payload.u : null, scope };
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}
