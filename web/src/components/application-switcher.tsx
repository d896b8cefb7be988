import { useLocation } from 'preact-iso';
import { applicationNotificationsPath, type Application } from '../lib/applications.ts';

/** Moves to another application's notifications, for the same member. */
export function ApplicationSwitcher({
  org,
  current,
  applications,
  member,
}: {
  org: string;
  current: string;
  applications: Application[];
  /** The member an operator chose (kept in the URL); null for a member's own page. */
  member: string | null;
}) {
  const location = useLocation();
  return (
    <label class="application-switcher">
      Application{' '}
      <select
        value={current}
        onChange={(event) =>
          location.route(applicationNotificationsPath(org, (event.target as HTMLSelectElement).value, member))
        }
      >
        {applications.map((app) => (
          <option key={app.id} value={app.id}>
            {app.name}
          </option>
        ))}
      </select>
    </label>
  );
}
