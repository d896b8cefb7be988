import { createPrivateKey, sign, type KeyObject } from 'node:crypto';

/** Apple: refresh the provider token no more than once every 20 minutes... */
export const MIN_TOKEN_AGE_MS = 20 * 60_000;
/** ...and at least once every 60 (an older one is answered 403 ExpiredProviderToken). */
export const MAX_TOKEN_AGE_MS = 60 * 60_000;
/** Inside that window, with ten minutes' margin for clocks that disagree. */
export const REFRESH_AFTER_MS = 50 * 60_000;

export interface ApnsTokenOptions {
  /** The .p8 key's PEM text (PKCS#8, P-256). */
  readonly key: string;
  readonly keyId: string;
  readonly teamId: string;
}

/**
 * The provider authentication token (an ES256 JWT: `kid` in the header, `iss` = team id and
 * `iat` in the claims). One token serves every send until it is REFRESH_AFTER_MS old: Apple
 * wants it shared and renewed between 20 and 60 minutes. Time comes from the caller (the
 * injectable clock), never from Date.now.
 */
export class ApnsProviderToken {
  private readonly key: KeyObject;
  private token: { readonly jwt: string; readonly issuedAt: number } | undefined;

  constructor(private readonly options: ApnsTokenOptions) {
    this.key = createPrivateKey(options.key);
    if (this.key.asymmetricKeyType !== 'ec' || this.key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new Error('the APNs key must be a P-256 (ES256) private key, as the .p8 file from Apple is');
    }
  }

  /** The token to send at `now`: the current one, or a new one when it is due for renewal. */
  current(now: number): string {
    if (this.token === undefined || now - this.token.issuedAt >= REFRESH_AFTER_MS || now < this.token.issuedAt) {
      this.token = { jwt: this.mint(now), issuedAt: now };
    }
    return this.token.jwt;
  }

  /**
   * APNs answered ExpiredProviderToken to `rejected`. Renews it unless another send already did,
   * and unless it is younger than 20 minutes: renewing sooner earns TooManyProviderTokenUpdates,
   * and a fresh token called expired means the clocks disagree, which a new token cannot fix.
   * Returns the token to retry with, or undefined when retrying now is pointless.
   */
  renewAfterExpired(rejected: string, now: number): string | undefined {
    if (this.token === undefined || this.token.jwt !== rejected) return this.current(now);
    if (now - this.token.issuedAt < MIN_TOKEN_AGE_MS) return undefined;
    this.token = { jwt: this.mint(now), issuedAt: now };
    return this.token.jwt;
  }

  /** Age of the current token at `now` (undefined before the first send). */
  ageAt(now: number): number | undefined {
    return this.token === undefined ? undefined : now - this.token.issuedAt;
  }

  private mint(now: number): string {
    const header = base64url({ alg: 'ES256', kid: this.options.keyId });
    const claims = base64url({ iss: this.options.teamId, iat: Math.floor(now / 1000) });
    const signature = sign('sha256', Buffer.from(`${header}.${claims}`), { key: this.key, dsaEncoding: 'ieee-p1363' });
    return `${header}.${claims}.${signature.toString('base64url')}`;
  }
}

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
