import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import websocket from '@fastify/websocket';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { dashboardRoutes } from './dashboard/dashboard-routes.ts';
import { installAuth } from './http/auth.ts';
import { installErrorHandler } from './http/error-handler.ts';
import { installNulGuard } from './http/nul-guard.ts';
import type { RouteDeps } from './http/route-deps.ts';
import { billingRoutes } from './http/routes/billing-routes.ts';
import { catalogRoutes } from './http/routes/catalog-routes.ts';
import { credentialRoutes } from './http/routes/credential-routes.ts';
import { deliveryRoutes } from './http/routes/delivery-routes.ts';
import { deliveryStatsRoutes } from './http/routes/delivery-stats-routes.ts';
import { eventRoutes } from './http/routes/event-routes.ts';
import { healthRoutes } from './http/routes/health-routes.ts';
import { hookRoutes } from './http/routes/hook-routes.ts';
import { memberRoutes } from './http/routes/member-routes.ts';
import { organizationRoutes } from './http/routes/organization-routes.ts';
import { preferenceRoutes } from './http/routes/preference-routes.ts';
import { pushRoutes } from './http/routes/push-routes.ts';
import { recipientRoutes } from './http/routes/recipient-routes.ts';
import { resourceRoutes } from './http/routes/resource-routes.ts';
import { settingsRoutes } from './http/routes/settings-routes.ts';
import { unsubscribeRoutes } from './http/routes/unsubscribe-routes.ts';
import { streamRoutes } from './http/routes/stream-routes.ts';
import { inboxRoutes } from './http/routes/inbox-routes.ts';

export interface AppOptions extends RouteDeps {
  readonly logger: Logger;
  readonly platformKeyHash: Buffer;
}

/** Event bodies are capped at 256 KiB (Svix allows about 350 KB; Standard Webhooks advises under 20 KB). */
export const BODY_LIMIT_BYTES = 256 * 1024;

/** Builds the HTTP API. Never listens: main.ts does, and tests use inject(). */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  // Typed as Fastify's logger: with pino's own type every plugin signature stops matching.
  const loggerInstance: FastifyBaseLogger = options.logger;
  const app = Fastify({
    loggerInstance,
    bodyLimit: BODY_LIMIT_BYTES,
    // One-click unsubscribe tokens (src/preferences/unsubscribe-token.ts) name four ids and a
    // signature: longer than the default 100 characters; each route's schema still bounds its params.
    routerOptions: { maxParamLength: 1024 },
    // A line per request would dominate the log at ingest rates; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  installErrorHandler(app);
  // Parses cookies in its own onRequest hook, which must run before authentication's.
  await app.register(cookie);
  // Before authentication: the plugin's onRequest hook marks upgrade requests, and its onResponse
  // hook then destroys the socket of a refused upgrade. Registered after, a refusal in auth's hook
  // skipped the marking and left the raw socket half-open for good (it held the server's close).
  // Pings are the stream hub's heartbeats; messages from clients are not expected (1 KiB cap).
  await app.register(websocket, { options: { maxPayload: 1024 } });
  installAuth(app, {
    platformKeyHash: options.platformKeyHash,
    credentials: options.credentials,
    members: options.store.members,
    streamTokens: options.streamTokens,
  });
  installNulGuard(app);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Clarion',
        version: '0.1.0',
        description:
          'Notification service for hosting platforms. Authenticate with "Authorization: Bearer <platform key>", a member token (Bearer clu_...) or the session cookie a login link opens.',
      },
      components: {
        securitySchemes: {
          platformKey: { type: 'http', scheme: 'bearer' },
          memberToken: { type: 'http', scheme: 'bearer' },
          session: { type: 'apiKey', in: 'cookie', name: 'clarion_session' },
        },
      },
      security: [{ platformKey: [] }, { memberToken: [] }, { session: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());

  for (const routes of [
    healthRoutes,
    catalogRoutes,
    organizationRoutes,
    memberRoutes,
    credentialRoutes,
    pushRoutes,
    preferenceRoutes,
    unsubscribeRoutes,
    billingRoutes,
    resourceRoutes,
    hookRoutes,
    settingsRoutes,
    eventRoutes,
    streamRoutes,
    inboxRoutes,
    recipientRoutes,
    deliveryRoutes,
    deliveryStatsRoutes,
  ]) {
    await app.register(routes, options);
  }
  await app.register(dashboardRoutes);
  return app;
}
