import { useRoute } from 'preact-iso';
import { Loading } from '../components/status.tsx';
import { enc } from '../lib/api.ts';
import { applicationNotificationsPath, useApplications } from '../lib/applications.ts';
import { useSession } from '../lib/session.ts';

/** Applications: every application of the organization, each a way to its notification settings. */
export function ApplicationsPage() {
  const { params, query } = useRoute();
  const org = params['org']!;
  const session = useSession();
  const applications = useApplications(org);
  // An operator arriving from a member's page keeps that member.
  const member = session.kind === 'operator' ? (query['member'] ?? null) : null;

  return (
    <main class="applications-page">
      <h1>Applications</h1>
      <p class="lede">
        Each application can have its own notification settings, which win over the{' '}
        <a href={`/organizations/${enc(org)}/notifications${member === null ? '' : `?member=${enc(member)}`}`}>
          account notifications
        </a>{' '}
        for its events.
      </p>
      {applications.data === undefined ? (
        <Loading error={applications.error} />
      ) : applications.data.data.length === 0 ? (
        <p>This organization has no applications yet.</p>
      ) : (
        <ul class="application-list">
          {applications.data.data.map((app) => (
            <li key={app.id}>
              <a href={applicationNotificationsPath(org, app.id, member)}>{app.name}</a>{' '}
              <span class="hint-inline">{app.id}</span>
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}
