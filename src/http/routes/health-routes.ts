import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { sql } from 'kysely';
import type { RouteDeps } from '../route-deps.ts';

/** Liveness, readiness (the store answers and we are not shutting down), and Prometheus metrics. */
export const healthRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { store, metrics, isReady }) => {
  const Status = Type.Object({ status: Type.String() });
  app.get(
    '/healthz',
    { schema: { tags: ['health'], summary: 'The process is up', response: { 200: Status } } },
    () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    { schema: { tags: ['health'], summary: 'Ready to take traffic', response: { 200: Status, 503: Status } } },
    async (_request, reply) => {
      if (!isReady()) return reply.status(503).send({ status: 'not ready' });
      try {
        await sql`select 1`.execute(store.db);
        return { status: 'ok' };
      } catch {
        return reply.status(503).send({ status: 'store unavailable' });
      }
    },
  );

  app.get(
    '/metrics',
    { schema: { tags: ['health'], summary: 'Prometheus metrics (send the platform key as a bearer token)' } },
    async (_request, reply) => {
      const body = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(body);
    },
  );
};
