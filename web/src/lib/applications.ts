import { enc } from './api.ts';
import { useApi, type Loaded } from './use-api.ts';

/** An application (a "stack") as `GET /v1/organizations/{org}/applications` lists it. */
export interface Application {
  readonly id: string;
  readonly name: string;
}

/**
 * The organization's applications, one page of up to 200 (the API's largest): enough for the
 * switchers and pickers of the dashboard.
 */
export function useApplications(org: string): Loaded<{ data: Application[] }> {
  return useApi<{ data: Application[] }>(`/v1/organizations/${enc(org)}/applications?limit=200`);
}

/** The dashboard path of one application's notifications, for the member whose page this is. */
export function applicationNotificationsPath(org: string, app: string, member: string | null): string {
  const path = `/organizations/${enc(org)}/applications/${enc(app)}/notifications`;
  return member === null ? path : `${path}?member=${enc(member)}`;
}
