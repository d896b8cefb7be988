import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ClarionError } from '../../errors.ts';
import type { EventRow } from '../../store/event-repository.ts';
import { requireOrganization, type RouteDeps } from '../route-deps.ts';
import { ErrorBody, Id, isoTime, PageQuery, pageOf, pageRequest, Timestamp } from '../schemas.ts';

const EventBody = Type.Object(
  {
    id: Type.Optional(Id),
    type: Type.String({ minLength: 1, maxLength: 200 }),
    organization: Type.String({ minLength: 1, maxLength: 128 }),
    application: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    addon: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    occurred_at: Type.Optional(Type.String({ description: 'ISO 8601; the time of receipt when omitted' })),
    data: Type.Unknown({ description: 'A JSON object: the platform representation of the resource' }),
  },
  { additionalProperties: false },
);
const Accepted = Type.Object({ id: Type.String(), seq: Type.Integer() });
const Event = Type.Object({
  id: Type.String(),
  seq: Type.Integer(),
  type: Type.String(),
  organization: Type.String(),
  application: Type.Union([Type.String(), Type.Null()]),
  addon: Type.Union([Type.String(), Type.Null()]),
  occurred_at: Timestamp,
  received_at: Timestamp,
  data: Type.Record(Type.String(), Type.Unknown()),
});

function serializeEvent(row: EventRow) {
  return {
    id: row.id,
    seq: row.seq,
    type: row.type,
    organization: row.organization_id,
    application: row.application_id,
    addon: row.addon_id,
    occurred_at: isoTime(row.occurred_at),
    received_at: isoTime(row.received_at),
    data: JSON.parse(row.data) as Record<string, unknown>,
  };
}

/** Events: ingest, and reading back what was received. */
export const eventRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { store, ingest, metrics }) => {
  app.post(
    '/v1/events',
    {
      schema: {
        tags: ['events'],
        summary: 'Send an event; 202 once it and all its deliveries are on disk',
        description:
          'Idempotent on the event id: the same id and body again answers as the first time and delivers nothing twice; the same id with another body is 409. An event routed to more destinations than CLARION_INLINE_DELIVERY_LIMIT (1,000) is on disk with its routing plan at the 202, and its deliveries are written from the plan just after.',
        body: EventBody,
        response: { 202: Accepted, 400: ErrorBody, 409: ErrorBody, 413: ErrorBody, 422: ErrorBody },
      },
    },
    async (request, reply) => {
      const result = await ingest.submit(request.body);
      metrics.recordIngest(result.duplicate ? 'duplicate' : 'stored');
      return reply.status(202).send({ id: result.id, seq: result.seq });
    },
  );

  app.get(
    '/v1/organizations/:org/events',
    {
      config: { access: 'events.read' },
      schema: {
        tags: ['events'],
        summary: "An organization's events, newest first",
        params: Type.Object({ org: Type.String() }),
        querystring: Type.Intersect([PageQuery, Type.Object({ type: Type.Optional(Type.String()) })]),
        response: { 200: pageOf(Event), 404: ErrorBody },
      },
    },
    async (request) => {
      await requireOrganization(store, request.params.org);
      const page = await store.events.list(
        request.params.org,
        { type: request.query.type },
        pageRequest(request.query),
      );
      return { data: page.data.map(serializeEvent), next_cursor: page.next_cursor };
    },
  );

  app.get(
    '/v1/organizations/:org/events/:id',
    {
      config: { access: 'events.read' },
      schema: {
        tags: ['events'],
        summary: 'One event as received',
        params: Type.Object({ org: Type.String(), id: Type.String() }),
        response: { 200: Event, 404: ErrorBody },
      },
    },
    async (request) => {
      const { org, id } = request.params;
      await requireOrganization(store, org);
      const row = await store.events.get(org, id);
      if (!row) throw new ClarionError('CLARION_ERR_EVENT_NOT_FOUND', id, org);
      return serializeEvent(row);
    },
  );
};
