import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ClarionError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import { roleReceivesType } from '../../routing/role-rules.ts';
import type { MemberRow } from '../../store/member-repository.ts';
import { requireOrganization, type RouteDeps } from '../route-deps.ts';
import { ErrorBody, Id, isoTime, PageQuery, pageOf, pageRequest, Timestamp } from '../schemas.ts';

const Role = Type.Union([
  Type.Literal('owner'),
  Type.Literal('admin'),
  Type.Literal('developer'),
  Type.Literal('finance'),
]);
const Email = Type.String({ format: 'email', maxLength: 320 });
const Member = Type.Object({
  user_id: Type.String(),
  organization: Type.String(),
  email: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  role: Role,
  created_at: Timestamp,
  updated_at: Timestamp,
});
const OrgParams = Type.Object({ org: Type.String() });
const MemberParams = Type.Object({ org: Type.String(), user: Type.String() });

function serializeMember(row: MemberRow) {
  return {
    user_id: row.user_id,
    organization: row.organization_id,
    email: row.email,
    name: row.name,
    role: row.role,
    created_at: isoTime(row.created_at),
    updated_at: isoTime(row.updated_at),
  };
}

/** Members of an organization: a user (shared across organizations) and a role. */
export const memberRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { store, clock, catalog }) => {
  app.post(
    '/v1/organizations/:org/members',
    {
      config: { access: 'members.add-finance' },
      schema: {
        tags: ['members'],
        summary:
          'Add a member (creates the user, or updates its e-mail and name); owners and admins may add finance members',
        params: OrgParams,
        body: Type.Object(
          {
            user_id: Type.Optional(Id),
            email: Email,
            name: Type.Optional(Type.String({ maxLength: 200 })),
            role: Role,
          },
          { additionalProperties: false },
        ),
        response: { 201: Member, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const { org } = request.params;
      await requireOrganization(store, org);
      // Owners and admins may add finance members by e-mail; other roles are the platform's call.
      const byMember = request.principal.kind === 'member';
      if (byMember) {
        if (request.body.role !== 'finance') {
          throw new ClarionError('CLARION_ERR_FORBIDDEN_MEMBER_ROLE', request.body.role);
        }
        // A member names the person by e-mail only, and cannot change an existing user's details.
        if (request.body.user_id !== undefined) {
          throw new ClarionError(
            'CLARION_ERR_REQUEST_INVALID',
            'Members add a finance member by e-mail address only; leave "user_id" out.',
          );
        }
      }
      // Named by e-mail alone (always by a member, by the platform when it leaves the id out):
      // the person may already be a user elsewhere, and stays one user.
      const existingUser =
        request.body.user_id === undefined ? await store.members.userByEmail(request.body.email) : undefined;
      const now = clock.now();
      const row: MemberRow = {
        organization_id: org,
        user_id: existingUser?.id ?? request.body.user_id ?? newId('usr'),
        email: request.body.email,
        name: existingUser && byMember ? existingUser.name : (request.body.name ?? existingUser?.name ?? null),
        role: request.body.role,
        billing_opt_out: false,
        created_at: now,
        updated_at: now,
      };
      if (!(await store.members.add(row))) throw new ClarionError('CLARION_ERR_MEMBER_EXISTS', row.user_id, org);
      return reply.status(201).send(serializeMember(row));
    },
  );

  app.get(
    '/v1/organizations/:org/members',
    {
      config: { access: 'members.read' },
      schema: {
        tags: ['members'],
        summary: 'List members',
        params: OrgParams,
        querystring: PageQuery,
        response: { 200: pageOf(Member), 404: ErrorBody },
      },
    },
    async (request) => {
      await requireOrganization(store, request.params.org);
      const page = await store.members.list(request.params.org, pageRequest(request.query));
      return { data: page.data.map(serializeMember), next_cursor: page.next_cursor };
    },
  );

  app.get(
    '/v1/organizations/:org/members/:user',
    {
      config: { access: 'members.read' },
      schema: {
        tags: ['members'],
        summary: 'Get a member',
        params: MemberParams,
        response: { 200: Member, 404: ErrorBody },
      },
    },
    async (request) => {
      const { org, user } = request.params;
      await requireOrganization(store, org);
      const row = await store.members.get(org, user);
      if (!row) throw new ClarionError('CLARION_ERR_MEMBER_NOT_FOUND', user, org);
      return serializeMember(row);
    },
  );

  app.patch(
    '/v1/organizations/:org/members/:user',
    {
      schema: {
        tags: ['members'],
        summary:
          "Change a member's role, e-mail or name; deliveries queued for types the new role does not receive are cancelled",
        params: MemberParams,
        body: Type.Object(
          {
            email: Type.Optional(Email),
            name: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
            role: Type.Optional(Role),
          },
          { additionalProperties: false },
        ),
        response: { 200: Member, 404: ErrorBody },
      },
    },
    async (request) => {
      const { org, user } = request.params;
      await requireOrganization(store, org);
      const { role } = request.body;
      const typesOutOfReach =
        role === undefined
          ? []
          : catalog
              .listTypes()
              .filter((type) => !roleReceivesType(role, type))
              .map((type) => type.name);
      const row = await store.members.update(org, user, request.body, clock.now(), typesOutOfReach);
      if (!row) throw new ClarionError('CLARION_ERR_MEMBER_NOT_FOUND', user, org);
      return serializeMember(row);
    },
  );

  app.delete(
    '/v1/organizations/:org/members/:user',
    {
      schema: {
        tags: ['members'],
        summary: 'Remove a member; their queued deliveries are cancelled',
        params: MemberParams,
        response: { 204: Type.Null(), 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const { org, user } = request.params;
      await requireOrganization(store, org);
      if (!(await store.members.remove(org, user, clock.now())))
        throw new ClarionError('CLARION_ERR_MEMBER_NOT_FOUND', user, org);
      return reply.status(204).send(null);
    },
  );
};
