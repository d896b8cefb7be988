import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ClarionError, type ErrorCode } from '../../errors.ts';
import { newId } from '../../ids.ts';
import type { AddonRow, ApplicationRow } from '../../store/organization-repository.ts';
import { requireOrganization, type RouteDeps } from '../route-deps.ts';
import { ErrorBody, Id, isoTime, PageQuery, pageOf, pageRequest, Timestamp } from '../schemas.ts';

const Application = Type.Object({
  id: Type.String(),
  organization: Type.String(),
  name: Type.String(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
const Addon = Type.Object({
  id: Type.String(),
  organization: Type.String(),
  name: Type.String(),
  application: Type.Union([Type.String(), Type.Null()]),
  created_at: Timestamp,
  updated_at: Timestamp,
});
const OrgParams = Type.Object({ org: Type.String() });
const ItemParams = Type.Object({ org: Type.String(), id: Type.String() });
const Name = Type.String({ minLength: 1, maxLength: 200 });

function serializeApplication(row: ApplicationRow) {
  return {
    id: row.id,
    organization: row.organization_id,
    name: row.name,
    created_at: isoTime(row.created_at),
    updated_at: isoTime(row.updated_at),
  };
}

function serializeAddon(row: AddonRow) {
  return { ...serializeApplication(row), application: row.application_id };
}

/** Applications (Cloud 66 "stacks") and add-ons: the resources events are about. */
export const resourceRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { store, clock }) => {
  const notFound = (code: ErrorCode, id: string, org: string) => new ClarionError(code, id, org);

  // Applications
  app.post(
    '/v1/organizations/:org/applications',
    {
      schema: {
        tags: ['applications'],
        summary: 'Register an application',
        params: OrgParams,
        body: Type.Object({ id: Type.Optional(Id), name: Name }, { additionalProperties: false }),
        response: { 201: Application, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const { org } = request.params;
      await requireOrganization(store, org);
      const now = clock.now();
      const row: ApplicationRow = {
        organization_id: org,
        id: request.body.id ?? newId('app'),
        name: request.body.name,
        created_at: now,
        updated_at: now,
      };
      if (!(await store.organizations.createResource('applications', row)))
        throw new ClarionError('CLARION_ERR_APPLICATION_EXISTS', row.id, org);
      return reply.status(201).send(serializeApplication(row));
    },
  );
  app.get(
    '/v1/organizations/:org/applications',
    {
      config: { access: 'organization.read' },
      schema: {
        tags: ['applications'],
        summary: 'List applications',
        params: OrgParams,
        querystring: PageQuery,
        response: { 200: pageOf(Application), 404: ErrorBody },
      },
    },
    async (request) => {
      await requireOrganization(store, request.params.org);
      const page = await store.organizations.listApplications(request.params.org, pageRequest(request.query));
      return { data: page.data.map(serializeApplication), next_cursor: page.next_cursor };
    },
  );
  app.get(
    '/v1/organizations/:org/applications/:id',
    {
      config: { access: 'organization.read' },
      schema: {
        tags: ['applications'],
        summary: 'Get an application',
        params: ItemParams,
        response: { 200: Application, 404: ErrorBody },
      },
    },
    async (request) => {
      const { org, id } = request.params;
      await requireOrganization(store, org);
      const row = await store.organizations.getApplication(org, id);
      if (!row) throw notFound('CLARION_ERR_APPLICATION_NOT_FOUND', id, org);
      return serializeApplication(row);
    },
  );
  app.patch(
    '/v1/organizations/:org/applications/:id',
    {
      schema: {
        tags: ['applications'],
        summary: 'Rename an application',
        params: ItemParams,
        body: Type.Object({ name: Name }, { additionalProperties: false }),
        response: { 200: Application, 404: ErrorBody },
      },
    },
    async (request) => {
      const { org, id } = request.params;
      await requireOrganization(store, org);
      const row = await store.organizations.updateApplication(org, id, request.body, clock.now());
      if (!row) throw notFound('CLARION_ERR_APPLICATION_NOT_FOUND', id, org);
      return serializeApplication(row);
    },
  );
  app.delete(
    '/v1/organizations/:org/applications/:id',
    {
      schema: {
        tags: ['applications'],
        summary: 'Delete an application (its past events stay in the log)',
        params: ItemParams,
        response: { 204: Type.Null(), 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const { org, id } = request.params;
      await requireOrganization(store, org);
      if (!(await store.organizations.deleteResource('applications', org, id)))
        throw notFound('CLARION_ERR_APPLICATION_NOT_FOUND', id, org);
      return reply.status(204).send(null);
    },
  );

  // Add-ons
  app.post(
    '/v1/organizations/:org/addons',
    {
      schema: {
        tags: ['addons'],
        summary: 'Register an add-on',
        params: OrgParams,
        body: Type.Object(
          { id: Type.Optional(Id), name: Name, application: Type.Optional(Type.String()) },
          { additionalProperties: false },
        ),
        response: { 201: Addon, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
      },
    },
    async (request, reply) => {
      const { org } = request.params;
      await requireOrganization(store, org);
      await requireApplication(org, request.body.application);
      const now = clock.now();
      const row: AddonRow = {
        organization_id: org,
        id: request.body.id ?? newId('addon'),
        name: request.body.name,
        application_id: request.body.application ?? null,
        created_at: now,
        updated_at: now,
      };
      if (!(await store.organizations.createResource('addons', row)))
        throw new ClarionError('CLARION_ERR_ADDON_EXISTS', row.id, org);
      return reply.status(201).send(serializeAddon(row));
    },
  );
  app.get(
    '/v1/organizations/:org/addons',
    {
      config: { access: 'organization.read' },
      schema: {
        tags: ['addons'],
        summary: 'List add-ons',
        params: OrgParams,
        querystring: PageQuery,
        response: { 200: pageOf(Addon), 404: ErrorBody },
      },
    },
    async (request) => {
      await requireOrganization(store, request.params.org);
      const page = await store.organizations.listAddons(request.params.org, pageRequest(request.query));
      return { data: page.data.map(serializeAddon), next_cursor: page.next_cursor };
    },
  );
  app.get(
    '/v1/organizations/:org/addons/:id',
    {
      config: { access: 'organization.read' },
      schema: {
        tags: ['addons'],
        summary: 'Get an add-on',
        params: ItemParams,
        response: { 200: Addon, 404: ErrorBody },
      },
    },
    async (request) => {
      const { org, id } = request.params;
      await requireOrganization(store, org);
      const row = await store.organizations.getAddon(org, id);
      if (!row) throw notFound('CLARION_ERR_ADDON_NOT_FOUND', id, org);
      return serializeAddon(row);
    },
  );
  app.patch(
    '/v1/organizations/:org/addons/:id',
    {
      schema: {
        tags: ['addons'],
        summary: 'Rename an add-on or attach it to another application',
        params: ItemParams,
        body: Type.Object(
          { name: Type.Optional(Name), application: Type.Optional(Type.Union([Type.String(), Type.Null()])) },
          { additionalProperties: false },
        ),
        response: { 200: Addon, 404: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const { org, id } = request.params;
      await requireOrganization(store, org);
      await requireApplication(org, request.body.application ?? undefined);
      const row = await store.organizations.updateAddon(
        org,
        id,
        {
          ...(request.body.name !== undefined ? { name: request.body.name } : {}),
          ...(request.body.application !== undefined ? { application_id: request.body.application } : {}),
        },
        clock.now(),
      );
      if (!row) throw notFound('CLARION_ERR_ADDON_NOT_FOUND', id, org);
      return serializeAddon(row);
    },
  );
  app.delete(
    '/v1/organizations/:org/addons/:id',
    {
      schema: {
        tags: ['addons'],
        summary: 'Delete an add-on',
        params: ItemParams,
        response: { 204: Type.Null(), 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const { org, id } = request.params;
      await requireOrganization(store, org);
      if (!(await store.organizations.deleteResource('addons', org, id)))
        throw notFound('CLARION_ERR_ADDON_NOT_FOUND', id, org);
      return reply.status(204).send(null);
    },
  );

  async function requireApplication(org: string, application: string | undefined): Promise<void> {
    if (application === undefined) return;
    if (!(await store.organizations.getApplication(org, application))) {
      throw new ClarionError('CLARION_ERR_ADDON_UNKNOWN_APPLICATION', application);
    }
  }
};
