import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ApplicationSettings, OrganizationSettings } from '../../settings/settings-document.ts';
import { SettingsService } from '../../settings/settings-service.ts';
import { requireOrganization, type RouteDeps } from '../route-deps.ts';
import { ErrorBody } from '../schemas.ts';

const OrgParams = Type.Object({ org: Type.String() });
const AppParams = Type.Object({ org: Type.String(), app: Type.String() });
const DryRunQuery = Type.Object({
  dry_run: Type.Optional(Type.Boolean({ default: false, description: 'Only show what would change' })),
});

const CellView = Type.Object({
  application: Type.Union([Type.String(), Type.Null()]),
  event_type: Type.String(),
  channel: Type.String(),
  enabled: Type.Boolean(),
});
const ImportResult = Type.Object({
  dry_run: Type.Boolean(),
  hooks: Type.Array(
    Type.Object({
      name: Type.String(),
      action: Type.Union(
        [
          Type.Literal('create'),
          Type.Literal('update'),
          Type.Literal('replace'),
          Type.Literal('delete'),
          Type.Literal('unchanged'),
        ],
        {
          description: 'replace: the kind changed, so the hook is deleted and created again',
        },
      ),
      changed: Type.Optional(Type.Array(Type.String(), { description: 'The fields an update changes' })),
    }),
  ),
  preferences: Type.Array(
    Type.Object({ user: Type.String(), set: Type.Array(CellView), cleared: Type.Array(CellView) }),
    { description: 'Members whose cells change; cleared cells inherit again' },
  ),
  skipped: Type.Array(Type.Object({ user: Type.String(), reason: Type.String() })),
  secrets: Type.Record(Type.String(), Type.String(), {
    description: 'Signing secrets of the webhooks this import created, by hook name (shown this once)',
  }),
});
const CopyRequest = Type.Object(
  {
    to: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 100 }),
    dry_run: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false },
);
const CopyResult = Type.Object({
  dry_run: Type.Boolean(),
  data: Type.Array(Type.Object({ application: Type.String(), result: ImportResult })),
});

/** Settings as code: export, import (with a dry run) and copy an organization's or application's settings. */
export const settingsRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, deps) => {
  const { store, catalog, clock, hooks, hookSettings } = deps;
  const settings = new SettingsService({ store, catalog, clock, hooks, codec: hookSettings });

  app.get(
    '/v1/organizations/:org/settings',
    {
      config: { access: 'settings.write' },
      schema: {
        tags: ['settings'],
        summary: "Export the organization's hooks and members' preferences (secrets redacted)",
        params: OrgParams,
        response: { 200: OrganizationSettings, 404: ErrorBody },
      },
    },
    async (request) => {
      await requireOrganization(store, request.params.org);
      return settings.exportOrganization(request.params.org);
    },
  );

  app.put(
    '/v1/organizations/:org/settings',
    {
      config: { access: 'settings.write' },
      schema: {
        tags: ['settings'],
        summary:
          "Import settings: the hooks and listed members' cells become the document's; ?dry_run=true shows the plan",
        params: OrgParams,
        querystring: DryRunQuery,
        body: OrganizationSettings,
        response: { 200: ImportResult, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      await requireOrganization(store, request.params.org);
      return settings.importOrganization(request.params.org, request.body, request.query.dry_run ?? false);
    },
  );

  app.get(
    '/v1/organizations/:org/applications/:app/settings',
    {
      config: { access: 'settings.write' },
      schema: {
        tags: ['settings'],
        summary: "Export an application's settings: the hooks scoped to it alone and members' cells for it",
        params: AppParams,
        response: { 200: ApplicationSettings, 404: ErrorBody },
      },
    },
    async (request) => {
      await requireOrganization(store, request.params.org);
      return settings.exportApplication(request.params.org, request.params.app);
    },
  );

  app.put(
    '/v1/organizations/:org/applications/:app/settings',
    {
      config: { access: 'settings.write' },
      schema: {
        tags: ['settings'],
        summary: "Import an application's settings; ?dry_run=true shows the plan",
        params: AppParams,
        querystring: DryRunQuery,
        body: ApplicationSettings,
        response: { 200: ImportResult, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const { org, app: application } = request.params;
      await requireOrganization(store, org);
      return settings.importApplication(org, application, request.body, request.query.dry_run ?? false);
    },
  );

  app.post(
    '/v1/organizations/:org/applications/:app/settings/copy',
    {
      config: { access: 'settings.write' },
      schema: {
        tags: ['settings'],
        summary: "Copy this application's settings onto other applications (secrets copied, never shown)",
        params: AppParams,
        body: CopyRequest,
        response: { 200: CopyResult, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const { org, app: application } = request.params;
      await requireOrganization(store, org);
      const dryRun = request.body.dry_run ?? false;
      return { dry_run: dryRun, data: await settings.copyApplication(org, application, request.body.to, dryRun) };
    },
  );
};
