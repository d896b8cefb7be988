import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PERMISSIONS, roleHas, type Access } from '../access/permissions.ts';
import { MEMBER_TOKEN_PREFIX, OPERATOR_USER_ID, type Credentials } from '../access/credentials.ts';
import { ClarionError } from '../errors.ts';
import { PlatformKeyVerifier } from '../security/platform-key.ts';
import type { Role } from '../store/schema.ts';
import type { MemberRepository } from '../store/member-repository.ts';
import type { StreamTokens } from '../stream/stream-token.ts';
import './access-config.ts';

/** Who is calling: the platform (its key), or a member (their token or dashboard session). */
export type Principal =
  | { readonly kind: 'platform' }
  | { readonly kind: 'member'; readonly userId: string; readonly via: 'token' | 'session' | 'stream-token' };

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
    /** The member's role in the route's organization, once authorization looked it up. */
    memberRole: Role | null;
  }
}

/** The cookie a login link's session travels in (HttpOnly; set by POST /v1/sessions). */
export const SESSION_COOKIE = 'clarion_session';

/** Paths anyone may read: health checks, the API description and its docs (metrics need the key). */
const PUBLIC_PREFIXES = ['/healthz', '/readyz', '/openapi.json', '/docs'];

/**
 * Authenticates every request (platform key, member token or session cookie), then checks the
 * route's `config.access` against the caller. Both run in onRequest, before the body is parsed,
 * so a caller without access learns nothing from validation errors. A member of another
 * organization is told the organization does not exist.
 */
export function installAuth(
  app: FastifyInstance,
  deps: { platformKeyHash: Buffer; credentials: Credentials; members: MemberRepository; streamTokens: StreamTokens },
): void {
  const authenticators = {
    platformKey: new PlatformKeyVerifier(deps.platformKeyHash),
    credentials: deps.credentials,
    streamTokens: deps.streamTokens,
  };
  // Set by the onRequest hook below before any handler runs.
  app.decorateRequest('principal', null as never);
  app.decorateRequest('memberRole', null);
  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config.access ?? 'platform';
    if (access === 'public' || isPublicPath(request)) return;
    request.principal = await authenticate(request, authenticators);
    request.memberRole = await authorize(request, access, deps.members);
  });
}

async function authenticate(
  request: FastifyRequest,
  deps: { platformKey: PlatformKeyVerifier; credentials: Credentials; streamTokens: StreamTokens },
): Promise<Principal> {
  const header = request.headers.authorization;
  if (header !== undefined) {
    if (!/^Bearer\s+\S+/i.test(header)) throw new ClarionError('CLARION_ERR_AUTH_MISSING');
    const key = header.replace(/^Bearer\s+/i, '').trim();
    if (key.startsWith(MEMBER_TOKEN_PREFIX)) {
      const userId = await deps.credentials.userOfToken(key);
      if (userId === undefined) throw new ClarionError('CLARION_ERR_AUTH_INVALID');
      return { kind: 'member', userId, via: 'token' };
    }
    if (!deps.platformKey.matches(key)) throw new ClarionError('CLARION_ERR_AUTH_INVALID');
    return { kind: 'platform' };
  }
  const streamToken = (request.query as Record<string, unknown> | undefined)?.['token'];
  const tokenScope = request.routeOptions.config.streamToken;
  if (tokenScope !== undefined && typeof streamToken === 'string') {
    return streamTokenPrincipal(request, streamToken, tokenScope, deps.streamTokens);
  }
  const session = request.cookies[SESSION_COOKIE];
  if (session === undefined) throw new ClarionError('CLARION_ERR_AUTH_MISSING');
  const userId = await deps.credentials.userOfSession(session);
  if (userId === undefined) throw new ClarionError('CLARION_ERR_SESSION_INVALID');
  return userId === OPERATOR_USER_ID ? { kind: 'platform' } : { kind: 'member', userId, via: 'session' };
}

/** The caller a stream token stands for, when it is valid and opens this very stream. */
function streamTokenPrincipal(
  request: FastifyRequest,
  token: string,
  scope: 'organization' | 'inbox',
  tokens: StreamTokens,
): Principal {
  const grant = tokens.verify(token);
  const org = (request.params as Record<string, string | undefined>)['org'];
  const fits =
    grant !== undefined &&
    (scope === 'inbox'
      ? grant.scope.kind === 'inbox'
      : grant.scope.kind === 'organization' && grant.scope.organization === org);
  if (!fits) throw new ClarionError('CLARION_ERR_STREAM_TOKEN_INVALID');
  return grant.userId === null ? { kind: 'platform' } : { kind: 'member', userId: grant.userId, via: 'stream-token' };
}

async function authorize(request: FastifyRequest, access: Access, members: MemberRepository) {
  const { principal } = request;
  if (principal.kind === 'platform' || access === 'authenticated' || access === 'public') return null;
  if (access === 'platform') {
    throw new ClarionError('CLARION_ERR_FORBIDDEN_PLATFORM_ONLY', `call ${request.method} ${request.routeOptions.url}`);
  }
  const params = request.params as Record<string, string | undefined>;
  const org = params['org'];
  let role: Role | null = null;
  if (org !== undefined) {
    role = (await members.roleIn(org, principal.userId)) ?? null;
    if (role === null) throw new ClarionError('CLARION_ERR_ORGANIZATION_NOT_FOUND', org);
  }
  if (access === 'self') {
    if (params['user'] === 'me') params['user'] = principal.userId;
    if (params['user'] !== principal.userId) {
      throw new ClarionError('CLARION_ERR_FORBIDDEN_OTHER_MEMBER', params['user'] ?? '');
    }
    return role;
  }
  if (role === null) throw new Error(`route ${request.routeOptions.url} declares ${access} but has no :org`);
  if (!roleHas(role, access)) {
    throw new ClarionError('CLARION_ERR_FORBIDDEN_ROLE', role, org ?? '', PERMISSIONS[access].action);
  }
  return role;
}

function isPublicPath(request: FastifyRequest): boolean {
  const path = request.url.split('?')[0] ?? '';
  return PUBLIC_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}
