import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The one preference cell a one-click unsubscribe link turns off (its channel is always e-mail). */
export interface UnsubscribeCell {
  readonly organizationId: string;
  readonly userId: string;
  readonly eventType: string;
  /** The application's cell; null for the account-level cell. */
  readonly applicationId: string | null;
}

const VERSION = 'u1';
// Ids, type names and the signature together stay far below this; anything longer is not ours.
const MAX_TOKEN_LENGTH = 1024;

/**
 * Signs and checks the tokens of one-click unsubscribe links (RFC 8058). A token names its cell
 * in the clear (base64url JSON) and carries an HMAC-SHA256 over it, keyed by a key derived from
 * CLARION_SECRET_KEY: nothing is stored, every process that shares the secret key accepts the
 * links of the others, and rotating the secret key retires every link already sent. Tokens do
 * not expire: an e-mail read months later must still be able to stop the next ones.
 */
export class UnsubscribeTokens {
  private readonly key: Buffer;

  constructor(secretKey: string) {
    // Its own derivation label: the SecretBox key (same secret) never signs anything.
    this.key = createHash('sha256').update(`clarion-unsubscribe:${secretKey}`).digest();
  }

  mint(cell: UnsubscribeCell): string {
    const fields = [cell.organizationId, cell.userId, cell.eventType, cell.applicationId];
    const payload = Buffer.from(JSON.stringify(fields), 'utf8').toString('base64url');
    return `${VERSION}.${payload}.${this.sign(payload)}`;
  }

  /** The cell a token names; undefined when it is malformed or its signature does not match. */
  verify(token: string): UnsubscribeCell | undefined {
    if (token.length > MAX_TOKEN_LENGTH) return undefined;
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== VERSION) return undefined;
    const [, payload = '', signature = ''] = parts;
    const expected = Buffer.from(this.sign(payload), 'utf8');
    const given = Buffer.from(signature, 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    let fields: unknown;
    try {
      fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    if (!Array.isArray(fields) || fields.length !== 4) return undefined;
    const [organizationId, userId, eventType, applicationId] = fields as unknown[];
    if (typeof organizationId !== 'string' || typeof userId !== 'string' || typeof eventType !== 'string') {
      return undefined;
    }
    if (applicationId !== null && typeof applicationId !== 'string') return undefined;
    return { organizationId, userId, eventType, applicationId };
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(`${VERSION}.${payload}`).digest('base64url');
  }
}
