import { BUILTIN_EVENT_TYPES, BUILTIN_GROUPS } from './builtin-catalog.ts';
import type { EventGroup, EventType, EventTypeDefinition } from './event-type.ts';

/** The operator's entries as read from the store at one `catalog_version`. */
export interface StoredCatalog {
  readonly version: number;
  readonly types: readonly EventTypeDefinition[];
  readonly groups: readonly EventGroup[];
}

/**
 * The event type catalog: the built-in types, overlaid by the operator's stored ones (a stored
 * entry with a built-in name replaces it wholly). Lookups are synchronous and by exact name;
 * `apply` swaps in a newer stored state at once, so a lookup never sees half of a change.
 */
export class Catalog {
  private types = new Map<string, EventType>();
  private groups = new Map<string, EventGroup>();
  private readonly builtinTypes: ReadonlySet<string>;
  private readonly builtinGroups: ReadonlySet<string>;
  /** The `catalog_version` of the stored entries applied; -1 until the first `apply`. */
  private appliedVersion = -1;

  constructor(
    private readonly baseTypes: readonly EventType[] = BUILTIN_EVENT_TYPES,
    private readonly baseGroups: readonly EventGroup[] = BUILTIN_GROUPS,
  ) {
    this.builtinTypes = new Set(baseTypes.map((type) => type.name));
    this.builtinGroups = new Set(baseGroups.map((group) => group.name));
    this.rebuild([], []);
  }

  get version(): number {
    return this.appliedVersion;
  }

  type(name: string): EventType | undefined {
    return this.types.get(name);
  }

  group(name: string): EventGroup | undefined {
    return this.groups.get(name);
  }

  listTypes(): EventType[] {
    return [...this.types.values()];
  }

  listGroups(): EventGroup[] {
    return [...this.groups.values()];
  }

  isBuiltinType(name: string): boolean {
    return this.builtinTypes.has(name);
  }

  isBuiltinGroup(name: string): boolean {
    return this.builtinGroups.has(name);
  }

  /**
   * Replaces the stored entries with `stored` unless an equal or newer version is already
   * applied (two reloads may finish out of order). True when applied.
   */
  apply(stored: StoredCatalog): boolean {
    if (stored.version <= this.appliedVersion) return false;
    this.rebuild(stored.types, stored.groups);
    this.appliedVersion = stored.version;
    return true;
  }

  /** The effective catalog `stored` would give, without touching this one. */
  withStored(stored: Pick<StoredCatalog, 'types' | 'groups'>): Catalog {
    const catalog = new Catalog(this.baseTypes, this.baseGroups);
    catalog.rebuild(stored.types, stored.groups);
    return catalog;
  }

  private rebuild(storedTypes: readonly EventTypeDefinition[], storedGroups: readonly EventGroup[]): void {
    const groups = new Map<string, EventGroup>();
    for (const group of [...this.baseGroups, ...storedGroups]) groups.set(group.name, group);
    const types = new Map<string, EventType>();
    for (const type of this.baseTypes) types.set(type.name, type);
    for (const type of storedTypes) types.set(type.name, { ...type, builtin: this.builtinTypes.has(type.name) });
    this.groups = groups;
    this.types = types;
  }
}
