import { isDeepStrictEqual } from 'node:util';
import { ClarionError } from '../errors.ts';
import {
  HIPCHAT_DEFAULT_API_VERSION,
  HIPCHAT_DEFAULT_SERVER_URL,
  KIND_SETTINGS,
  isHookKind,
  type HookSettingsChanges,
} from '../hooks/hook-kinds.ts';
import type { HookInput } from '../hooks/hook-service.ts';
import type { PreferenceCell } from '../routing/preference-matrix.ts';
import type { HookRecord } from '../store/hook-repository.ts';
import { REDACTED, type HookEntry } from './settings-document.ts';

/**
 * The difference between what is stored and what a settings document asks for, worked out
 * before anything is written (pure: the service loads, plans, checks, then writes in one
 * transaction). Hooks are matched by name; a hook whose kind changed is replaced.
 */

/** A stored hook with its secret settings decrypted, so they can be compared. */
export type RevealedHook = HookRecord;

export type HookChanges = Partial<HookInput> & HookSettingsChanges;

export type HookAction =
  | { readonly action: 'create'; readonly name: string; readonly entry: HookEntry }
  | {
      readonly action: 'update';
      readonly name: string;
      readonly hook: RevealedHook;
      readonly changes: HookChanges;
      /** The names of the fields that change (values left out: some are secrets). */
      readonly changed: readonly string[];
    }
  | { readonly action: 'replace'; readonly name: string; readonly hook: RevealedHook; readonly entry: HookEntry }
  | { readonly action: 'delete'; readonly name: string; readonly hook: RevealedHook }
  | { readonly action: 'unchanged'; readonly name: string; readonly hook: RevealedHook };

/** The values a setting takes when a hook leaves it out (see HookService.settingsFor). */
const SETTING_DEFAULTS: Readonly<Record<string, unknown>> = {
  format: 'raw',
  server_url: HIPCHAT_DEFAULT_SERVER_URL,
  api_version: HIPCHAT_DEFAULT_API_VERSION,
};

/** Secret settings of each kind that a document can carry (a webhook's signing secrets never do). */
const SECRET_INPUTS: Readonly<Record<string, readonly string[]>> = {
  slack: ['url'],
  hipchat: ['token'],
  flowdock: ['flow_token'],
};

export function planHooks(current: readonly RevealedHook[], desired: readonly HookEntry[]): HookAction[] {
  const byName = new Map<string, RevealedHook[]>();
  for (const hook of current) byName.set(hook.name, [...(byName.get(hook.name) ?? []), hook]);
  const seen = new Set<string>();
  const actions: HookAction[] = [];
  for (const entry of desired) {
    if (seen.has(entry.name)) throw new ClarionError('CLARION_ERR_SETTINGS_DUPLICATE_HOOK', entry.name);
    seen.add(entry.name);
    const matches = byName.get(entry.name) ?? [];
    if (matches.length > 1) throw new ClarionError('CLARION_ERR_SETTINGS_AMBIGUOUS_HOOK', entry.name, matches.length);
    const hook = matches[0];
    if (hook === undefined) {
      requireSecrets(entry);
      actions.push({ action: 'create', name: entry.name, entry });
    } else if (hook.kind !== entry.kind) {
      requireSecrets(entry);
      actions.push({ action: 'replace', name: entry.name, hook, entry });
    } else {
      const changes = hookChanges(hook, entry);
      const changed = Object.keys(changes);
      actions.push(
        changed.length === 0
          ? { action: 'unchanged', name: entry.name, hook }
          : { action: 'update', name: entry.name, hook, changes, changed },
      );
    }
  }
  for (const hook of current) {
    if (!seen.has(hook.name)) actions.push({ action: 'delete', name: hook.name, hook });
  }
  return actions;
}

/** A new hook cannot be given a redacted secret: there is none stored to keep. */
function requireSecrets(entry: HookEntry): void {
  const fields = entry as unknown as Record<string, unknown>;
  for (const name of SECRET_INPUTS[entry.kind] ?? []) {
    if (fields[name] === REDACTED) throw new ClarionError('CLARION_ERR_SETTINGS_SECRET_MISSING', entry.name, name);
  }
}

/** The PATCH that turns `hook` into `entry`; empty when they already agree. */
function hookChanges(hook: RevealedHook, entry: HookEntry): HookChanges {
  const changes: Record<string, unknown> = {};
  const fields = entry as unknown as Record<string, unknown>;
  const common = {
    events: entry.events,
    applications: normalizeScope(entry.applications),
    addons: normalizeScope(entry.addons),
    enabled: entry.enabled ?? true,
  };
  const stored = {
    events: hook.events,
    applications: normalizeScope(hook.applications),
    addons: normalizeScope(hook.addons),
    enabled: hook.enabled,
  };
  for (const key of Object.keys(common) as (keyof typeof common)[]) {
    if (!isDeepStrictEqual(common[key], stored[key])) changes[key] = common[key];
  }
  const names: readonly string[] = isHookKind(hook.kind) ? KIND_SETTINGS[hook.kind] : [];
  for (const name of names) {
    const wanted = fields[name];
    if (wanted === REDACTED) continue; // keep the stored secret
    const have = hook.settings[name];
    const target = wanted ?? SETTING_DEFAULTS[name] ?? null;
    if (!isDeepStrictEqual(normalizeSetting(name, target), normalizeSetting(name, have ?? null))) {
      changes[name] = target;
    }
  }
  return changes;
}

/** An empty scope list and no list both mean "every application". */
function normalizeScope(ids: readonly string[] | null | undefined): readonly string[] | null {
  return ids === null || ids === undefined || ids.length === 0 ? null : [...ids].sort();
}

/** URLs are stored as the URL parser writes them; compare them the same way. */
function normalizeSetting(name: string, value: unknown): unknown {
  if (typeof value !== 'string' || (name !== 'url' && name !== 'server_url')) return value;
  try {
    const url = new URL(value).toString();
    return name === 'server_url' ? url.replace(/\/+$/, '') : url;
  } catch {
    return value;
  }
}

/** One member's cells to write and to clear for a level. */
export interface CellPlan {
  readonly userId: string;
  readonly set: readonly PreferenceCell[];
  readonly cleared: readonly PreferenceCell[];
  /** Every cell the level holds afterwards. */
  readonly desired: readonly PreferenceCell[];
}

const cellKey = (cell: PreferenceCell) => `${cell.applicationId ?? ''}\u0000${cell.eventType}\u0000${cell.channel}`;

/** What changes in one member's cells when `desired` replaces `current` (both of the same levels). */
export function planCells(
  userId: string,
  current: readonly PreferenceCell[],
  desired: readonly PreferenceCell[],
): CellPlan | null {
  const have = new Map(current.map((cell) => [cellKey(cell), cell]));
  const want = new Map(desired.map((cell) => [cellKey(cell), cell]));
  const set = [...want.values()].filter((cell) => have.get(cellKey(cell))?.enabled !== cell.enabled);
  const cleared = [...have.values()].filter((cell) => !want.has(cellKey(cell)));
  return set.length === 0 && cleared.length === 0 ? null : { userId, set, cleared, desired: [...want.values()] };
}
