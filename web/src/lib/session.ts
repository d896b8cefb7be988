import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { api, ApiError, query, type Page } from './api.ts';

export interface Organization {
  readonly id: string;
  readonly name: string;
  /** The member's role; null for a platform operator, who sees every organization. */
  readonly role: string | null;
}

/** Who is signed in: a member (their organizations) or a platform operator (all of them). */
export type Session =
  | {
      readonly kind: 'member';
      readonly userId: string;
      readonly email: string;
      readonly name: string | null;
      readonly organizations: Organization[];
    }
  | { readonly kind: 'operator'; readonly organizations: Organization[] };

/** Reads who the cookie belongs to; null when nobody is signed in. */
export async function loadSession(): Promise<Session | null> {
  try {
    const me = await api<{ user_id: string; email: string; name: string | null; organizations: Organization[] }>(
      'GET',
      '/v1/me',
    );
    return { kind: 'member', userId: me.user_id, email: me.email, name: me.name, organizations: me.organizations };
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.status === 401) return null;
    // The platform is not a member: /v1/me refuses it, and every organization is its own.
    if (error.code !== 'CLARION_ERR_FORBIDDEN_NOT_MEMBER') throw error;
    const organizations: Organization[] = [];
    let cursor: string | null = null;
    do {
      const page: Page<{ id: string; name: string }> = await api<Page<{ id: string; name: string }>>(
        'GET',
        `/v1/organizations${query({ limit: 100, cursor })}`,
      );
      for (const org of page.data) organizations.push({ id: org.id, name: org.name, role: null });
      cursor = page.next_cursor;
    } while (cursor !== null);
    return { kind: 'operator', organizations };
  }
}

export const SessionContext = createContext<Session | null>(null);

/** The signed-in session; pages below the shell always have one. */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === null) throw new Error('useSession outside a signed-in page');
  return session;
}

/** The role the session has in an organization: operators may do everything. */
export function roleIn(session: Session, org: string): string | null {
  if (session.kind === 'operator') return 'operator';
  return session.organizations.find((o) => o.id === org)?.role ?? null;
}

const signingOut = new Set<() => Promise<void>>();

/**
 * Runs `cleanup` when the member signs out, while the session still works (browser notifications
 * remove this browser's push subscription, so a shared computer gets no more of theirs).
 */
export function beforeSigningOut(cleanup: () => Promise<void>): () => void {
  signingOut.add(cleanup);
  return () => signingOut.delete(cleanup);
}

export async function signOut(): Promise<void> {
  await Promise.allSettled([...signingOut].map((cleanup) => cleanup()));
  await api('DELETE', '/v1/sessions/current');
}
