import webpush from 'web-push';
import type { SecretBox } from '../security/secret-box.ts';
import type { SettingsRepository } from '../store/settings-repository.ts';

/** The application server key pair of RFC 8292 (base64url, as browsers and web-push take it). */
export interface VapidKeys {
  readonly publicKey: string;
  readonly privateKey: string;
}

const SETTINGS_KEY = 'vapid_keys';

/**
 * The VAPID keys: the configured pair, or the pair generated on first start and kept in the
 * store (the private key sealed). Both halves are stored under one key, so two processes
 * starting at once cannot end up with halves of different pairs: the first writer wins.
 * Every subscription is bound to the public key it was made with, so the pair must never change.
 */
export async function resolveVapidKeys(
  settings: SettingsRepository,
  box: SecretBox,
  configured: VapidKeys | undefined,
): Promise<VapidKeys> {
  if (configured !== undefined) return configured;
  const fresh = webpush.generateVAPIDKeys();
  const stored = await settings.getOrCreate(
    SETTINGS_KEY,
    JSON.stringify({ publicKey: fresh.publicKey, privateKey: box.seal(fresh.privateKey) }),
  );
  const parsed = JSON.parse(stored) as { publicKey: string; privateKey: string };
  try {
    return { publicKey: parsed.publicKey, privateKey: box.open(parsed.privateKey) };
  } catch (error) {
    throw new Error(
      'The stored VAPID private key cannot be decrypted: CLARION_SECRET_KEY is not the key it was sealed with (every process must share one)',
      { cause: error },
    );
  }
}
