import type { Access } from '../access/permissions.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route (src/access/permissions.ts); `platform` when absent. */
    access?: Access;
    /**
     * The stream routes also accept a short-lived stream token as `?token=` (EventSource cannot
     * send headers), of this scope only: never a member token or the platform key in a URL.
     */
    streamToken?: 'organization' | 'inbox';
  }
}
