import type { Role } from '../store/schema.ts';

/**
 * What a member may do in their organization, by role (issue "who gets what", point 3). The
 * platform key may do everything; a member of another organization is told the organization
 * does not exist.
 */
export const PERMISSIONS = {
  /** See the organization itself, its applications and add-ons. */
  'organization.read': ['owner', 'admin', 'developer', 'finance'],
  /** List the organization's members. */
  'members.read': ['owner', 'admin', 'developer'],
  /** Add a finance member by e-mail address (the only role a member may add). */
  'members.add-finance': ['owner', 'admin'],
  'hooks.read': ['owner', 'admin', 'developer'],
  'hooks.write': ['owner', 'admin'],
  /** Events, their deliveries and attempts, and why they went where. */
  'events.read': ['owner', 'admin', 'developer'],
  /** Re-send deliveries. */
  'deliveries.write': ['owner', 'admin'],
  /** Who receives billing events, and the owners' opt-out. */
  'billing.read': ['owner', 'admin', 'finance'],
  'billing.write': ['owner', 'finance'],
  /** Export, import and copy settings (hooks and every member's preferences). */
  'settings.write': ['owner', 'admin'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export function roleHas(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(role);
}

/**
 * Who may call a route, declared in its `config.access`:
 * - `public`: anyone, without credentials (exchanging a login link for a session);
 * - `platform`: the platform key only (the default for a route that declares nothing);
 * - `authenticated`: any valid credentials (the catalog);
 * - `self`: the platform, or the member named by the route's `:user` (`me` names the caller),
 *   who must belong to `:org` when the route has one;
 * - a permission: the platform, or a member of `:org` whose role has it.
 */
export type Access = 'public' | 'platform' | 'authenticated' | 'self' | Permission;
