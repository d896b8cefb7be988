import { BUILTIN_EVENT_TYPES, BUILTIN_GROUPS } from './builtin-catalog.ts';
import type { EventGroup, EventType } from './event-type.ts';

/**
 * The event type catalog: the built-in types, plus whatever the operator adds. Lookups are by
 * exact name; group membership is what hook filters and role rules test against.
 */
export class Catalog {
  private readonly types = new Map<string, EventType>();
  private readonly groups = new Map<string, EventGroup>();

  constructor(types: readonly EventType[] = BUILTIN_EVENT_TYPES, groups: readonly EventGroup[] = BUILTIN_GROUPS) {
    for (const group of groups) this.groups.set(group.name, group);
    for (const type of types) this.types.set(type.name, type);
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
}
