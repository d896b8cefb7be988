/**
 * A webhook's signing secrets as stored in its settings, and how a rotation changes them (pure;
 * the secrets stay sealed throughout). Standard Webhooks has every current secret sign, so a
 * receiver verifies with the old or the new one while it switches; Svix keeps the old one 24 h by
 * default (docs/channels.md, "Webhook").
 */

/** One entry of a webhook's `settings.secrets`: a sealed `whsec_` secret and when it stops signing. */
export interface StoredSigningSecret {
  readonly secret: string;
  /** Epoch ms; null for the current secret, which signs until the next rotation. */
  readonly expires_at: number | null;
}

/** How long the previous secret keeps signing after a rotation, unless the call says otherwise. */
export const DEFAULT_OVERLAP_SECONDS = 24 * 60 * 60;
/** The longest overlap a rotation may ask for: a week, as Svix allows. */
export const MAX_OVERLAP_SECONDS = 7 * 24 * 60 * 60;
/**
 * At most this many previous secrets sign beside the current one (Svix keeps up to 10): every
 * send computes one HMAC per signing secret, and every receiver's header grows with them.
 */
export const MAX_PREVIOUS_SECRETS = 10;

/**
 * The entries of stored settings, read leniently: hooks created before rotation existed hold bare
 * sealed strings (no expiry); anything else is not a secret and is dropped.
 */
export function storedSigningSecrets(value: unknown): StoredSigningSecret[] {
  if (!Array.isArray(value)) return [];
  const secrets: StoredSigningSecret[] = [];
  for (const entry of value as unknown[]) {
    if (typeof entry === 'string') secrets.push({ secret: entry, expires_at: null });
    else if (entry !== null && typeof entry === 'object') {
      const { secret, expires_at: expiresAt } = entry as { secret?: unknown; expires_at?: unknown };
      if (typeof secret !== 'string') continue;
      secrets.push({ secret, expires_at: typeof expiresAt === 'number' ? expiresAt : null });
    }
  }
  return secrets;
}

/** The secrets that still sign at `now` (an entry expiring exactly at `now` no longer does). */
export function signingAt(secrets: readonly StoredSigningSecret[], now: number): StoredSigningSecret[] {
  return secrets.filter((entry) => entry.expires_at === null || entry.expires_at > now);
}

/**
 * The secrets after a rotation at `now`: the new (sealed) secret becomes the current one, and
 * every previous secret still signing keeps signing until the overlap ends or its own earlier
 * expiry, whichever comes first. So after a rotation no previous secret signs longer than the
 * overlap asked for, and an overlap of 0 stops them all at once (a leaked secret). Expired
 * entries are dropped. Returns null when more than `MAX_PREVIOUS_SECRETS` would still sign.
 */
export function rotateSigningSecrets(
  stored: readonly StoredSigningSecret[],
  newSealedSecret: string,
  now: number,
  overlapSeconds: number,
): StoredSigningSecret[] | null {
  const overlapEnd = now + overlapSeconds * 1000;
  const previous = signingAt(stored, now)
    .map((entry) => ({
      secret: entry.secret,
      expires_at: entry.expires_at === null ? overlapEnd : Math.min(entry.expires_at, overlapEnd),
    }))
    .filter((entry) => entry.expires_at > now);
  if (previous.length > MAX_PREVIOUS_SECRETS) return null;
  return [...previous, { secret: newSealedSecret, expires_at: null }];
}
