import type { EventType } from '../catalog/event-type.ts';
import type { MemberRow } from '../store/member-repository.ts';
import type { Role } from '../store/schema.ts';

/** The group finance members receive and owners may turn off for themselves. */
export const BILLING_GROUP = 'billing';

/**
 * Which event groups each role receives (product.md section 2): owners every group; admins
 * and developers every group but billing; finance members only billing.
 */
export function roleReceivesGroup(role: Role, group: string): boolean {
  switch (role) {
    case 'owner':
      return true;
    case 'admin':
    case 'developer':
      return group !== BILLING_GROUP;
    case 'finance':
      return group === BILLING_GROUP;
  }
}

/** A role receives a type when any of the type's groups is open to it. */
export function roleReceivesType(role: Role, type: EventType): boolean {
  return type.groups.some((group) => roleReceivesGroup(role, group));
}

/** Whether the member receives billing events (their role opens billing and they did not opt out). */
export function receivesBilling(member: Pick<MemberRow, 'role' | 'billing_opt_out'>): boolean {
  return roleReceivesGroup(member.role, BILLING_GROUP) && !member.billing_opt_out;
}

/**
 * Owners' billing opt-outs hold only while someone else still receives billing (a finance member
 * or an owner who did not opt out). The API refuses an opt-out that would leave nobody; if
 * members leave later, the opted-out owners receive billing again rather than nobody.
 */
export function billingOptOutHonoured(members: readonly Pick<MemberRow, 'role' | 'billing_opt_out'>[]): boolean {
  return members.some(receivesBilling);
}

/**
 * Null when the member's role (and billing opt-out) lets them receive the type; otherwise the
 * rule that stops it, as the trace shows it.
 */
export function roleGate(
  member: Pick<MemberRow, 'user_id' | 'role' | 'billing_opt_out'>,
  type: EventType,
  honoursOptOut: boolean,
): string | null {
  const open = type.groups.filter((group) => roleReceivesGroup(member.role, group));
  if (open.length === 0) return `role ${member.role} does not receive group ${type.groups.join(' or ')}`;
  const optedOut = member.billing_opt_out && honoursOptOut;
  if (optedOut && open.every((group) => group === BILLING_GROUP)) {
    return `${member.user_id} turned billing off (owner opt-out)`;
  }
  return null;
}
