import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SettingsRepository } from '../store/settings-repository.ts';

const HASH_SETTING = 'platform_key_sha256';

/** One-shot `hash` (no Hash object): it runs on every platform request, and cost 4% of ingest. */
export function hashKey(key: string): Buffer {
  return hash('sha256', key, 'buffer');
}

/** Constant-time comparison of a presented key with the stored hash. */
export function keyMatches(presented: string, expectedHash: Buffer): boolean {
  return timingSafeEqual(hashKey(presented), expectedHash);
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
