import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ClarionError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import type { OrganizationRow } from '../../store/organization-repository.ts';
import type { RouteDeps } from '../route-deps.ts';
import { ErrorBody, Id, isoTime, PageQuery, pageOf, pageRequest, Timestamp } from '../schemas.ts';

const Organization = Type.Object({
  id: Type.String(),
  name: Type.String(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
const OrgParams = Type.Object({ org: Type.String() });

export function serializeOrganization(row: OrganizationRow) {
  return { id: row.id, name: row.name, created_at: isoTime(row.created_at), updated_at: isoTime(row.updated_at) };
}

/** Organizations: what the platform registers first. */
export const organizationRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { store, clock, hooks }) => {
  app.post(
    '/v1/organizations',
    {
      schema: {
        tags: ['organizations'],
        summary: 'Register an organization (it starts with the default deployment result e-mail hook)',
        body: Type.Object(
          { id: Type.Optional(Id), name: Type.String({ minLength: 1, maxLength: 200 }) },
          { additionalProperties: false },
        ),
        response: { 201: Organization, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const now = clock.now();
      const row: OrganizationRow = {
        id: request.body.id ?? newId('org'),
        name: request.body.name,
        created_at: now,
        updated_at: now,
      };
      const created = await store.db.transaction().execute(async (trx) => {
        if (!(await store.organizations.create(row, trx))) return false;
        await store.hooks.create(hooks.defaultHook(row.id, now), trx);
        return true;
      });
      if (!created) throw new ClarionError('CLARION_ERR_ORGANIZATION_EXISTS', row.id);
      return reply.status(201).send(serializeOrganization(row));
    },
  );

  app.get(
    '/v1/organizations',
    {
      schema: {
        tags: ['organizations'],
        summary: 'List organizations',
        querystring: PageQuery,
        response: { 200: pageOf(Organization) },
      },
    },
    async (request) => {
      const page = await store.organizations.list(pageRequest(request.query));
      return { data: page.data.map(serializeOrganization), next_cursor: page.next_cursor };
    },
  );

  app.get(
    '/v1/organizations/:org',
    {
      config: { access: 'organization.read' },
      schema: {
        tags: ['organizations'],
        summary: 'Get an organization',
        params: OrgParams,
        response: { 200: Organization, 404: ErrorBody },
      },
    },
    async (request) => serializeOrganization(await requireOrganization(request.params.org)),
  );

  app.patch(
    '/v1/organizations/:org',
    {
      schema: {
        tags: ['organizations'],
        summary: 'Rename an organization',
        params: OrgParams,
        body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
        response: { 200: Organization, 404: ErrorBody },
      },
    },
    async (request) => {
      const row = await store.organizations.update(request.params.org, request.body, clock.now());
      if (!row) throw new ClarionError('CLARION_ERR_ORGANIZATION_NOT_FOUND', request.params.org);
      return serializeOrganization(row);
    },
  );

  app.delete(
    '/v1/organizations/:org',
    {
      schema: {
        tags: ['organizations'],
        summary: 'Delete an organization with everything it owns (members, hooks, events, deliveries)',
        params: OrgParams,
        response: { 204: Type.Null(), 404: ErrorBody },
      },
    },
    async (request, reply) => {
      if (!(await store.organizations.delete(request.params.org))) {
        throw new ClarionError('CLARION_ERR_ORGANIZATION_NOT_FOUND', request.params.org);
      }
      return reply.status(204).send(null);
    },
  );

  async function requireOrganization(id: string): Promise<OrganizationRow> {
    const row = await store.organizations.get(id);
    if (!row) throw new ClarionError('CLARION_ERR_ORGANIZATION_NOT_FOUND', id);
    return row;
  }
};
