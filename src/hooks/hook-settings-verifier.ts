import type { HookKind } from './hook-kinds.ts';

/**
 * A check a hook kind's settings must pass before they are saved, made against the service they
 * point to (a Hipchat server is asked whether the token works). Given to HookService by kind, so
 * the service never needs to know which kinds have one. `verify` throws a ClarionError (4xx) that
 * says what to fix, and never quotes a secret.
 */
export interface HookSettingsVerifier {
  /** `settings` are the complete settings as the channel will see them: secrets in clear. */
  verify(settings: Readonly<Record<string, unknown>>): Promise<void>;
}

export type HookSettingsVerifiers = Readonly<Partial<Record<HookKind, HookSettingsVerifier>>>;
