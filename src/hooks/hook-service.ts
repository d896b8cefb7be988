import type { Catalog } from '../catalog/catalog.ts';
import { generateWebhookSecret } from '../channels/webhook/webhook-signature.ts';
import type { Clock } from '../clock.ts';
import { ClarionError } from '../errors.ts';
import { newId } from '../ids.ts';
import { checkTargetUrl } from '../net/target-url.ts';
import type { Resolver } from '../net/guarded-lookup.ts';
import type { EventFilter, HookRecord } from '../store/hook-repository.ts';
import type { Store } from '../store/store.ts';
import { eventToggles, toggleEvent, type EventToggle } from './event-toggles.ts';
import {
  HIPCHAT_DEFAULT_API_VERSION,
  HIPCHAT_DEFAULT_SERVER_URL,
  KIND_SETTINGS,
  URL_SETTINGS,
  isHookKind,
  isSettingName,
  type HookSettingsChanges,
  type HookSettingsInput,
} from './hook-kinds.ts';
import type { HookSettingsCodec } from './hook-settings.ts';
import {
  DEFAULT_OVERLAP_SECONDS,
  MAX_OVERLAP_SECONDS,
  MAX_PREVIOUS_SECRETS,
  rotateSigningSecrets,
  storedSigningSecrets,
  type StoredSigningSecret,
} from './webhook-secrets.ts';
import type { HookSettingsVerifiers } from './hook-settings-verifier.ts';

export type { HookSettingsInput } from './hook-kinds.ts';

export interface HookInput {
  name: string;
  events: EventFilter;
  applications?: string[] | null | undefined;
  addons?: string[] | null | undefined;
  enabled?: boolean | undefined;
}

/** Name of the e-mail hook every organization starts with (product.md section 3, rule 5). */
export const DEFAULT_HOOK_NAME = 'Default deployment result e-mails';

/**
 * Creates and changes hooks: checks their filter, scope and target, seals their secrets, and
 * hands a webhook's signing secret back exactly once, at creation.
 */
export class HookService {
  constructor(
    private readonly deps: {
      store: Store;
      catalog: Catalog;
      clock: Clock;
      codec: HookSettingsCodec;
      resolver: Resolver;
      allowPrivateTargets: boolean;
      /** Checks against the service (a Hipchat token) made before a kind's settings are saved. */
      verifiers?: HookSettingsVerifiers;
    },
  ) {}

  async create(
    organizationId: string,
    input: HookInput & HookSettingsInput,
  ): Promise<{ hook: HookRecord; secret: string | undefined }> {
    const prepared = await this.prepare(organizationId, input);
    await this.deps.store.hooks.create(prepared.hook);
    return prepared;
  }

  /**
   * A new hook checked and sealed, not yet stored (a settings import checks every hook of a
   * document before writing any).
   */
  async prepare(
    organizationId: string,
    input: HookInput & HookSettingsInput,
  ): Promise<{ hook: HookRecord; secret: string | undefined }> {
    await this.checkFilterAndScope(organizationId, input);
    const { settings, secret } = await this.settingsFor(input);
    await this.verify(input.kind, settings);
    const now = this.deps.clock.now();
    const hook: HookRecord = {
      id: newId('hook'),
      organization_id: organizationId,
      name: input.name,
      kind: input.kind,
      settings: this.deps.codec.seal(input.kind, settings),
      events: input.events,
      applications: input.applications ?? null,
      addons: input.addons ?? null,
      enabled: input.enabled ?? true,
      disabled_reason: null,
      created_at: now,
      updated_at: now,
    };
    return { hook, secret };
  }

  /**
   * Applies a partial change. Settings must belong to the hook's kind, and a kind cannot change
   * (delete and re-create instead); changed secrets are sealed, changed URLs checked. Written
   * with a compare-and-set on the settings: a change that raced a secret rotation is applied
   * again on top of the rotated secrets instead of writing the old ones back.
   */
  async update(
    hook: HookRecord,
    changes: Partial<HookInput> & HookSettingsChanges & { kind?: string | undefined },
  ): Promise<HookRecord> {
    let current = hook;
    for (let round = 0; round < 5; round++) {
      const updated = await this.prepareUpdate(current, changes);
      if (await this.deps.store.hooks.replaceIf(updated, current.settings)) return updated;
      const reread = await this.deps.store.hooks.get(hook.organization_id, hook.id);
      if (!reread) throw new ClarionError('CLARION_ERR_HOOK_NOT_FOUND', hook.id, hook.organization_id);
      current = reread;
    }
    // Five lost races in a row: something rewrites the hook continuously; let the caller retry.
    throw new Error(`could not update hook ${hook.id}: it kept changing`);
  }

  /** `update` without the write: the changed hook, checked and sealed. */
  async prepareUpdate(
    hook: HookRecord,
    changes: Partial<HookInput> & HookSettingsChanges & { kind?: string | undefined },
  ): Promise<HookRecord> {
    if (changes.kind !== undefined && changes.kind !== hook.kind) {
      throw new ClarionError('CLARION_ERR_HOOK_KIND_CHANGE', hook.id, hook.kind, changes.kind);
    }
    const merged = {
      events: changes.events ?? hook.events,
      applications: changes.applications === undefined ? hook.applications : changes.applications,
      addons: changes.addons === undefined ? hook.addons : changes.addons,
    };
    await this.checkFilterAndScope(hook.organization_id, merged);
    const settings = await this.changedSettings(hook, changes);
    const enabled = changes.enabled ?? hook.enabled;
    const updated: HookRecord = {
      ...hook,
      ...merged,
      name: changes.name ?? hook.name,
      settings,
      enabled,
      // Re-enabling clears why Clarion had disabled it.
      disabled_reason: enabled ? null : hook.disabled_reason,
      updated_at: this.deps.clock.now(),
    };
    return updated;
  }

  /**
   * Gives a webhook a new signing secret, returned here and never again. The previous ones keep
   * signing beside it until the overlap ends (see `rotateSigningSecrets`), so receivers can switch
   * without missing a verified message. Expired secrets are dropped from storage now.
   */
  async rotateSecret(
    hook: HookRecord,
    overlapSeconds: number = DEFAULT_OVERLAP_SECONDS,
  ): Promise<{ hook: HookRecord; secret: string }> {
    if (hook.kind !== 'webhook') throw new ClarionError('CLARION_ERR_HOOK_NOT_WEBHOOK', hook.id, hook.kind);
    if (!Number.isSafeInteger(overlapSeconds) || overlapSeconds < 0 || overlapSeconds > MAX_OVERLAP_SECONDS) {
      throw new ClarionError('CLARION_ERR_HOOK_SECRET_OVERLAP_INVALID', MAX_OVERLAP_SECONDS, overlapSeconds);
    }
    const { clock, codec, store } = this.deps;
    const secret = generateWebhookSecret();
    const sealed = codec.sealValue(secret);
    let current = hook;
    // Compare-and-set: a rotation that raced another one starts again from what that one stored.
    for (let round = 0; round < 5; round++) {
      const now = clock.now();
      const secrets = rotateSigningSecrets(
        storedSigningSecrets(current.settings['secrets']),
        sealed,
        now,
        overlapSeconds,
      );
      if (secrets === null) {
        throw new ClarionError('CLARION_ERR_HOOK_SECRET_LIMIT', hook.id, MAX_PREVIOUS_SECRETS);
      }
      const settings = { ...current.settings, secrets };
      if (await store.hooks.replaceSettingsIf(current, current.settings, settings, now)) {
        return { hook: { ...current, settings, updated_at: now }, secret };
      }
      const reread = await store.hooks.get(hook.organization_id, hook.id);
      if (!reread) throw new ClarionError('CLARION_ERR_HOOK_NOT_FOUND', hook.id, hook.organization_id);
      current = reread;
    }
    // Five lost races in a row: something rewrites the hook continuously; let the caller retry.
    throw new Error(`could not rotate the secret of hook ${hook.id}: it kept changing`);
  }

  /** The per-event toggles of a hook: every catalog type, on or off, and the filter entry that decides. */
  eventToggles(hook: HookRecord): EventToggle[] {
    return eventToggles(hook.events, this.deps.catalog.listTypes());
  }

  /**
   * Turns one event type on or off for a hook by rewriting its filter (see `toggleEvent` for how
   * "all" and groups are rewritten). Refuses to leave the hook with no event at all.
   */
  async setEventEnabled(hook: HookRecord, typeName: string, enabled: boolean): Promise<HookRecord> {
    const { catalog } = this.deps;
    const type = catalog.type(typeName);
    if (!type) throw new ClarionError('CLARION_ERR_CATALOG_TYPE_NOT_FOUND', typeName);
    const events = toggleEvent(hook.events, type, enabled, catalog.listTypes());
    if (events === hook.events) return hook;
    if (events.length === 0) throw new ClarionError('CLARION_ERR_HOOK_NO_EVENTS_LEFT', typeName, hook.name);
    return this.update(hook, { events });
  }

  /**
   * Creates the default hook again (after it was deleted). Refused while a hook of that name
   * exists, whatever it was changed to: the organization would get deployment results twice.
   */
  async recreateDefault(organizationId: string): Promise<HookRecord> {
    const { store, clock } = this.deps;
    const existing = (await store.hooks.allFor(organizationId)).find((hook) => hook.name === DEFAULT_HOOK_NAME);
    if (existing) {
      throw new ClarionError('CLARION_ERR_HOOK_DEFAULT_EXISTS', organizationId, DEFAULT_HOOK_NAME, existing.id);
    }
    const hook = this.defaultHook(organizationId, clock.now());
    await store.hooks.create(hook);
    return hook;
  }

  /** The hook every organization starts with: deployment results, by e-mail, to the members. */
  defaultHook(organizationId: string, now: number): HookRecord {
    return {
      id: newId('hook'),
      organization_id: organizationId,
      name: DEFAULT_HOOK_NAME,
      kind: 'email',
      settings: { to: 'members' },
      events: ['group:deployment-results'],
      applications: null,
      addons: null,
      enabled: true,
      disabled_reason: null,
      created_at: now,
      updated_at: now,
    };
  }

  private async settingsFor(
    input: HookSettingsInput,
  ): Promise<{ settings: Record<string, unknown>; secret: string | undefined }> {
    switch (input.kind) {
      case 'webhook': {
        const url = await this.checkUrl(input.url);
        const secret = generateWebhookSecret();
        const secrets: StoredSigningSecret[] = [{ secret, expires_at: null }];
        return { settings: { url: url.toString(), format: input.format ?? 'raw', secrets }, secret };
      }
      case 'email':
        return { settings: { to: input.to }, secret: undefined };
      case 'slack': {
        const url = await this.checkUrl(input.url);
        const settings: Record<string, unknown> = { url: url.toString() };
        if (input.channel !== undefined) settings['channel'] = input.channel;
        if (input.username !== undefined) settings['username'] = input.username;
        return { settings, secret: undefined };
      }
      case 'hipchat':
        return {
          settings: {
            server_url: await this.checkServerUrl(input.server_url ?? HIPCHAT_DEFAULT_SERVER_URL),
            api_version: input.api_version ?? HIPCHAT_DEFAULT_API_VERSION,
            token: input.token,
            room: input.room,
          },
          secret: undefined,
        };
      case 'flowdock':
        return { settings: { flow_token: input.flow_token }, secret: undefined };
    }
  }

  /** The hook's stored settings with `changes` applied: each checked against the kind, secrets sealed. */
  private async changedSettings(hook: HookRecord, changes: HookSettingsChanges): Promise<Record<string, unknown>> {
    const allowed: readonly string[] = isHookKind(hook.kind) ? KIND_SETTINGS[hook.kind] : [];
    const changed: Record<string, unknown> = {};
    const removed: string[] = [];
    for (const [name, value] of Object.entries(changes)) {
      if (value === undefined || !isSettingName(name)) continue;
      if (!allowed.includes(name)) {
        throw new ClarionError('CLARION_ERR_HOOK_SETTING_NOT_FOR_KIND', name, hook.kind, allowed.join(', '));
      }
      if (value === null) removed.push(name);
      else if (name === 'server_url') changed[name] = await this.checkServerUrl(String(value));
      else if (URL_SETTINGS.has(name)) changed[name] = (await this.checkUrl(String(value))).toString();
      else changed[name] = value;
    }
    const settings = { ...hook.settings, ...this.deps.codec.seal(hook.kind, changed) };
    for (const name of removed) delete settings[name];
    if (Object.keys(changed).length > 0 || removed.length > 0) {
      await this.verify(hook.kind, this.deps.codec.reveal({ kind: hook.kind, settings }));
    }
    return settings;
  }

  /** Runs the kind's check against its service, if it has one (plain settings, secrets in clear). */
  private async verify(kind: string, settings: Record<string, unknown>): Promise<void> {
    const verifier = isHookKind(kind) ? this.deps.verifiers?.[kind] : undefined;
    await verifier?.verify(settings);
  }

  /** A base URL (Hipchat's server): checked like any target, kept without its trailing slash. */
  private async checkServerUrl(url: string): Promise<string> {
    return (await this.checkUrl(url)).toString().replace(/\/+$/, '');
  }

  private checkUrl(url: string): Promise<URL> {
    return checkTargetUrl(url, { resolver: this.deps.resolver, allowPrivate: this.deps.allowPrivateTargets });
  }

  private async checkFilterAndScope(
    organizationId: string,
    hook: Pick<HookInput, 'events' | 'applications' | 'addons'>,
  ): Promise<void> {
    const { catalog, store } = this.deps;
    if (hook.events !== 'all') {
      for (const entry of hook.events) {
        const known = entry.startsWith('group:') ? catalog.group(entry.slice(6)) : catalog.type(entry);
        if (!known) throw new ClarionError('CLARION_ERR_HOOK_UNKNOWN_EVENT', entry);
      }
    }
    for (const [table, code] of [
      ['applications', 'CLARION_ERR_HOOK_UNKNOWN_APPLICATION'],
      ['addons', 'CLARION_ERR_HOOK_UNKNOWN_ADDON'],
    ] as const) {
      const ids = hook[table] ?? [];
      const existing = await store.organizations.existingIds(table, organizationId, ids);
      const missing = ids.find((id) => !existing.has(id));
      if (missing !== undefined) throw new ClarionError(code, missing);
    }
  }
}
