import { createHash } from 'node:crypto';
import type { SecretBox } from '../security/secret-box.ts';

/** The personal channels that send to a member's registered push targets, one delivery per target. */
export const PUSH_CHANNELS: ReadonlySet<string> = new Set(['ios', 'browser']);

/** An iOS device as `ChannelMessage.settings` carries it to the `ios` channel. */
export interface IosDeviceSettings {
  /** The APNs device token, lower-case hex. */
  readonly token: string;
}

/** A Web Push subscription as `ChannelMessage.settings` carries it to the `browser` channel. */
export interface WebPushSubscriptionSettings {
  readonly endpoint: string;
  readonly keys: { readonly p256dh: string; readonly auth: string };
}

/** SHA-256 (hex) of a token or endpoint: finds a re-registration without storing the secret in clear. */
export function targetHash(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Seals and reveals push targets: a device token or subscription lets anyone push to the device. */
export class PushTargetCodec {
  constructor(private readonly box: SecretBox) {}

  seal(target: IosDeviceSettings | WebPushSubscriptionSettings): string {
    return this.box.seal(JSON.stringify(target));
  }

  reveal(sealed: string): Readonly<Record<string, unknown>> {
    return Object.freeze(JSON.parse(this.box.open(sealed)) as Record<string, unknown>);
  }
}
