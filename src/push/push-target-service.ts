import type { Clock } from '../clock.ts';
import { ClarionError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { Resolver } from '../net/guarded-lookup.ts';
import { checkTargetUrl } from '../net/target-url.ts';
import type { PushTargetRow } from '../store/push-target-repository.ts';
import type { Store } from '../store/store.ts';
import { targetHash, type PushTargetCodec } from './push-targets.ts';

/** An iOS device as the API shows it: never the token. */
export interface IosDeviceView {
  readonly id: string;
  readonly user_id: string;
  readonly name: string | null;
  readonly created_at: number;
  readonly updated_at: number;
}

/** A Web Push subscription as the API shows it: the push service's origin, never the endpoint or keys. */
export interface WebPushSubscriptionView {
  readonly id: string;
  readonly user_id: string;
  readonly push_service: string | null;
  readonly created_at: number;
  readonly updated_at: number;
}

/** A browser's `PushSubscription.toJSON()`. */
export interface PushSubscriptionInput {
  readonly endpoint: string;
  readonly expirationTime?: number | null;
  readonly keys: { readonly p256dh: string; readonly auth: string };
}

export interface PushTargetServiceOptions {
  readonly store: Store;
  readonly codec: PushTargetCodec;
  readonly clock: Clock;
  readonly resolver: Resolver;
  readonly allowPrivateTargets: boolean;
}

// APNs device tokens are 32 bytes today (64 hex digits); Apple says not to count on their length.
const DEVICE_TOKEN = /^[0-9a-f]{64,200}$/;

/**
 * Members register and remove their iOS devices and Web Push subscriptions. Tokens and endpoints
 * are checked, sealed before they are stored, and never shown again; errors never quote them.
 */
export class PushTargetService {
  constructor(private readonly options: PushTargetServiceOptions) {}

  async registerIosDevice(
    userId: string,
    input: { token: string; name?: string },
  ): Promise<{ device: IosDeviceView; created: boolean }> {
    const token = input.token.trim().toLowerCase();
    if (!DEVICE_TOKEN.test(token)) {
      throw new ClarionError(
        'CLARION_ERR_PUSH_INVALID_DEVICE_TOKEN',
        /^[0-9a-f]*$/.test(token) ? `it has ${token.length} hex digits, not 64 or more` : 'it is not hexadecimal',
      );
    }
    await this.requireUser(userId);
    const { row, created } = await this.register(userId, 'ios', token, { token }, input.name?.trim() || null);
    return { device: iosView(row), created };
  }

  async listIosDevices(userId: string): Promise<IosDeviceView[]> {
    return (await this.options.store.pushTargets.list(userId, 'ios')).map(iosView);
  }

  async removeIosDevice(userId: string, id: string): Promise<void> {
    if (!(await this.options.store.pushTargets.remove(userId, 'ios', id))) {
      throw new ClarionError('CLARION_ERR_PUSH_DEVICE_NOT_FOUND', id, userId);
    }
  }

  async registerWebPush(
    userId: string,
    input: PushSubscriptionInput,
  ): Promise<{ subscription: WebPushSubscriptionView; created: boolean }> {
    const endpoint = await checkTargetUrl(input.endpoint, {
      resolver: this.options.resolver,
      allowPrivate: this.options.allowPrivateTargets,
      errors: { invalid: 'CLARION_ERR_PUSH_INVALID_ENDPOINT', forbidden: 'CLARION_ERR_PUSH_FORBIDDEN_ENDPOINT' },
    });
    // RFC 8030: push services are reached over HTTPS only; the payload key alone does not hide who is notified.
    if (endpoint.protocol !== 'https:') {
      throw new ClarionError('CLARION_ERR_PUSH_INVALID_ENDPOINT', 'it must be an https:// URL');
    }
    checkKey('p256dh', input.keys.p256dh, 65, (bytes) => bytes[0] === 0x04, 'an uncompressed P-256 public key');
    checkKey('auth', input.keys.auth, 16, () => true, 'a 16-byte secret');
    await this.requireUser(userId);
    const { row, created } = await this.register(
      userId,
      'browser',
      endpoint.href,
      { endpoint: endpoint.href, keys: { p256dh: input.keys.p256dh, auth: input.keys.auth } },
      endpoint.origin,
    );
    return { subscription: webPushView(row), created };
  }

  async listWebPush(userId: string): Promise<WebPushSubscriptionView[]> {
    return (await this.options.store.pushTargets.list(userId, 'browser')).map(webPushView);
  }

  async removeWebPush(userId: string, id: string): Promise<void> {
    if (!(await this.options.store.pushTargets.remove(userId, 'browser', id))) {
      throw new ClarionError('CLARION_ERR_PUSH_SUBSCRIPTION_NOT_FOUND', id, userId);
    }
  }

  private async requireUser(userId: string): Promise<void> {
    // `self` routes let the platform name any user: the target must belong to someone real.
    if (!(await this.options.store.credentials.userExists(userId))) {
      throw new ClarionError('CLARION_ERR_USER_NOT_FOUND', userId);
    }
  }

  private register(
    userId: string,
    channel: string,
    secret: string,
    target: Parameters<PushTargetCodec['seal']>[0],
    label: string | null,
  ) {
    const now = this.options.clock.now();
    const row: PushTargetRow = {
      id: newId(channel === 'ios' ? 'dev' : 'wps'),
      user_id: userId,
      channel,
      target_hash: targetHash(secret),
      sealed: this.options.codec.seal(target),
      label,
      created_at: now,
      updated_at: now,
    };
    return this.options.store.pushTargets.register(row);
  }
}

function checkKey(name: string, value: string, length: number, ok: (bytes: Buffer) => boolean, what: string): void {
  const bytes = /^[A-Za-z0-9_-]+={0,2}$/.test(value) ? Buffer.from(value, 'base64url') : undefined;
  if (bytes === undefined || bytes.length !== length || !ok(bytes)) {
    throw new ClarionError('CLARION_ERR_PUSH_INVALID_KEYS', `"${name}" must be ${what}, base64url-encoded`);
  }
}

function iosView(row: PushTargetRow): IosDeviceView {
  return { id: row.id, user_id: row.user_id, name: row.label, created_at: row.created_at, updated_at: row.updated_at };
}

function webPushView(row: PushTargetRow): WebPushSubscriptionView {
  return {
    id: row.id,
    user_id: row.user_id,
    push_service: row.label,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}
