import { isDeepStrictEqual } from 'node:util';
import type { Kysely } from 'kysely';
import type { Catalog } from '../catalog/catalog.ts';
import { PERSONAL_CHANNELS } from '../catalog/event-type.ts';
import type { Clock } from '../clock.ts';
import { ClarionError } from '../errors.ts';
import type { HookService } from '../hooks/hook-service.ts';
import type { HookSettingsCodec } from '../hooks/hook-settings.ts';
import type { PreferenceCell } from '../routing/preference-matrix.ts';
import type { HookRecord } from '../store/hook-repository.ts';
import { replaceCellsIn, type CellLevels } from '../store/preference-repository.ts';
import type { Database } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import {
  SETTINGS_FORMAT,
  type ApplicationSettings,
  type CellRows,
  type HookEntry,
  type OrganizationSettings,
} from './settings-document.ts';
import { planCells, planHooks, type CellPlan, type HookAction } from './settings-plan.ts';

/** One changed cell as an import result lists it. */
export interface CellView {
  application: string | null;
  event_type: string;
  channel: string;
  enabled: boolean;
}

/** What an import did, or would do on a dry run. */
export interface ImportResult {
  dry_run: boolean;
  hooks: { name: string; action: HookAction['action']; changed?: string[] }[];
  preferences: { user: string; set: CellView[]; cleared: CellView[] }[];
  skipped: { user: string; reason: string }[];
  /** Signing secrets of webhooks the import created, by hook name: shown this once. */
  secrets: Record<string, string>;
}

/** Where a document applies: a whole organization, or one application's level. */
type Target = { organizationId: string; applicationId: null } | { organizationId: string; applicationId: string };

/** A document reduced to what both kinds share: hook entries (scoped already) and cells by user. */
interface Desired {
  hooks: HookEntry[];
  cells: Map<string, PreferenceCell[]>;
  /** Sealed webhook signing secrets to give new hooks of these names (copying keeps them). */
  signingSecrets?: Map<string, unknown>;
}

/**
 * Settings as code: exports an organization's or an application's settings (hooks, members'
 * explicit preference cells) as a document, imports one (a dry run shows the plan), and copies
 * one application's settings onto others. An import is declarative: afterwards the hooks in
 * scope are exactly the document's (matched by name) and each listed member's cells at the
 * covered levels are exactly the document's; members it does not list are left alone.
 */
export class SettingsService {
  constructor(
    private readonly deps: {
      store: Store;
      catalog: Catalog;
      clock: Clock;
      hooks: HookService;
      codec: HookSettingsCodec;
    },
  ) {}

  async exportOrganization(organizationId: string): Promise<OrganizationSettings> {
    const { store } = this.deps;
    const preferences: OrganizationSettings['preferences'] = {};
    for (const member of await store.members.all(organizationId)) {
      const cells = await store.preferences.cellsOf(organizationId, member.user_id);
      if (cells.length === 0) continue;
      const account = rowsOf(cells.filter((cell) => cell.applicationId === null));
      const applications: Record<string, CellRows> = {};
      for (const applicationId of new Set(cells.map((cell) => cell.applicationId))) {
        if (applicationId === null) continue;
        applications[applicationId] = rowsOf(cells.filter((cell) => cell.applicationId === applicationId));
      }
      preferences[member.user_id] = {
        ...(Object.keys(account).length > 0 ? { account } : {}),
        ...(Object.keys(applications).length > 0 ? { applications } : {}),
      };
    }
    const hooks = await store.hooks.allFor(organizationId);
    return {
      format: SETTINGS_FORMAT,
      organization: organizationId,
      hooks: hooks.map((hook) => this.entryOf(hook, { scope: true, secrets: 'redact' })),
      preferences,
    };
  }

  async exportApplication(organizationId: string, applicationId: string): Promise<ApplicationSettings> {
    await this.requireApplication(organizationId, applicationId);
    const { store } = this.deps;
    const preferences: ApplicationSettings['preferences'] = {};
    for (const member of await store.members.all(organizationId)) {
      const cells = (await store.preferences.cellsOf(organizationId, member.user_id)).filter(
        (cell) => cell.applicationId === applicationId,
      );
      if (cells.length > 0) preferences[member.user_id] = rowsOf(cells);
    }
    const hooks = (await store.hooks.allFor(organizationId)).filter((hook) => isApplicationHook(hook, applicationId));
    return {
      format: SETTINGS_FORMAT,
      organization: organizationId,
      application: applicationId,
      hooks: hooks.map((hook) => this.entryOf(hook, { scope: false, secrets: 'redact' })),
      preferences,
    };
  }

  importOrganization(organizationId: string, document: OrganizationSettings, dryRun: boolean): Promise<ImportResult> {
    const cells = new Map<string, PreferenceCell[]>();
    for (const [userId, levels] of Object.entries(document.preferences)) {
      const userCells = cellsOf(null, levels.account ?? {});
      for (const [applicationId, rows] of Object.entries(levels.applications ?? {})) {
        userCells.push(...cellsOf(applicationId, rows));
      }
      cells.set(userId, userCells);
    }
    return this.apply({ organizationId, applicationId: null }, { hooks: document.hooks, cells }, dryRun);
  }

  async importApplication(
    organizationId: string,
    applicationId: string,
    document: ApplicationSettings,
    dryRun: boolean,
  ): Promise<ImportResult> {
    await this.requireApplication(organizationId, applicationId);
    for (const entry of document.hooks) {
      if (entry.applications != null || entry.addons != null) {
        throw new ClarionError('CLARION_ERR_SETTINGS_HOOK_SCOPED', entry.name);
      }
    }
    const cells = new Map(
      Object.entries(document.preferences).map(([userId, rows]) => [userId, cellsOf(applicationId, rows)] as const),
    );
    return this.apply(
      { organizationId, applicationId },
      { hooks: document.hooks.map((entry) => ({ ...entry, applications: [applicationId] })), cells },
      dryRun,
    );
  }

  /**
   * Makes each target application's settings those of `from`: its hooks (secrets included: they
   * are copied inside Clarion, never shown) and the members' cells at its level.
   */
  async copyApplication(
    organizationId: string,
    from: string,
    to: readonly string[],
    dryRun: boolean,
  ): Promise<{ application: string; result: ImportResult }[]> {
    await this.requireApplication(organizationId, from);
    if (to.includes(from)) throw new ClarionError('CLARION_ERR_SETTINGS_COPY_TO_SELF', from);
    for (const target of to) await this.requireApplication(organizationId, target);
    const { store } = this.deps;
    const sourceHooks = (await store.hooks.allFor(organizationId)).filter((hook) => isApplicationHook(hook, from));
    const members = await store.members.all(organizationId);
    const sourceCells = new Map<string, PreferenceCell[]>();
    for (const member of members) {
      const cells = await store.preferences.cellsOf(organizationId, member.user_id);
      sourceCells.set(
        member.user_id,
        cells.filter((cell) => cell.applicationId === from),
      );
    }
    const results: { application: string; result: ImportResult }[] = [];
    for (const target of [...new Set(to)]) {
      const desired: Desired = {
        hooks: sourceHooks.map((hook) => ({
          ...this.entryOf(hook, { scope: false, secrets: 'reveal' }),
          applications: [target],
        })),
        cells: new Map(
          [...sourceCells].map(([userId, cells]) => [
            userId,
            cells.map((cell) => ({ ...cell, applicationId: target })),
          ]),
        ),
        signingSecrets: new Map(
          sourceHooks
            .filter((hook) => hook.settings['secrets'] !== undefined)
            .map((hook) => [hook.name, hook.settings['secrets']]),
        ),
      };
      results.push({
        application: target,
        result: await this.apply({ organizationId, applicationId: target }, desired, dryRun),
      });
    }
    return results;
  }

  /** Plans, checks every change, then (unless a dry run) writes them all in one transaction. */
  private async apply(target: Target, desired: Desired, dryRun: boolean): Promise<ImportResult> {
    const { store, hooks: hookService, codec, clock } = this.deps;
    const { organizationId, applicationId } = target;
    const stored = (await store.hooks.allFor(organizationId)).filter(
      (hook) => applicationId === null || isApplicationHook(hook, applicationId),
    );
    const revealed = stored.map((hook) => ({ ...hook, settings: codec.reveal(hook) }));
    const sealedById = new Map(stored.map((hook) => [hook.id, hook]));
    const actions = planHooks(revealed, desired.hooks);

    // Every change is checked (filters, scopes, URLs) before anything is written.
    const creates: { hook: HookRecord; secret: string | undefined }[] = [];
    const updates: HookRecord[] = [];
    const deletes: HookRecord[] = [];
    for (const action of actions) {
      if (action.action === 'create' || action.action === 'replace') {
        const prepared = await hookService.prepare(organizationId, action.entry);
        const copied = desired.signingSecrets?.get(action.name);
        if (copied !== undefined && prepared.hook.kind === 'webhook') {
          prepared.hook.settings = { ...prepared.hook.settings, secrets: copied };
          prepared.secret = undefined;
        }
        creates.push(prepared);
        if (action.action === 'replace') deletes.push(action.hook);
      } else if (action.action === 'update') {
        updates.push(await hookService.prepareUpdate(sealedById.get(action.hook.id)!, action.changes));
      } else if (action.action === 'delete') {
        deletes.push(action.hook);
      }
    }

    const levels: CellLevels = applicationId === null ? { all: true } : { applicationId };
    const members = new Set((await store.members.all(organizationId)).map((member) => member.user_id));
    const skipped: ImportResult['skipped'] = [];
    const cellPlans: CellPlan[] = [];
    for (const [userId, cells] of desired.cells) {
      if (!members.has(userId)) {
        skipped.push({ user: userId, reason: `${userId} is not a member of ${organizationId}` });
        continue;
      }
      await this.checkCells(organizationId, cells);
      const current = (await store.preferences.cellsOf(organizationId, userId)).filter(
        (cell) => applicationId === null || cell.applicationId === applicationId,
      );
      const plan = planCells(userId, current, cells);
      if (plan !== null) cellPlans.push(plan);
    }

    if (!dryRun) {
      const now = clock.now();
      await store.db.transaction().execute(async (trx: Kysely<Database>) => {
        for (const hook of deletes) await store.hooks.deleteIn(trx, organizationId, hook.id, now);
        for (const hook of updates) await store.hooks.replace(hook, trx);
        for (const { hook } of creates) await store.hooks.create(hook, trx);
        for (const plan of cellPlans) {
          await replaceCellsIn(trx, organizationId, plan.userId, levels, plan.desired, now);
        }
      });
    }
    const secrets: Record<string, string> = {};
    if (!dryRun) for (const { hook, secret } of creates) if (secret !== undefined) secrets[hook.name] = secret;
    return {
      dry_run: dryRun,
      hooks: actions.map((action) =>
        action.action === 'update'
          ? { name: action.name, action: action.action, changed: [...action.changed] }
          : { name: action.name, action: action.action },
      ),
      preferences: cellPlans.map((plan) => ({
        user: plan.userId,
        set: plan.set.map(cellView),
        cleared: plan.cleared.map(cellView),
      })),
      skipped,
      secrets,
    };
  }

  /** The cells name known types, and application cells only application-scoped types of existing applications. */
  private async checkCells(organizationId: string, cells: readonly PreferenceCell[]): Promise<void> {
    const { catalog } = this.deps;
    for (const cell of cells) {
      const type = catalog.type(cell.eventType);
      if (!type) throw new ClarionError('CLARION_ERR_PREFERENCE_UNKNOWN_TYPE', cell.eventType);
      if (cell.applicationId !== null) {
        if (!type.scopes.includes('application')) {
          throw new ClarionError('CLARION_ERR_PREFERENCE_ACCOUNT_ONLY', cell.eventType);
        }
        await this.requireApplication(organizationId, cell.applicationId);
      }
    }
  }

  /**
   * A hook as a document lists it, never with a webhook's signing secrets. Other secrets are
   * redacted for an export; a copy, which stays inside Clarion, carries them revealed.
   */
  private entryOf(hook: HookRecord, options: { scope: boolean; secrets: 'redact' | 'reveal' }): HookEntry {
    const { codec } = this.deps;
    const withScope = options.scope;
    const { secrets: _secrets, ...settings } = options.secrets === 'redact' ? codec.redact(hook) : codec.reveal(hook);
    return {
      name: hook.name,
      kind: hook.kind,
      ...settings,
      events: hook.events,
      ...(withScope && hook.applications !== null ? { applications: hook.applications } : {}),
      ...(withScope && hook.addons !== null ? { addons: hook.addons } : {}),
      enabled: hook.enabled,
    } as HookEntry;
  }

  private async requireApplication(organizationId: string, applicationId: string): Promise<void> {
    if (!(await this.deps.store.organizations.getApplication(organizationId, applicationId))) {
      throw new ClarionError('CLARION_ERR_APPLICATION_NOT_FOUND', applicationId, organizationId);
    }
  }
}

/** A hook attached to one application alone: what an application's settings hold. */
function isApplicationHook(hook: HookRecord, applicationId: string): boolean {
  return isDeepStrictEqual(hook.applications, [applicationId]) && (hook.addons === null || hook.addons.length === 0);
}

function rowsOf(cells: readonly PreferenceCell[]): CellRows {
  const rows: Record<string, Record<string, boolean>> = {};
  for (const cell of cells) (rows[cell.eventType] ??= {})[cell.channel] = cell.enabled;
  return rows;
}

function cellsOf(applicationId: string | null, rows: CellRows): PreferenceCell[] {
  const cells: PreferenceCell[] = [];
  for (const [eventType, row] of Object.entries(rows)) {
    for (const channel of PERSONAL_CHANNELS) {
      const enabled = row[channel];
      if (enabled !== undefined) cells.push({ applicationId, eventType, channel, enabled });
    }
  }
  return cells;
}

function cellView(cell: PreferenceCell): CellView {
  return { application: cell.applicationId, event_type: cell.eventType, channel: cell.channel, enabled: cell.enabled };
}
