import { can, rolesWith } from './permissions.ts';

/** `GET /v1/organizations/{org}/billing`: owners and finance members, and whether billing reaches each. */
export interface Billing {
  readonly organization: string;
  readonly recipients: BillingRecipient[];
}

export interface BillingRecipient {
  readonly user_id: string;
  readonly email: string;
  readonly role: string;
  /** Whether billing events reach this member now. */
  readonly receives: boolean;
  /** An owner who turned billing off (it holds only while someone else receives billing). */
  readonly opted_out: boolean;
}

/**
 * The e-mail check of the API (ajv-formats' "email", which `POST .../members` applies), so the form
 * refuses as you type exactly what the API would refuse on submit.
 */
const EMAIL =
  /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/i;

/** What is wrong with an e-mail address as typed, or null when the API will take it. */
export function emailProblem(value: string): string | null {
  const email = value.trim();
  if (email === '') return 'Enter the finance member’s e-mail address.';
  if (email.length > 320) return 'An e-mail address has at most 320 characters.';
  if (!email.includes('@')) return 'An e-mail address needs an “@”, as in name@example.com.';
  if (!EMAIL.test(email)) return 'This is not an e-mail address: write it as name@example.com.';
  return null;
}

/**
 * What the signed-in session may do on the finance page, as the API decides it
 * (src/access/permissions.ts: `billing.read`, `members.add-finance`, `billing.write`, and the
 * billing route's "an owner for themselves"). The controls follow it so nobody clicks into a 403;
 * each refusal comes with the sentence the page shows.
 */
export interface FinanceAbilities {
  /** Null when billing may be read, else why not. */
  readonly readRefusal: string | null;
  /** Null when a finance member may be added, else why not. */
  readonly addRefusal: string | null;
  /** Null when this owner's billing may be switched, else why not. */
  switchRefusal(owner: BillingRecipient): string | null;
}

export function financeAbilities(role: string | null, self: string | null): FinanceAbilities {
  const operator = role === 'operator';
  return {
    readRefusal: can(role, 'billing.read')
      ? null
      : `Billing settings are for ${rolesWith('billing.read')}; your role here is ${role ?? 'unknown'}.`,
    addRefusal: can(role, 'members.add-finance')
      ? null
      : `Only ${rolesWith('members.add-finance')} can add finance members; ask one of the owners below.`,
    switchRefusal(owner) {
      if (operator || role === 'finance') return null;
      if (role === 'owner') {
        return owner.user_id === self ? null : `Only ${owner.email} (or a finance member) can change this for them.`;
      }
      return 'Admins see who receives billing events; owners change it for themselves, finance members for any owner.';
    },
  };
}
