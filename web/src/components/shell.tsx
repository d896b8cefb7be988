import type { ComponentChildren } from 'preact';
import { useLocation } from 'preact-iso';
import { enc } from '../lib/api.ts';
import { signOut, useSession } from '../lib/session.ts';
import { NotificationBell } from './notification-bell.tsx';

/** The organization in the URL (`/organizations/{org}/...`), if any. */
function organizationOf(path: string): string | undefined {
  const match = /^\/organizations\/([^/]+)/.exec(path);
  return match === null ? undefined : decodeURIComponent(match[1]!);
}

const SECTIONS = [
  { path: 'notifications', label: 'Notifications' },
  { path: 'hooks', label: 'Hooks' },
  { path: 'deliveries', label: 'Delivery log' },
  { path: 'finance', label: 'Finance' },
] as const;

/**
 * The frame of every signed-in page: the organization switcher (it keeps the section you are
 * in), the sections of the organization, and who is signed in with a way out.
 */
export function Shell({ children }: { children: ComponentChildren }) {
  const session = useSession();
  const location = useLocation();
  const org = organizationOf(location.path) ?? session.organizations[0]?.id;
  const section = /^\/organizations\/[^/]+\/([^/]+)/.exec(location.path)?.[1] ?? 'notifications';

  return (
    <div class="shell">
      <header class="topbar">
        <a class="brand" href="/">
          Clarion
        </a>
        {session.organizations.length > 0 && (
          <label class="org-switcher">
            <span class="visually-hidden">Organization</span>
            <select
              value={org}
              onChange={(event) => {
                const next = (event.target as HTMLSelectElement).value;
                const keep = SECTIONS.some((s) => s.path === section) ? section : 'notifications';
                location.route(`/organizations/${enc(next)}/${keep}`);
              }}
            >
              {session.organizations.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.name}
                </option>
              ))}
            </select>
          </label>
        )}
        {org !== undefined && (
          <nav aria-label="Sections">
            {SECTIONS.map((s) => (
              <a
                key={s.path}
                href={`/organizations/${enc(org)}/${s.path}`}
                aria-current={organizationOf(location.path) !== undefined && section === s.path ? 'page' : undefined}
              >
                {s.label}
              </a>
            ))}
          </nav>
        )}
        <div class="who">
          <NotificationBell org={org} />
          <span>{session.kind === 'operator' ? 'Platform operator' : session.email}</span>
          <button
            type="button"
            class="link"
            onClick={() =>
              void signOut().finally(() => {
                window.location.assign('/login');
              })
            }
          >
            Sign out
          </button>
        </div>
      </header>
      {children}
    </div>
  );
}
