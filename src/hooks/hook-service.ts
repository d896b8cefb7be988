import type { Catalog } from '../catalog/catalog.ts';
import { generateWebhookSecret } from '../channels/webhook/webhook-signature.ts';
import type { Clock } from '../clock.ts';
import { ClarionError } from '../errors.ts';
import { newId } from '../ids.ts';
import { checkTargetUrl } from '../net/target-url.ts';
import type { Resolver } from '../net/guarded-lookup.ts';
import type { EventFilter, HookRecord } from '../store/hook-repository.ts';
import type { Store } from '../store/store.ts';
import type { HookSettingsCodec } from './hook-settings.ts';

/** The kind-specific part of a hook, as the API takes it. */
export type HookSettingsInput =
  { kind: 'webhook'; url: string; format?: 'raw' | undefined } | { kind: 'email'; to: 'owners' | 'members' | string[] };

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
    },
  ) {}

  async create(
    organizationId: string,
    input: HookInput & HookSettingsInput,
  ): Promise<{ hook: HookRecord; secret: string | undefined }> {
    await this.checkFilterAndScope(organizationId, input);
    const { settings, secret } = await this.settingsFor(input);
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
    await this.deps.store.hooks.create(hook);
    return { hook, secret };
  }

  /** Applies a partial change; a kind cannot change (delete and re-create instead). */
  async update(
    hook: HookRecord,
    changes: Partial<HookInput> & {
      url?: string | undefined;
      format?: 'raw' | undefined;
      to?: 'owners' | 'members' | string[] | undefined;
    },
  ): Promise<HookRecord> {
    const merged = {
      events: changes.events ?? hook.events,
      applications: changes.applications === undefined ? hook.applications : changes.applications,
      addons: changes.addons === undefined ? hook.addons : changes.addons,
    };
    await this.checkFilterAndScope(hook.organization_id, merged);
    const settings = { ...hook.settings };
    if (hook.kind === 'webhook') {
      if (changes.url !== undefined) settings['url'] = (await this.checkUrl(changes.url)).toString();
      if (changes.format !== undefined) settings['format'] = changes.format;
    }
    if (hook.kind === 'email' && changes.to !== undefined) settings['to'] = changes.to;
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
    await this.deps.store.hooks.replace(updated);
    return updated;
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
        return { settings: { url: url.toString(), format: input.format ?? 'raw', secrets: [secret] }, secret };
      }
      case 'email':
        return { settings: { to: input.to }, secret: undefined };
    }
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
