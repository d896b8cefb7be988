import { useRoute } from 'preact-iso';
import { Loading } from '../components/status.tsx';
import { PreferenceMatrix, type Group, type Matrix } from '../components/preference-matrix.tsx';
import { MemberPicker, useMemberParam } from '../components/member-picker.tsx';
import { enc } from '../lib/api.ts';
import { useApi } from '../lib/use-api.ts';

/**
 * Account notifications: for every event type, which of the member's personal channels it
 * reaches. Applications can override it (their own pages, linked below).
 */
export function AccountNotificationsPage() {
  const { params } = useRoute();
  const org = params['org']!;
  const member = useMemberParam(org);
  const base = member === null ? null : `/v1/organizations/${enc(org)}/members/${enc(member)}/preferences`;
  const matrix = useApi<Matrix>(base);
  const groups = useApi<{ data: Group[] }>('/v1/event-groups');
  const applications = useApi<{ data: { id: string; name: string }[] }>(
    `/v1/organizations/${enc(org)}/applications?limit=200`,
  );

  return (
    <main>
      <h1>Account notifications</h1>
      <p class="lede">
        Choose, for each event, how it reaches you. Click an icon to turn that channel on or off; it is saved at once.
        Dimmed icons marked “default” are what you get until you choose.
      </p>
      <MemberPicker org={org} />
      {matrix.data === undefined || groups.data === undefined || base === null ? (
        <Loading error={matrix.error ?? groups.error} />
      ) : (
        <PreferenceMatrix
          matrix={matrix.data}
          groups={groups.data.data}
          basePath={base}
          onChange={(next) => matrix.set(next)}
        />
      )}
      {applications.data !== undefined && applications.data.data.length > 0 && (
        <section class="applications">
          <h2>Per application</h2>
          <p>An application can have its own settings, which win over these for its events.</p>
          <ul>
            {applications.data.data.map((app) => (
              <li key={app.id}>
                <a
                  href={`/organizations/${enc(org)}/applications/${enc(app.id)}/notifications${member === null ? '' : `?member=${enc(member)}`}`}
                >
                  {app.name}
                </a>
              </li>
            ))}
          </ul>
        </section>
      )}
    </main>
  );
}
