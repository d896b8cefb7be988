import { PERSONAL_CHANNELS, type EventType } from '../catalog/event-type.ts';
import type { HookRecord } from '../store/hook-repository.ts';
import type { MemberRow } from '../store/member-repository.ts';
import type { PushTargetSummary } from '../store/push-target-repository.ts';
import { describeCell, PreferenceMatrix } from './preference-matrix.ts';
import { billingOptOutHonoured, roleGate } from './role-rules.ts';

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
  /** An e-mail address, or the id of a member's push target (iOS device, Web Push subscription). */
  readonly address: string | null;
  /** The rule that decided, in words ("hook "Ops" matches group:deployment"). */
  readonly reason: string;
}

/** One line of the "why" trace: a hook or recipient, and what was decided for it. */
export interface TraceEntry {
  /** The hook considered; null for a member's personal preference. */
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
  /**
   * Members whose `browser` preference is on for the event and whom the role gate lets through:
   * the event goes to their inbox (GET /v1/me/notifications), whether or not they have a device.
   */
  readonly inbox: string[];
}

export interface RoutingContext {
  /** Every hook of the organization, enabled or not (disabled ones show up in the trace). */
  readonly hooks: readonly HookRecord[];
  readonly members: readonly MemberRow[];
  /** Each member's preference matrix, by user id; a member without one has only defaults. */
  readonly preferences: ReadonlyMap<string, PreferenceMatrix>;
  /**
   * Each member's registered iOS devices and Web Push subscriptions, by user id. A push channel
   * delivers once per target (its id is the delivery's address), so a `gone` removes exactly it.
   */
  readonly pushTargets?: ReadonlyMap<string, readonly PushTargetSummary[]>;
}

/** How the trace names a member's push targets, by personal channel. */
const PUSH_TARGET_WORDS: Readonly<Record<string, string>> = {
  ios: 'iOS device',
  browser: 'Web Push subscription',
};

const NO_PREFERENCES = new PreferenceMatrix();

/**
 * Decides who gets an event. Pure: the same inputs give the same deliveries and trace, and the
 * deliveries are exactly the trace's `deliver` entries (one decision, no second explainer).
 * docs/routing.md states these rules in the order applied here.
 */
export function routeEvent(event: RoutableEvent, type: EventType, context: RoutingContext): RoutingResult {
  const trace: TraceEntry[] = [];
  const deliveries: PlannedDelivery[] = [];
  const inbox: string[] = [];
  // One message per person and channel: the first rule that reaches an address wins.
  const emailOwners = new Map<string, string>();
  const honoursOptOut = billingOptOutHonoured(context.members);
  const matrixOf = (member: MemberRow) => context.preferences.get(member.user_id) ?? NO_PREFERENCES;

  // 1. The organization's hooks. (No closure per hook: an organization may have 10,000 of
  // them, and under tsx each named closure also costs a `__name` call.)
  for (const hook of context.hooks) {
    if (!hook.enabled) {
      skipHook(
        trace,
        hook,
        `hook "${hook.name}" is disabled${hook.disabled_reason ? ` (${hook.disabled_reason})` : ''}`,
      );
      continue;
    }
    const filterMatch = matchEventFilter(hook, type);
    if (filterMatch === null) {
      skipHook(trace, hook, `hook "${hook.name}" event filter does not include ${type.name}`);
      continue;
    }
    const scopeMismatch = scopeExcludes(hook, event);
    if (scopeMismatch !== null) {
      skipHook(trace, hook, `hook "${hook.name}" scope excludes ${scopeMismatch}`);
      continue;
    }
    const because = `hook "${hook.name}" matches ${filterMatch}`;
    if (hook.kind !== 'email') {
      deliver({ channel: hook.kind, hookId: hook.id, userId: null, address: null, reason: because });
      continue;
    }
    const entriesBefore = trace.length;
    const skipRecipient = (rule: string, userId: string | null, address: string) =>
      trace.push({ hookId: hook.id, userId, address, channel: 'email', decision: 'skip', rule });
    for (const recipient of hookRecipients(hook)) {
      if (recipient.member !== undefined) {
        const { member } = recipient;
        const gate = roleGate(member, type, honoursOptOut);
        if (gate !== null) {
          skipRecipient(gate, member.user_id, member.email);
          continue;
        }
        // A member's explicit "off" wins over a hook addressed to members (section 3, rule 9).
        const own = matrixOf(member).explicit(type.name, 'email', event.applicationId);
        if (own !== undefined && !own.enabled) {
          skipRecipient(
            `${member.user_id} turned e-mail off for ${type.name} (${describeCell(own)})`,
            member.user_id,
            member.email,
          );
          continue;
        }
      }
      const userId = recipient.member?.user_id ?? null;
      const first = emailOwners.get(recipient.address.toLowerCase());
      if (first !== undefined) {
        skipRecipient(`deduplicated with ${first}`, userId, recipient.address);
        continue;
      }
      emailOwners.set(recipient.address.toLowerCase(), `hook "${hook.name}"`);
      deliver({
        channel: 'email',
        hookId: hook.id,
        userId,
        address: recipient.address,
        reason: `${because}, to ${recipient.why}`,
      });
    }
    if (trace.length === entriesBefore) skipHook(trace, hook, `${because}, but it has nobody to write to`);
  }

  // 2. Each member's personal channels.
  for (const member of context.members) {
    for (const channel of PERSONAL_CHANNELS) {
      const skip = (rule: string) =>
        trace.push({
          hookId: null,
          userId: member.user_id,
          address: channel === 'email' ? member.email : null,
          channel,
          decision: 'skip',
          rule,
        });
      const gate = roleGate(member, type, honoursOptOut);
      if (gate !== null) {
        skip(gate);
        continue;
      }
      const cell = matrixOf(member).resolve(type, channel, event.applicationId);
      if (!cell.enabled) {
        skip(`${member.user_id}'s ${channel} preference: ${describeCell(cell)}`);
        continue;
      }
      const because = `${member.user_id}'s ${channel} preference: ${describeCell(cell)}`;
      // The inbox shows what the browser cell lets through, whether or not a device is registered.
      if (channel === 'browser') inbox.push(member.user_id);
      if (channel !== 'email') {
        const words = PUSH_TARGET_WORDS[channel] ?? `${channel} target`;
        const targets = (context.pushTargets?.get(member.user_id) ?? []).filter((t) => t.channel === channel);
        if (targets.length === 0) skip(`${because}, but ${member.user_id} has no ${words} registered`);
        for (const target of targets) {
          deliver({
            channel,
            hookId: null,
            userId: member.user_id,
            address: target.id,
            reason: `${because}, to ${words} ${target.label ?? target.id}`,
          });
        }
        continue;
      }
      const first = emailOwners.get(member.email.toLowerCase());
      if (first !== undefined) {
        skip(`deduplicated with ${first}`);
        continue;
      }
      emailOwners.set(member.email.toLowerCase(), `${member.user_id}'s personal e-mail`);
      deliver({ channel, hookId: null, userId: member.user_id, address: member.email, reason: because });
    }
  }
  return { deliveries, trace, inbox };

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

  /** Who an e-mail hook writes to; members addressed by role are skipped in the trace here. */
  function hookRecipients(hook: HookRecord): EmailRecipient[] {
    const to = hook.settings['to'];
    if (Array.isArray(to)) {
      return to.map((address) => ({ address: String(address), why: 'a listed address' }));
    }
    const recipients: EmailRecipient[] = [];
    for (const member of context.members) {
      if (to === 'owners' && member.role !== 'owner') {
        trace.push({
          hookId: hook.id,
          userId: member.user_id,
          address: member.email,
          channel: 'email',
          decision: 'skip',
          rule: `hook "${hook.name}" is addressed to owners; ${member.user_id} is ${member.role}`,
        });
        continue;
      }
      recipients.push({
        address: member.email,
        member,
        why: `${to === 'owners' ? 'owner' : 'member'} ${member.user_id}`,
      });
    }
    return recipients;
  }
}

interface EmailRecipient {
  readonly address: string;
  /** The member behind the address, for hooks addressed to owners or members. */
  readonly member?: MemberRow;
  readonly why: string;
}

/** A trace line for a hook routing passed over. */
function skipHook(trace: TraceEntry[], hook: HookRecord, rule: string): void {
  trace.push({ hookId: hook.id, userId: null, address: null, channel: hook.kind, decision: 'skip', rule });
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
