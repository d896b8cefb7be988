import type { EventType } from '../catalog/event-type.ts';
import type { Role } from '../store/schema.ts';

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
      return group !== 'billing';
    case 'finance':
      return group === 'billing';
  }
}

/** A role receives a type when any of the type's groups is open to it. */
export function roleReceivesType(role: Role, type: EventType): boolean {
  return type.groups.some((group) => roleReceivesGroup(role, group));
}
