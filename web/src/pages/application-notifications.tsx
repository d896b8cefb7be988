import { useRoute } from 'preact-iso';
import { ApplicationSwitcher } from '../components/application-switcher.tsx';
import { CopyToApplications } from '../components/copy-to-applications.tsx';
import { MatrixLegend } from '../components/matrix-legend.tsx';
import { MemberPicker, useMemberParam } from '../components/member-picker.tsx';
import { PreferenceMatrix, type Group, type Matrix } from '../components/preference-matrix.tsx';
import { ResetToAccount } from '../components/reset-to-account.tsx';
import { Loading } from '../components/status.tsx';
import { enc } from '../lib/api.ts';
import { explicitCells } from '../lib/application-cells.ts';
import { useApplications } from '../lib/applications.ts';
import { useSession } from '../lib/session.ts';
import { useApi } from '../lib/use-api.ts';

/**
 * Application notifications: the member's matrix for one application's events. A cell set here
 * overrides the account's for this application only; the others are inherited and say from
 * where. From here a member resets the application to the account, or copies its settings to
 * other applications.
 */
export function ApplicationNotificationsPage() {
  const { params } = useRoute();
  const org = params['org']!;
  const app = params['app']!;
  const session = useSession();
  const member = useMemberParam(org);
  const base =
    member === null
      ? null
      : `/v1/organizations/${enc(org)}/members/${enc(member)}/applications/${enc(app)}/preferences`;
  const matrix = useApi<Matrix>(base);
  const groups = useApi<{ data: Group[] }>('/v1/event-groups');
  const applications = useApplications(org);
  const application = applications.data?.data.find((a) => a.id === app) ?? { id: app, name: app };
  // Operators keep the member they chose when they move between pages.
  const memberQuery = session.kind === 'operator' && member !== null ? `?member=${enc(member)}` : '';

  return (
    <main class="application-notifications">
      <p class="breadcrumb">
        <a href={`/organizations/${enc(org)}/notifications${memberQuery}`}>Account notifications</a> ›{' '}
        <a href={`/organizations/${enc(org)}/applications${memberQuery}`}>Applications</a> › {application.name}
      </p>
      <h1>Application notifications: {application.name}</h1>
      <p class="lede">
        Choose how {application.name}’s events reach you. A setting made here overrides the account setting for this
        application only; cells you leave alone follow the account. Click an icon to turn it on or off: it is saved at
        once.
      </p>
      <div class="page-tools">
        {applications.data !== undefined && applications.data.data.length > 1 && (
          <ApplicationSwitcher
            org={org}
            current={app}
            applications={applications.data.data}
            member={session.kind === 'operator' ? member : null}
          />
        )}
        <MemberPicker org={org} />
      </div>
      {matrix.data === undefined || groups.data === undefined || base === null || member === null ? (
        <Loading error={matrix.error ?? groups.error} />
      ) : (
        // Keyed by member and application: the confirmation and copy choices belong to one matrix.
        <div key={base}>
          <MatrixLegend overrides={explicitCells(matrix.data).length} />
          <ResetToAccount
            matrix={matrix.data}
            basePath={base}
            applicationName={application.name}
            onChange={(next) => matrix.set(next)}
          />
          <PreferenceMatrix
            matrix={matrix.data}
            groups={groups.data.data}
            basePath={base}
            onChange={(next) => matrix.set(next)}
          />
          {applications.data !== undefined && (
            <CopyToApplications
              org={org}
              member={member}
              source={application}
              applications={applications.data.data}
              matrix={matrix.data}
            />
          )}
        </div>
      )}
    </main>
  );
}
