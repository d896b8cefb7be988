import { createHmac, randomBytes } from 'node:crypto';

// Standard Webhooks v1: https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
const SECRET_PREFIX = 'whsec_';
// The spec allows keys of 24 to 64 bytes; we generate 32 and accept the whole range, so secrets
// made by another Standard Webhooks sender can be imported.
const MIN_KEY_BYTES = 24;
const MAX_KEY_BYTES = 64;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** A new signing secret: `whsec_` followed by the base64 of 32 random bytes. */
export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

/**
 * Why `secret` cannot sign (a sentence that never quotes the secret), or null when it is a
 * well-formed `whsec_` secret of 24 to 64 bytes.
 */
export function describeSecretProblem(secret: unknown): string | null {
  if (typeof secret !== 'string') return 'is not a string';
  if (!secret.startsWith(SECRET_PREFIX)) return `does not start with "${SECRET_PREFIX}"`;
  const encoded = secret.slice(SECRET_PREFIX.length);
  // Buffer.from(…, 'base64') silently skips invalid characters, so check the alphabet first.
  if (!BASE64.test(encoded) || encoded.length % 4 !== 0) return 'is not valid base64 after the prefix';
  const bytes = Buffer.from(encoded, 'base64').length;
  if (bytes < MIN_KEY_BYTES || bytes > MAX_KEY_BYTES) {
    return `has a ${bytes}-byte key (${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} allowed)`;
  }
  return null;
}

/**
 * The `webhook-signature` header value for one message: `v1,<base64 HMAC-SHA256>` per secret,
 * in the order given, separated by single spaces. Signing with every secret is how rotation
 * overlaps: receivers holding the old or the new secret both find a match.
 *
 * Verifiable with the npm `standardwebhooks` package. Throws a TypeError (without quoting any
 * secret) when `secrets` is empty, a secret is malformed, or `msgId` contains a `.`, since the
 * signed content would then be ambiguous.
 */
export function signPayload(secrets: readonly string[], msgId: string, timestampSeconds: number, body: string): string {
  if (secrets.length === 0) throw new TypeError('at least one secret is needed to sign');
  if (msgId.includes('.')) throw new TypeError('the message id must not contain "."');
  if (!Number.isSafeInteger(timestampSeconds)) throw new TypeError('the timestamp must be an integer of seconds');
  const content = `${msgId}.${timestampSeconds}.${body}`;
  return secrets
    .map((secret, index) => {
      const problem = describeSecretProblem(secret);
      if (problem !== null) throw new TypeError(`secret #${index + 1} ${problem}`);
      const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
      return `v1,${createHmac('sha256', key).update(content, 'utf8').digest('base64')}`;
    })
    .join(' ');
}
