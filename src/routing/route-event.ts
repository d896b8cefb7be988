import type { EventType } from '../catalog/event-type.ts';
import type { HookRecord } from '../store/hook-repository.ts';
import type { MemberRow } from '../store/member-repository.ts';
import { roleReceivesType } from './role-rules.ts';

/** The parts of an event routing looks at. */
export interface RoutableEvent {
  readonly type: string;
  readonly applicationId: string | null;
  readonly addonId: string | null;
}

/** A delivery routing decided to create. */
export interface PlannedDelivery {
  readonly channel: string;
  readonly hookId: string | null;
  readonly userId: string | null;
  readonly address: string | null;
  /** The rule that decided, in words ("hook "Ops" matches group:deployment"). */
  readonly reason: string;
}

/** One line of the "why" trace: a hook or recipient, and what was decided for it. */
export interface TraceEntry {
  readonly hookId: string | null;
  readonly userId: string | null;
  readonly address: string | null;
  readonly channel: string;
  readonly decision: 'deliver' | 'skip';
  readonly rule: string;
}

export interface RoutingResult {
  readonly deliveries: PlannedDelivery[];
  readonly trace: TraceEntry[];
}

export interface RoutingContext {
  /** Every hook of the organization, enabled or not (disabled ones show up in the trace). */
  readonly hooks: readonly HookRecord[];
  readonly members: readonly MemberRow[];
}

/**
 * Decides who gets an event. Pure: the same inputs give the same deliveries and trace, and the
 * deliveries are exactly the trace's `deliver` entries (one decision, no second explainer).
 * docs/routing.md states these rules in the order applied here.
 */
export function routeEvent(event: RoutableEvent, type: EventType, context: RoutingContext): RoutingResult {
  const trace: TraceEntry[] = [];
  const deliveries: PlannedDelivery[] = [];
  // One message per person and channel: the first rule that reaches an address wins.
  const emailOwners = new Map<string, string>();

  for (const hook of context.hooks) {
    const skip = (rule: string) =>
      trace.push({ hookId: hook.id, userId: null, address: null, channel: hook.kind, decision: 'skip', rule });
    if (!hook.enabled) {
      skip(`hook "${hook.name}" is disabled${hook.disabled_reason ? ` (${hook.disabled_reason})` : ''}`);
      continue;
    }
    const filterMatch = matchEventFilter(hook, type);
    if (filterMatch === null) {
      skip(`hook "${hook.name}" event filter does not include ${type.name}`);
      continue;
    }
    const scopeMismatch = scopeExcludes(hook, event);
    if (scopeMismatch !== null) {
      skip(`hook "${hook.name}" scope excludes ${scopeMismatch}`);
      continue;
    }
    const because = `hook "${hook.name}" matches ${filterMatch}`;
    if (hook.kind !== 'email') {
      deliver({ channel: hook.kind, hookId: hook.id, userId: null, address: null, reason: because });
      continue;
    }
    for (const recipient of emailRecipients(hook, type, context.members, (rule, userId, address) =>
      trace.push({ hookId: hook.id, userId, address, channel: 'email', decision: 'skip', rule }),
    )) {
      const key = recipient.address.toLowerCase();
      const first = emailOwners.get(key);
      if (first !== undefined) {
        trace.push({
          hookId: hook.id,
          userId: recipient.userId,
          address: recipient.address,
          channel: 'email',
          decision: 'skip',
          rule: `deduplicated with ${first}`,
        });
        continue;
      }
      emailOwners.set(key, `hook "${hook.name}"`);
      deliver({
        channel: 'email',
        hookId: hook.id,
        userId: recipient.userId,
        address: recipient.address,
        reason: `${because}, to ${recipient.why}`,
      });
    }
  }
  return { deliveries, trace };

  function deliver(delivery: PlannedDelivery): void {
    deliveries.push(delivery);
    trace.push({
      hookId: delivery.hookId,
      userId: delivery.userId,
      address: delivery.address,
      channel: delivery.channel,
      decision: 'deliver',
      rule: delivery.reason,
    });
  }
}

/** The filter entry that matches the type ("all", the name, or "group:<g>"), or null. */
function matchEventFilter(hook: HookRecord, type: EventType): string | null {
  if (hook.events === 'all') return 'all events';
  if (hook.events.includes(type.name)) return type.name;
  const group = type.groups.find((name) => (hook.events as string[]).includes(`group:${name}`));
  return group === undefined ? null : `group:${group}`;
}

/**
 * A hook with no application or add-on list covers everything, account events included; a
 * hook with a list covers only events of the listed applications and add-ons.
 */
function scopeExcludes(hook: HookRecord, event: RoutableEvent): string | null {
  if (hook.applications === null && hook.addons === null) return null;
  if (event.applicationId !== null && hook.applications?.includes(event.applicationId)) return null;
  if (event.addonId !== null && hook.addons?.includes(event.addonId)) return null;
  if (event.addonId !== null) return `add-on ${event.addonId}`;
  if (event.applicationId !== null) return `application ${event.applicationId}`;
  return 'account events (it is scoped to listed applications)';
}

interface EmailRecipient {
  address: string;
  userId: string | null;
  why: string;
}

function emailRecipients(
  hook: HookRecord,
  type: EventType,
  members: readonly MemberRow[],
  skip: (rule: string, userId: string | null, address: string | null) => void,
): EmailRecipient[] {
  const to = hook.settings['to'];
  if (Array.isArray(to)) {
    return to.map((address) => ({ address: String(address), userId: null, why: 'a listed address' }));
  }
  const recipients: EmailRecipient[] = [];
  for (const member of members) {
    if (to === 'owners' && member.role !== 'owner') {
      skip(
        `hook "${hook.name}" is addressed to owners; ${member.user_id} is ${member.role}`,
        member.user_id,
        member.email,
      );
      continue;
    }
    if (!roleReceivesType(member.role, type)) {
      skip(`role ${member.role} does not receive group ${type.groups.join(' or ')}`, member.user_id, member.email);
      continue;
    }
    recipients.push({
      address: member.email,
      userId: member.user_id,
      why: `${to === 'owners' ? 'owner' : 'member'} ${member.user_id}`,
    });
  }
  return recipients;
}
