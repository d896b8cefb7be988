import { useEffect } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { useSession } from '../lib/session.ts';

/** `/`: straight to the notifications of the first organization, or a word when there is none. */
export function HomePage() {
  const session = useSession();
  const location = useLocation();
  const first = session.organizations[0];
  useEffect(() => {
    if (first !== undefined) location.route(`/organizations/${encodeURIComponent(first.id)}/notifications`, true);
  }, [first?.id]);
  if (first !== undefined) return null;
  return (
    <main>
      <h1>No organization yet</h1>
      <p>
        {session.kind === 'operator'
          ? 'There are no organizations on this Clarion yet.'
          : 'You are not a member of any organization. Ask an owner of yours to add you.'}
      </p>
    </main>
  );
}
