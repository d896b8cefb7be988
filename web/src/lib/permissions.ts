// Which roles may do what, as the API decides it (src/access/permissions.ts). The dashboard only
// uses it to hide what the API would refuse and to say why; the API still checks every call.

const ROLES = {
  'hooks.read': ['owner', 'admin', 'developer'],
  'hooks.write': ['owner', 'admin'],
} as const;

export type Permission = keyof typeof ROLES;

/** Whether a role (`roleIn(session, org)`; "operator" for the platform) has a permission. */
export function can(role: string | null, permission: Permission): boolean {
  if (role === 'operator') return true;
  return role !== null && (ROLES[permission] as readonly string[]).includes(role);
}

/** The roles that have a permission, in words: "owners and admins". */
export function rolesWith(permission: Permission): string {
  const names = ROLES[permission].map((role) => `${role}s`);
  return names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]!}`;
}
