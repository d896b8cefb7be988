import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { RouteDeps } from '../route-deps.ts';

const EventType = Type.Object({
  name: Type.String(),
  description: Type.String(),
  scopes: Type.Array(Type.String()),
  groups: Type.Array(Type.String()),
  default_channels: Type.Object({ email: Type.Boolean(), browser: Type.Boolean(), ios: Type.Boolean() }),
  paired_with: Type.Union([Type.String(), Type.Null()]),
  severity: Type.String(),
  builtin: Type.Boolean(),
});

/** The event type catalog. */
export const catalogRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { catalog }) => {
  app.get(
    '/v1/event-types',
    {
      schema: {
        tags: ['catalog'],
        summary: 'Every event type, with its scopes, groups and default channels',
        response: {
          200: Type.Object({
            data: Type.Array(EventType),
            groups: Type.Array(Type.Object({ name: Type.String(), description: Type.String() })),
          }),
        },
      },
    },
    () => ({
      data: catalog.listTypes().map((type) => ({
        name: type.name,
        description: type.description,
        scopes: [...type.scopes],
        groups: [...type.groups],
        default_channels: type.defaultChannels,
        paired_with: type.pairedWith ?? null,
        severity: type.severity,
        builtin: type.builtin,
      })),
      groups: catalog.listGroups(),
    }),
  );
};
