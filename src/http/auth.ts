import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ClarionError } from '../errors.ts';
import { keyMatches } from '../security/platform-key.ts';

/** Who is calling. Members (issue "who gets what") will add `{ kind: 'member', userId }`. */
export type Principal = { readonly kind: 'platform' };

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
}

/** Paths anyone may read: health checks, the API description and its docs (metrics need the key). */
const PUBLIC_PREFIXES = ['/healthz', '/readyz', '/openapi.json', '/docs'];

/** Every route requires `Authorization: Bearer <platform key>`, except the public ones. */
export function installAuth(app: FastifyInstance, platformKeyHash: Buffer): void {
  app.decorateRequest('principal', null as unknown as Principal);
  app.addHook('onRequest', (request, _reply, done) => {
    if (isPublic(request)) return done();
    const header = request.headers.authorization;
    if (header === undefined || !/^Bearer\s+\S+/i.test(header))
      return done(new ClarionError('CLARION_ERR_AUTH_MISSING'));
    const key = header.replace(/^Bearer\s+/i, '').trim();
    if (!keyMatches(key, platformKeyHash)) return done(new ClarionError('CLARION_ERR_AUTH_INVALID'));
    request.principal = { kind: 'platform' };
    done();
  });
}

function isPublic(request: FastifyRequest): boolean {
  const path = request.url.split('?')[0] ?? '';
  return PUBLIC_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}
