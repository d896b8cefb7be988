import type { HookRecord } from '../store/hook-repository.ts';
import type { SecretBox } from '../security/secret-box.ts';

/**
 * Which settings of each hook kind are secrets: encrypted at rest, redacted in answers.
 * (A webhook's signing secrets; the URLs and tokens of the chat integrations.)
 */
const SECRET_SETTINGS: Readonly<Record<string, readonly string[]>> = {
  webhook: ['secrets'],
  slack: ['url'],
  hipchat: ['token'],
  flowdock: ['flow_token'],
};

/** Seals, reveals and redacts the secret settings of hooks. */
export class HookSettingsCodec {
  constructor(private readonly box: SecretBox) {}

  /** Settings as stored: every secret value encrypted. */
  seal(kind: string, settings: Record<string, unknown>): Record<string, unknown> {
    return this.map(kind, settings, (value) => this.box.seal(value));
  }

  /** Settings as the channel needs them: every secret value decrypted. */
  reveal(hook: Pick<HookRecord, 'kind' | 'settings'>): Record<string, unknown> {
    return this.map(hook.kind, hook.settings, (value) => this.box.open(value));
  }

  /** One secret value as stored (a webhook signing secret added by a rotation). */
  sealValue(value: string): string {
    return this.box.seal(value);
  }

  /** Settings as an API answer shows them: secret values replaced by a hint. */
  redact(hook: Pick<HookRecord, 'kind' | 'settings'>): Record<string, unknown> {
    return this.map(hook.kind, hook.settings, () => '[redacted]');
  }

  private map(kind: string, settings: Record<string, unknown>, fn: (value: string) => string): Record<string, unknown> {
    const result = { ...settings };
    for (const name of SECRET_SETTINGS[kind] ?? []) {
      const value = result[name];
      if (typeof value === 'string') result[name] = fn(value);
      else if (Array.isArray(value)) result[name] = value.map((item: unknown) => mapItem(item, fn));
    }
    return result;
  }
}

/**
 * One entry of a list of secrets: a bare string, or an object whose `secret` is the secret and
 * whose other fields are not (a webhook signing secret with its `expires_at`).
 */
function mapItem(item: unknown, fn: (value: string) => string): unknown {
  if (typeof item === 'string') return fn(item);
  if (item !== null && typeof item === 'object' && typeof (item as { secret?: unknown }).secret === 'string') {
    return { ...item, secret: fn((item as { secret: string }).secret) };
  }
  // Nothing else is stored in a list of secrets; never let an unknown shape through unredacted.
  return fn(String(item));
}
