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
 * A signing secret and when it stops signing (epoch ms; null: until it is rotated away). During a
 * rotation's overlap the previous secret carries the end of the overlap, the new one null.
 */
export interface SigningSecret {
  readonly secret: string;
  readonly expiresAt: number | null;
}

/**
 * Signs Standard Webhooks messages with a fixed list of secrets, each checked and decoded once:
 * the channel keeps one signer per hook's settings rather than decoding the secrets per send.
 * Which of them sign is decided per message, from the time it is signed at: a secret whose
 * overlap has ended stops signing without the settings (or the signer) changing.
 */
export class WebhookSigner {
  readonly #keys: readonly { readonly key: Buffer; readonly expiresAt: number | null }[];

  /**
   * A plain string is a secret without expiry. Throws a TypeError (without quoting any secret)
   * when `secrets` is empty or a secret is malformed.
   */
  constructor(secrets: readonly (string | SigningSecret)[]) {
    if (secrets.length === 0) throw new TypeError('at least one secret is needed to sign');
    this.#keys = secrets.map((entry, index) => {
      const { secret, expiresAt } = typeof entry === 'string' ? { secret: entry, expiresAt: null } : entry;
      const problem = describeSecretProblem(secret);
      if (problem !== null) throw new TypeError(`secret #${index + 1} ${problem}`);
      return { key: Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64'), expiresAt };
    });
  }

  /**
   * The `webhook-signature` header value for one message: `v1,<base64 HMAC-SHA256>` per secret
   * still current at `atMs` (default: the timestamp), in the order given, separated by single
   * spaces, as the spec has it for rotation: receivers holding the old or the new secret both
   * find a match.
   *
   * Verifiable with the npm `standardwebhooks` package. Throws a TypeError when `msgId` contains
   * a `.`, since the signed content would then be ambiguous, when the timestamp is not whole
   * seconds, or when every secret has expired (stored settings that lost their current secret).
   */
  sign(msgId: string, timestampSeconds: number, body: string, atMs: number = timestampSeconds * 1000): string {
    checkSignedFields(msgId, timestampSeconds);
    const content = `${msgId}.${timestampSeconds}.${body}`;
    let header = '';
    for (const { key, expiresAt } of this.#keys) {
      if (expiresAt !== null && expiresAt <= atMs) continue;
      const signature = `v1,${createHmac('sha256', key).update(content, 'utf8').digest('base64')}`;
      header = header === '' ? signature : `${header} ${signature}`;
    }
    if (header === '') throw new TypeError('every signing secret of the hook has expired');
    return header;
  }
}

/**
 * `new WebhookSigner(secrets).sign(...)` for a single message. Throws a TypeError (without quoting
 * any secret) when `secrets` is empty, `msgId` contains a `.`, or a secret is malformed.
 */
export function signPayload(secrets: readonly string[], msgId: string, timestampSeconds: number, body: string): string {
  if (secrets.length === 0) throw new TypeError('at least one secret is needed to sign');
  checkSignedFields(msgId, timestampSeconds);
  return new WebhookSigner(secrets).sign(msgId, timestampSeconds, body);
}

function checkSignedFields(msgId: string, timestampSeconds: number): void {
  if (msgId.includes('.')) throw new TypeError('the message id must not contain "."');
  if (!Number.isSafeInteger(timestampSeconds)) throw new TypeError('the timestamp must be an integer of seconds');
}
