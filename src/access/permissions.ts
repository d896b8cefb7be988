import type { Role } from '../store/schema.ts';

/**
 * What a member may do in their organization, by role, and the words a refusal uses (issue "who gets what", point 3). The
 * platform key may do everything; a member of another organization is told the organization
 * does not exist.
 */
export const PERMISSIONS = {
  'organization.read': {
    roles: ['owner', 'admin', 'developer', 'finance'],
    action: 'read the organization, its applications and add-ons',
  },
  'members.read': { roles: ['owner', 'admin', 'developer'], action: 'list the members' },
  /** Add a finance member by e-mail address (the only role a member may add). */
  'members.add-finance': { roles: ['owner', 'admin'], action: 'add members' },
  'hooks.read': { roles: ['owner', 'admin', 'developer'], action: 'read hooks' },
  'hooks.write': { roles: ['owner', 'admin'], action: 'change hooks' },
  /** Events, their deliveries and attempts, and why they went where. */
  'events.read': { roles: ['owner', 'admin', 'developer'], action: 'read events and deliveries' },
  'deliveries.write': { roles: ['owner', 'admin'], action: 're-send deliveries' },
  /** Who receives billing events, and the owners' opt-out. */
  'billing.read': { roles: ['owner', 'admin', 'finance'], action: 'read billing settings' },
  'billing.write': { roles: ['owner', 'finance'], action: 'change billing settings' },
  /** Export, import and copy settings (hooks and every member's preferences). */
  'settings.write': { roles: ['owner', 'admin'], action: "export, import or copy the organization's settings" },
} as const satisfies Record<string, { readonly roles: readonly Role[]; readonly action: string }>;

export type Permission = keyof typeof PERMISSIONS;

export function roleHas(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[permission].roles as readonly Role[]).includes(role);
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
