import type { Access } from '../access/permissions.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route (src/access/permissions.ts); `platform` when absent. */
    access?: Access;
  }
}
