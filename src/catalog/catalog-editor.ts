import type { Kysely } from 'kysely';
import type { Clock } from '../clock.ts';
import { ClarionError } from '../errors.ts';
import type { CatalogRepository } from '../store/catalog-repository.ts';
import type { Database } from '../store/schema.ts';
import type { Catalog } from './catalog.ts';
import {
  fromStoredType,
  toStoredType,
  TYPE_DEFAULTS,
  type CatalogFileContent,
  type EventGroupBody,
  type EventTypeBody,
} from './catalog-schema.ts';
import { loadStoredCatalog } from './catalog-sync.ts';
import type { EventGroup, EventType, EventTypeDefinition } from './event-type.ts';

export interface CatalogEditorDeps {
  readonly repository: CatalogRepository;
  /** This process's catalog: reloaded as soon as a change commits. */
  readonly catalog: Catalog;
  readonly clock: Clock;
}

/**
 * Changes the operator's event types and groups. Each change is one transaction that holds the
 * `catalog_version` row's lock, checks against the catalog as stored (not this process's copy,
 * which may be a refresh behind), writes what changed and bumps the version; then this process
 * reloads at once and the others within their refresh interval (CatalogSync).
 */
export class CatalogEditor {
  constructor(private readonly deps: CatalogEditorDeps) {}

  /** Creates or changes a type; `created` is true when the name was new. */
  async putType(name: string, body: EventTypeBody): Promise<{ type: EventType; created: boolean }> {
    const created = await this.change((draft) => {
      const isNew = !draft.types.has(name);
      draft.putType(name, body);
      return isNew;
    });
    return { type: this.deps.catalog.type(name)!, created };
  }

  /** Removes an operator-defined type that nothing uses (stored events, hook filters, preferences). */
  async deleteType(name: string): Promise<void> {
    await this.change(async (draft, trx) => {
      if (!draft.types.has(name)) throw new ClarionError('CLARION_ERR_CATALOG_TYPE_NOT_FOUND', name);
      if (this.deps.catalog.isBuiltinType(name)) throw new ClarionError('CLARION_ERR_CATALOG_TYPE_BUILTIN', name, name);
      const usage = await this.deps.repository.typeUsage(trx, name);
      const reasons: string[] = [];
      if (usage.event) {
        reasons.push(`event "${usage.event.id}" of organization "${usage.event.organization}" is of this type`);
      }
      if (usage.hook) reasons.push(`${describeHook(usage.hook)} names it in its event filter`);
      if (usage.preference) {
        reasons.push(
          `member "${usage.preference.user}" of organization "${usage.preference.organization}" has a preference for it`,
        );
      }
      if (reasons.length > 0) throw new ClarionError('CLARION_ERR_CATALOG_TYPE_IN_USE', name, reasons.join('; '));
      draft.removeType(name);
    });
  }

  /** Creates or changes a group; `created` is true when the name was new. */
  async putGroup(name: string, body: EventGroupBody): Promise<{ group: EventGroup; created: boolean }> {
    const created = await this.change((draft) => {
      const isNew = !draft.groups.has(name);
      draft.putGroup(name, body);
      return isNew;
    });
    return { group: this.deps.catalog.group(name)!, created };
  }

  /** Removes an operator-defined group that no type belongs to and no hook filter names. */
  async deleteGroup(name: string): Promise<void> {
    await this.change(async (draft, trx) => {
      if (!draft.groups.has(name)) throw new ClarionError('CLARION_ERR_CATALOG_GROUP_NOT_FOUND', name);
      if (this.deps.catalog.isBuiltinGroup(name)) {
        throw new ClarionError('CLARION_ERR_CATALOG_GROUP_BUILTIN', name, name);
      }
      const members = [...draft.types.values()].filter((type) => type.groups.includes(name)).map((type) => type.name);
      const reasons: string[] = [];
      if (members.length > 0) {
        const listed = members
          .slice(0, 5)
          .map((type) => `"${type}"`)
          .join(', ');
        reasons.push(`event type ${listed}${members.length > 5 ? ` and ${members.length - 5} more` : ''} belong to it`);
      }
      const hook = await this.deps.repository.hookNaming(trx, `group:${name}`);
      if (hook) reasons.push(`${describeHook(hook)} names "group:${name}" in its event filter`);
      if (reasons.length > 0) throw new ClarionError('CLARION_ERR_CATALOG_GROUP_IN_USE', name, reasons.join('; '));
      draft.removeGroup(name);
    });
  }

  /**
   * Upserts every entry of a catalog file in one transaction: groups first, then types, then
   * the pairings (so a pair may be listed in either order). Entries the file does not list are
   * left as they are. Throws with the entry's name when one is refused; nothing is then applied.
   */
  async applyFile(content: CatalogFileContent): Promise<void> {
    await this.change((draft) => {
      for (const { name, ...body } of content.groups ?? []) {
        withEntry(`group "${name}"`, () => draft.putGroup(name, body));
      }
      const types = content.event_types ?? [];
      for (const { name, paired_with: _pair, ...body } of types) {
        withEntry(`event type "${name}"`, () => draft.putType(name, body));
      }
      for (const { name, ...body } of types) {
        if (body.paired_with !== undefined) withEntry(`event type "${name}"`, () => draft.putType(name, body));
      }
    });
  }

  /** Reads the stored entries into this process's catalog. */
  reload(): Promise<boolean> {
    return loadStoredCatalog(this.deps.repository, this.deps.catalog);
  }

  private async change<T>(fn: (draft: CatalogDraft, trx: Kysely<Database>) => T | Promise<T>): Promise<T> {
    const { repository, catalog, clock } = this.deps;
    const result = await repository.change(async (trx) => {
      const [types, groups] = await Promise.all([repository.listTypes(trx), repository.listGroups(trx)]);
      const draft = new CatalogDraft(catalog.withStored({ types: types.map(fromStoredType), groups }));
      const value = await fn(draft, trx);
      if (draft.changed.size === 0) return value;
      const now = clock.now();
      for (const key of draft.changed) {
        const [kind, name] = splitKey(key);
        if (kind === 'type') {
          const type = draft.types.get(name);
          if (type) await repository.upsertType(trx, toStoredType(type), now);
          else await repository.deleteType(trx, name);
        } else {
          const group = draft.groups.get(name);
          if (group) await repository.upsertGroup(trx, group, now);
          else await repository.deleteGroup(trx, name);
        }
      }
      await repository.bumpVersion(trx);
      return value;
    });
    await this.reload();
    return result;
  }
}

/**
 * The catalog being changed inside one transaction: the effective entries (built-in and
 * stored), checked and changed in memory; `changed` says which rows to write.
 */
class CatalogDraft {
  readonly types: Map<string, EventTypeDefinition>;
  readonly groups: Map<string, EventGroup>;
  readonly changed = new Set<string>();

  constructor(current: Catalog) {
    this.types = new Map(current.listTypes().map(({ builtin: _builtin, ...type }) => [type.name, type]));
    this.groups = new Map(current.listGroups().map((group) => [group.name, group]));
  }

  putGroup(name: string, body: EventGroupBody): void {
    this.setGroup({ name, description: body.description });
  }

  removeGroup(name: string): void {
    this.groups.delete(name);
    this.changed.add(`group:${name}`);
  }

  /**
   * Pairs are kept both ways: pairing A with B pairs B with A, and unpairs A's former partner.
   * A type already paired with a third one is refused rather than silently taken from it.
   */
  putType(name: string, body: EventTypeBody): void {
    const existing = this.types.get(name);
    const unknownGroup = body.groups.find((group) => !this.groups.has(group));
    if (unknownGroup !== undefined) {
      throw new ClarionError('CLARION_ERR_CATALOG_UNKNOWN_GROUP', name, unknownGroup, unknownGroup);
    }
    const pairedWith = body.paired_with === undefined ? existing?.pairedWith : (body.paired_with ?? undefined);
    const partner = pairedWith === undefined ? undefined : this.types.get(pairedWith);
    if (pairedWith !== undefined) {
      if (pairedWith === name) {
        throw new ClarionError('CLARION_ERR_CATALOG_INVALID_PAIR', name, pairedWith, 'a type cannot resolve itself');
      }
      if (!partner) throw new ClarionError('CLARION_ERR_CATALOG_UNKNOWN_PAIR', name, pairedWith);
      if (partner.pairedWith !== undefined && partner.pairedWith !== name) {
        throw new ClarionError(
          'CLARION_ERR_CATALOG_INVALID_PAIR',
          name,
          pairedWith,
          `"${pairedWith}" is paired with "${partner.pairedWith}"; unpair it first (paired_with: null)`,
        );
      }
    }
    const formerPartner = existing?.pairedWith;
    if (formerPartner !== undefined && formerPartner !== pairedWith) this.setPair(formerPartner, name, undefined);
    this.setType({
      name,
      description: body.description,
      scopes: body.scopes,
      groups: body.groups,
      defaultChannels: {
        ...(existing?.defaultChannels ?? TYPE_DEFAULTS.defaultChannels),
        ...body.default_channels,
      },
      ...(pairedWith === undefined ? {} : { pairedWith }),
      severity: body.severity ?? existing?.severity ?? TYPE_DEFAULTS.severity,
    });
    if (pairedWith !== undefined) this.setPair(pairedWith, undefined, name);
  }

  removeType(name: string): void {
    const pairedWith = this.types.get(name)?.pairedWith;
    if (pairedWith !== undefined) this.setPair(pairedWith, name, undefined);
    this.types.delete(name);
    this.changed.add(`type:${name}`);
  }

  /** Sets `name`'s partner to `to` when it is currently `from` (any partner when `from` is undefined). */
  private setPair(name: string, from: string | undefined, to: string | undefined): void {
    const type = this.types.get(name);
    if (!type || (from !== undefined && type.pairedWith !== from)) return;
    const { pairedWith: _old, ...rest } = type;
    this.setType(to === undefined ? rest : { ...rest, pairedWith: to });
  }

  private setType(type: EventTypeDefinition): void {
    const before = this.types.get(type.name);
    this.types.set(type.name, type);
    if (!before || !sameType(before, type)) this.changed.add(`type:${type.name}`);
  }

  private setGroup(group: EventGroup): void {
    const before = this.groups.get(group.name);
    this.groups.set(group.name, group);
    if (before?.description !== group.description) this.changed.add(`group:${group.name}`);
  }
}

function sameType(a: EventTypeDefinition, b: EventTypeDefinition): boolean {
  return JSON.stringify(toStoredType(a)) === JSON.stringify(toStoredType(b));
}

function splitKey(key: string): ['type' | 'group', string] {
  const index = key.indexOf(':');
  return [key.slice(0, index) as 'type' | 'group', key.slice(index + 1)];
}

function describeHook(hook: { organization: string; id: string; name: string }): string {
  return `hook "${hook.name}" (${hook.id}) of organization "${hook.organization}"`;
}

/** Prefixes a refused entry's message with the entry, so a file's author finds it. */
function withEntry(entry: string, fn: () => void): void {
  try {
    fn();
  } catch (error) {
    if (error instanceof ClarionError) error.message = `${entry}: ${error.message}`;
    throw error;
  }
}
