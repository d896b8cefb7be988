import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { CatalogEditor } from '../../catalog/catalog-editor.ts';
import { CatalogName, EventGroupBody, EventTypeBody } from '../../catalog/catalog-schema.ts';
import type { Catalog } from '../../catalog/catalog.ts';
import type { EventType as CatalogEventType } from '../../catalog/event-type.ts';
import { ClarionError } from '../../errors.ts';
import type { RouteDeps } from '../route-deps.ts';
import { ErrorBody } from '../schemas.ts';

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
const EventGroup = Type.Object({ name: Type.String(), description: Type.String(), builtin: Type.Boolean() });
const NameParams = Type.Object({ name: Type.String() });
const WriteParams = Type.Object({ name: CatalogName });

function serializeType(type: CatalogEventType) {
  return {
    name: type.name,
    description: type.description,
    scopes: [...type.scopes],
    groups: [...type.groups],
    default_channels: type.defaultChannels,
    paired_with: type.pairedWith ?? null,
    severity: type.severity,
    builtin: type.builtin,
  };
}

function serializeGroups(catalog: Catalog) {
  return catalog.listGroups().map((group) => ({
    name: group.name,
    description: group.description,
    builtin: catalog.isBuiltinGroup(group.name),
  }));
}

/**
 * The event type catalog: anyone authenticated reads it; changing it takes the platform key.
 * A change is in this process's catalog when the answer is sent, in other processes within
 * their refresh interval (docs/catalog.md).
 */
export const catalogRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { catalog, store, clock }) => {
  const editor = new CatalogEditor({ repository: store.catalog, catalog, clock });

  app.get(
    '/v1/event-types',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['catalog'],
        summary: 'Every event type, with its scopes, groups and default channels',
        response: { 200: Type.Object({ data: Type.Array(EventType), groups: Type.Array(EventGroup) }) },
      },
    },
    () => ({ data: catalog.listTypes().map(serializeType), groups: serializeGroups(catalog) }),
  );

  app.get(
    '/v1/event-types/:name',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['catalog'],
        summary: 'One event type',
        params: NameParams,
        response: { 200: EventType, 404: ErrorBody },
      },
    },
    (request) => {
      const type = catalog.type(request.params.name);
      if (!type) throw new ClarionError('CLARION_ERR_CATALOG_TYPE_NOT_FOUND', request.params.name);
      return serializeType(type);
    },
  );

  app.put(
    '/v1/event-types/:name',
    {
      schema: {
        tags: ['catalog'],
        summary: 'Create or change an event type (built-in ones too); 201 when it is new',
        description:
          'default_channels, paired_with and severity, omitted, keep their current value (new types: email on, ' +
          'browser and ios off, no pair, info). Pairs are kept both ways; paired_with: null unpairs both.',
        params: WriteParams,
        body: EventTypeBody,
        response: { 200: EventType, 201: EventType, 400: ErrorBody, 422: ErrorBody },
      },
    },
    async (request, reply) => {
      const { type, created } = await editor.putType(request.params.name, request.body);
      return reply.status(created ? 201 : 200).send(serializeType(type));
    },
  );

  app.delete(
    '/v1/event-types/:name',
    {
      schema: {
        tags: ['catalog'],
        summary: 'Remove an operator-defined event type that no event, hook filter or preference uses',
        params: NameParams,
        response: { 204: Type.Null(), 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      await editor.deleteType(request.params.name);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/v1/event-groups',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['catalog'],
        summary: 'Every event group',
        response: { 200: Type.Object({ data: Type.Array(EventGroup) }) },
      },
    },
    () => ({ data: serializeGroups(catalog) }),
  );

  app.put(
    '/v1/event-groups/:name',
    {
      schema: {
        tags: ['catalog'],
        summary: 'Create or change an event group; 201 when it is new',
        params: WriteParams,
        body: EventGroupBody,
        response: { 200: EventGroup, 201: EventGroup, 400: ErrorBody },
      },
    },
    async (request, reply) => {
      const { group, created } = await editor.putGroup(request.params.name, request.body);
      return reply
        .status(created ? 201 : 200)
        .send({ name: group.name, description: group.description, builtin: catalog.isBuiltinGroup(group.name) });
    },
  );

  app.delete(
    '/v1/event-groups/:name',
    {
      schema: {
        tags: ['catalog'],
        summary: 'Remove an operator-defined event group that no type belongs to and no hook filter names',
        params: NameParams,
        response: { 204: Type.Null(), 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      await editor.deleteGroup(request.params.name);
      return reply.status(204).send(null);
    },
  );
};
