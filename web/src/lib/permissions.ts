// Which roles may do what: the API's own table (src/access/permissions.ts, bundled in), so the
// dashboard hides exactly what the API would refuse and can say why. The API still checks
// every call.
import { PERMISSIONS } from '../../../src/access/permissions.ts';

export type Permission = keyof typeof PERMISSIONS;

/** Whether a role (`roleIn(session, org)`; "operator" for the platform) has a permission. */
export function can(role: string | null, permission: Permission): boolean {
  if (role === 'operator') return true;
  return role !== null && (PERMISSIONS[permission].roles as readonly string[]).includes(role);
}

const PLURALS: Record<string, string> = { finance: 'finance members' };

/** The roles that have a permission, in words: "owners, admins and finance members". */
export function rolesWith(permission: Permission): string {
  const names = PERMISSIONS[permission].roles.map((role) => PLURALS[role] ?? `${role}s`);
  return names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]!}`;
}
