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

  /** Settings as an API answer shows them: secret values replaced by a hint. */
  redact(hook: Pick<HookRecord, 'kind' | 'settings'>): Record<string, unknown> {
    return this.map(hook.kind, hook.settings, () => '[redacted]');
  }

  private map(kind: string, settings: Record<string, unknown>, fn: (value: string) => string): Record<string, unknown> {
    const result = { ...settings };
    for (const name of SECRET_SETTINGS[kind] ?? []) {
      const value = result[name];
      if (typeof value === 'string') result[name] = fn(value);
      else if (Array.isArray(value)) result[name] = value.map((item) => fn(String(item)));
    }
    return result;
  }
}
