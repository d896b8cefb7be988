import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { SESSION_COOKIE } from '../auth.ts';
import { OPERATOR_USER_ID } from '../../access/credentials.ts';
import { ClarionError } from '../../errors.ts';
import type { UserTokenRow } from '../../store/credential-repository.ts';
import type { RouteDeps } from '../route-deps.ts';
import { ErrorBody, isoTime, missingBodyIsEmpty, Timestamp } from '../schemas.ts';

const UserParams = Type.Object({ user: Type.String() });
const TokenParams = Type.Object({ user: Type.String(), token: Type.String() });
const LinkBody = Type.Object(
  {
    next: Type.Optional(
      Type.String({
        maxLength: 500,
        pattern: '^/(?!/)',
        description: 'The dashboard path to open once signed in, e.g. /organizations/acme/hooks',
      }),
    ),
  },
  { additionalProperties: false },
);
const LinkAnswer = Type.Object({ url: Type.String(), token: Type.String(), expires_at: Timestamp });
const Token = Type.Object({
  id: Type.String(),
  user_id: Type.String(),
  name: Type.String(),
  created_at: Timestamp,
  last_used_at: Type.Union([Timestamp, Type.Null()]),
});
const Role = Type.Union([
  Type.Literal('owner'),
  Type.Literal('admin'),
  Type.Literal('developer'),
  Type.Literal('finance'),
]);

function serializeToken(row: UserTokenRow) {
  return {
    id: row.id,
    user_id: row.user_id,
    name: row.name,
    created_at: isoTime(row.created_at),
    last_used_at: row.last_used_at === null ? null : isoTime(row.last_used_at),
  };
}

/**
 * Members' credentials: the platform mints personal API tokens and one-time login links; a login
 * link opens a dashboard session (an HttpOnly cookie). Members list and revoke their own tokens.
 */
export const credentialRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (
  app,
  { credentials, store, clock, secureCookies },
) => {
  app.post(
    '/v1/users/:user/tokens',
    {
      schema: {
        tags: ['credentials'],
        summary: "Mint a member's personal API token (shown once, in this answer)",
        params: UserParams,
        body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
        response: { 201: Type.Intersect([Token, Type.Object({ token: Type.String() })]), 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const { row, token } = await credentials.mintToken(request.params.user, request.body.name);
      return reply.status(201).send({ ...serializeToken(row), token });
    },
  );

  app.get(
    '/v1/users/:user/tokens',
    {
      config: { access: 'self' },
      schema: {
        tags: ['credentials'],
        summary: "A member's personal API tokens (never the secrets); `me` names the caller",
        params: UserParams,
        response: { 200: Type.Object({ data: Type.Array(Token) }) },
      },
    },
    async (request) => ({ data: (await store.credentials.listTokens(request.params.user)).map(serializeToken) }),
  );

  app.delete(
    '/v1/users/:user/tokens/:token',
    {
      config: { access: 'self' },
      schema: {
        tags: ['credentials'],
        summary: 'Revoke a personal API token',
        params: TokenParams,
        response: { 204: Type.Null(), 404: ErrorBody },
      },
    },
    async (request, reply) => {
      if (!(await store.credentials.revokeToken(request.params.user, request.params.token))) {
        throw new ClarionError('CLARION_ERR_TOKEN_NOT_FOUND', request.params.token);
      }
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/v1/users/:user/login-links',
    {
      preValidation: missingBodyIsEmpty,
      schema: {
        tags: ['credentials'],
        summary: 'Mint a one-time login link (15 minutes) that opens a dashboard session',
        params: UserParams,
        body: LinkBody,
        response: { 201: LinkAnswer, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const link = await credentials.mintLoginLink(request.params.user, request.body.next);
      return reply.status(201).send({ url: link.url, token: link.token, expires_at: isoTime(link.expiresAt) });
    },
  );

  app.post(
    '/v1/operator-login-links',
    {
      preValidation: missingBodyIsEmpty,
      schema: {
        tags: ['credentials'],
        summary: "Mint a one-time login link that opens the dashboard as the platform (an operator's session, 8 hours)",
        description:
          'The session acts with the platform key: every organization, every member. Send ' +
          '`{"next": "/organizations/acme/notifications"}` to open one organization.',
        body: LinkBody,
        response: { 201: LinkAnswer, 400: ErrorBody },
      },
    },
    async (request, reply) => {
      const link = await credentials.mintOperatorLink(request.body.next);
      return reply.status(201).send({ url: link.url, token: link.token, expires_at: isoTime(link.expiresAt) });
    },
  );

  app.post(
    '/v1/sessions',
    {
      config: { access: 'public' },
      schema: {
        tags: ['credentials'],
        summary: 'Exchange a login link token for a session cookie (works once, before the link expires)',
        security: [],
        body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
        response: {
          201: Type.Object({
            user_id: Type.Union([Type.String(), Type.Null()], { description: "null for an operator's session" }),
            operator: Type.Boolean(),
            expires_at: Timestamp,
          }),
          401: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const session = await credentials.openSession(request.body.token);
      return reply
        .setCookie(SESSION_COOKIE, session.session, {
          path: '/',
          httpOnly: true,
          // Lax keeps the cookie off cross-site POSTs, the requests that change things.
          sameSite: 'lax',
          secure: secureCookies,
          // Max-Age, not Expires: a browser whose clock is off still keeps the session its length.
          maxAge: Math.floor((session.expiresAt - clock.now()) / 1000),
        })
        .status(201)
        .send({
          user_id: session.userId === OPERATOR_USER_ID ? null : session.userId,
          operator: session.userId === OPERATOR_USER_ID,
          expires_at: isoTime(session.expiresAt),
        });
    },
  );

  app.delete(
    '/v1/sessions/current',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['credentials'],
        summary: 'Sign out: end the session of the cookie sent',
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      const session = request.cookies[SESSION_COOKIE];
      if (session !== undefined) await credentials.endSession(session);
      return reply.clearCookie(SESSION_COOKIE, { path: '/' }).status(204).send(null);
    },
  );

  app.get(
    '/v1/me',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['credentials'],
        summary: 'The calling member and their organizations',
        response: {
          200: Type.Object({
            user_id: Type.String(),
            email: Type.String(),
            name: Type.Union([Type.String(), Type.Null()]),
            organizations: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), role: Role })),
          }),
          403: ErrorBody,
        },
      },
    },
    async (request) => {
      if (request.principal.kind !== 'member') throw new ClarionError('CLARION_ERR_FORBIDDEN_NOT_MEMBER');
      const me = await store.members.userWithOrganizations(request.principal.userId);
      if (!me) throw new ClarionError('CLARION_ERR_USER_NOT_FOUND', request.principal.userId);
      return { user_id: me.id, email: me.email, name: me.name, organizations: me.organizations };
    },
  );
};
