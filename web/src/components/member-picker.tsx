import { useLocation } from 'preact-iso';
import { enc } from '../lib/api.ts';
import { useSession } from '../lib/session.ts';
import { useApi } from '../lib/use-api.ts';

/**
 * Whose preferences a page shows: a member always sees their own; a platform operator picks a
 * member (`?member=`), the first one until they do. Null while the operator's list loads.
 */
export function useMemberParam(org: string): string | null {
  const session = useSession();
  const location = useLocation();
  const members = useApi<{ data: { user_id: string }[] }>(
    session.kind === 'operator' ? `/v1/organizations/${enc(org)}/members?limit=200` : null,
  );
  if (session.kind === 'member') return session.userId;
  return location.query['member'] ?? members.data?.data[0]?.user_id ?? null;
}

/** For operators only: the member whose settings the page shows. */
export function MemberPicker({ org }: { org: string }) {
  const session = useSession();
  const location = useLocation();
  const members = useApi<{ data: { user_id: string; email: string; role: string }[] }>(
    session.kind === 'operator' ? `/v1/organizations/${enc(org)}/members?limit=200` : null,
  );
  const current = useMemberParam(org);
  if (session.kind !== 'operator' || members.data === undefined) return null;
  return (
    <label class="member-picker">
      Member{' '}
      <select
        value={current ?? ''}
        onChange={(event) => {
          const member = (event.target as HTMLSelectElement).value;
          location.route(`${location.path}?member=${enc(member)}`);
        }}
      >
        {members.data.data.map((m) => (
          <option key={m.user_id} value={m.user_id}>
            {m.email} ({m.role})
          </option>
        ))}
      </select>
    </label>
  );
}
