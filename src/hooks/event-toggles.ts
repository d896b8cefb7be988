import type { EventType } from '../catalog/event-type.ts';
import type { EventFilter } from '../store/hook-repository.ts';

/** One event type as a hook's per-event toggles show it (the seeds' icon per event). */
export interface EventToggle {
  readonly type: string;
  readonly description: string;
  readonly groups: string[];
  readonly enabled: boolean;
  /** The filter entry that turns it on: `all`, the type's own name, or `group:<name>`; null when off. */
  readonly via: string | null;
}

/**
 * The filter entry that matches `type`, or null. The same order as routing's matcher
 * (src/routing/route-event.ts): "all", then the type's own name, then its groups in catalog
 * order; so `via` names the entry the "why" trace would quote.
 */
export function matchingEntry(filter: EventFilter, type: EventType): string | null {
  if (filter === 'all') return 'all';
  if (filter.includes(type.name)) return type.name;
  const group = type.groups.find((name) => filter.includes(`group:${name}`));
  return group === undefined ? null : `group:${group}`;
}

/** Every catalog type, in catalog order, with whether the filter lets it through and why. */
export function eventToggles(filter: EventFilter, types: readonly EventType[]): EventToggle[] {
  return types.map((type) => {
    const via = matchingEntry(filter, type);
    return { type: type.name, description: type.description, groups: [...type.groups], enabled: via !== null, via };
  });
}

/**
 * The filter after turning one type on or off; the same filter (by value) when nothing changes.
 *
 * - On: the type's name is appended (groups and "all" stay as they are).
 * - Off, listed by name: the name is removed.
 * - Off, on via "all": the filter becomes the explicit list of every catalog type but this one.
 * - Off, on via groups: each group entry that includes the type is replaced by the group's other
 *   types (those not already listed); other entries stay. The hook then no longer follows those
 *   groups: a type added to them later is not included.
 *
 * The result can be empty (the last type turned off); the caller decides whether to allow that.
 */
export function toggleEvent(
  filter: EventFilter,
  type: EventType,
  enabled: boolean,
  types: readonly EventType[],
): EventFilter {
  const on = matchingEntry(filter, type) !== null;
  if (on === enabled) return filter;
  if (enabled) return [...(filter as string[]), type.name];
  if (filter === 'all') return types.filter((other) => other.name !== type.name).map((other) => other.name);

  const expanded = new Set(type.groups.map((group) => `group:${group}`));
  const kept = filter.filter((entry) => entry.startsWith('group:') && !expanded.has(entry));
  const result: string[] = [];
  const push = (member: EventType) => {
    // Listed by name already, or still on through a group entry that stays: nothing to add.
    if (member.name === type.name || result.includes(member.name) || filter.includes(member.name)) return;
    if (member.groups.some((group) => kept.includes(`group:${group}`))) return;
    result.push(member.name);
  };
  for (const entry of filter) {
    if (entry === type.name) continue;
    if (!expanded.has(entry)) {
      result.push(entry);
      continue;
    }
    const group = entry.slice('group:'.length);
    for (const member of types) if (member.groups.includes(group)) push(member);
  }
  return result;
}
