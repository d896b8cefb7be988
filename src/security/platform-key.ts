import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SettingsRepository } from '../store/settings-repository.ts';

const HASH_SETTING = 'platform_key_sha256';

/** One-shot `hash` (no Hash object): it runs on every platform request, and cost 4% of ingest. */
export function hashKey(key: string): Buffer {
  return hash('sha256', key, 'buffer');
}

/**
 * Checks presented platform keys against the stored hash. Once a key has matched, later ones are
 * compared with it directly, in constant time, instead of being hashed: the same key arrives on
 * every platform request, and its SHA-256 cost 13 us each (3% of ingest). A key of another
 * length is still hashed, so nothing is learnt beyond what the key's public format tells.
 */
export class PlatformKeyVerifier {
  /** The key itself, once a request presented it (never stored; this process only). */
  #known: Buffer | undefined;

  constructor(private readonly expectedHash: Buffer) {}

  matches(presented: string): boolean {
    const bytes = Buffer.from(presented);
    const known = this.#known;
    if (known !== undefined && known.length === bytes.length) return timingSafeEqual(bytes, known);
    if (!timingSafeEqual(hashKey(presented), this.expectedHash)) return false;
    this.#known = bytes;
    return true;
  }
}

/**
 * The platform key's hash. A configured key is only hashed; otherwise the stored hash is used,
 * and on the very first start a key is generated, stored as a hash, and returned once in
 * `generated` so the caller can print it. The key itself is never stored.
 */
export async function resolvePlatformKey(
  settings: SettingsRepository,
  configured: string | undefined,
): Promise<{ hash: Buffer; generated: string | undefined }> {
  if (configured !== undefined) return { hash: hashKey(configured), generated: undefined };
  const candidate = `clk_${randomBytes(32).toString('base64url')}`;
  const candidateHash = hashKey(candidate).toString('base64');
  const stored = await settings.getOrCreate(HASH_SETTING, candidateHash);
  return {
    hash: Buffer.from(stored, 'base64'),
    generated: stored === candidateHash ? candidate : undefined,
  };
}
