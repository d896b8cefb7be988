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
 * Signs Standard Webhooks messages with a fixed list of secrets, each checked and decoded once:
 * the channel keeps one signer per hook's settings rather than decoding the secrets per send.
 */
export class WebhookSigner {
  readonly #keys: readonly Buffer[];

  /** Throws a TypeError (without quoting any secret) when `secrets` is empty or a secret is malformed. */
  constructor(secrets: readonly string[]) {
    if (secrets.length === 0) throw new TypeError('at least one secret is needed to sign');
    this.#keys = secrets.map((secret, index) => {
      const problem = describeSecretProblem(secret);
      if (problem !== null) throw new TypeError(`secret #${index + 1} ${problem}`);
      return Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
    });
  }

  /**
   * The `webhook-signature` header value for one message: `v1,<base64 HMAC-SHA256>` per secret,
   * in the order given, separated by single spaces. Signing with every secret is how rotation
   * overlaps: receivers holding the old or the new secret both find a match.
   *
   * Verifiable with the npm `standardwebhooks` package. Throws a TypeError when `msgId` contains
   * a `.`, since the signed content would then be ambiguous, or the timestamp is not whole seconds.
   */
  sign(msgId: string, timestampSeconds: number, body: string): string {
    checkSignedFields(msgId, timestampSeconds);
    const content = `${msgId}.${timestampSeconds}.${body}`;
    let header = '';
    for (const key of this.#keys) {
      const signature = `v1,${createHmac('sha256', key).update(content, 'utf8').digest('base64')}`;
      header = header === '' ? signature : `${header} ${signature}`;
    }
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
