import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ClarionError } from '../../errors.ts';
import { SseSink } from '../../stream/sse-sink.ts';
import { eventFilter, organizationFeed, streamStart, type StreamStart } from '../../stream/stream-start.ts';
import { STREAM_TOKEN_TTL_MS } from '../../stream/stream-token.ts';
import { WsSink } from '../../stream/ws-sink.ts';
import { requireOrganization, type RouteDeps } from '../route-deps.ts';
import { ErrorBody, isoTime, Timestamp } from '../schemas.ts';

const Params = Type.Object({ org: Type.String() });
const ListParam = Type.Optional(
  Type.Array(Type.String({ maxLength: 2000 }), {
    maxItems: 100,
    description: 'Repeat the parameter, or separate with commas',
  }),
);
export const StreamQuery = Type.Object({
  after: Type.Optional(
    Type.String({ description: 'Resume after this sequence number (wins over Last-Event-ID); live only when absent' }),
  ),
  token: Type.Optional(
    Type.String({ description: 'A stream token (POST .../stream-tokens), for clients that cannot send headers' }),
  ),
});
const OrgStreamQuery = Type.Intersect([
  StreamQuery,
  Type.Object({ types: ListParam, groups: ListParam, applications: ListParam }),
]);
export const StreamHeaders = Type.Object({
  'last-event-id': Type.Optional(Type.String({ description: 'Sent by EventSource on reconnection: resume after it' })),
});
export const StreamTokenAnswer = Type.Object({ token: Type.String(), expires_at: Timestamp });

const SSE_DESCRIPTION =
  'Server-Sent Events (text/event-stream): each event as `id: <seq>`, `event: event`, `data: <envelope JSON>`; ' +
  '`event: reset` when the resume point is older than retention; `event: disconnect` with a reason before the server ' +
  'closes; comment lines as heartbeats. See docs/streams.md.';

/** The organization's live event stream (SSE and WebSocket) and its stream tokens. */
export const streamRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, deps) => {
  const { store, catalog, streams, streamTokens } = deps;
  // The resume point is read before the handler (and, for WebSocket, before the upgrade), so a
  // bad one is an ordinary HTTP error.
  const starts = new WeakMap<FastifyRequest, StreamStart>();
  const prepare = async (request: FastifyRequest) => {
    const { org } = request.params as { org: string };
    await requireOrganization(store, org);
    const query = request.query as { after?: string };
    const lastEventId = request.headers['last-event-id'];
    starts.set(
      request,
      await streamStart(store, query.after, typeof lastEventId === 'string' ? lastEventId : undefined, () =>
        store.events.lastSeqOf(org),
      ),
    );
  };

  app.post(
    '/v1/organizations/:org/events/stream-tokens',
    {
      config: { access: 'events.read' },
      schema: {
        tags: ['streams'],
        summary: "A short-lived token that opens this organization's event stream (for EventSource)",
        description: `Valid ${STREAM_TOKEN_TTL_MS / 60_000} minutes, for this organization's stream and socket only, as ?token=.`,
        params: Params,
        response: { 201: StreamTokenAnswer, 404: ErrorBody },
      },
    },
    async (request, reply) => {
      await requireOrganization(store, request.params.org);
      const { principal } = request;
      const minted = streamTokens.mint({
        userId: principal.kind === 'member' ? principal.userId : null,
        scope: { kind: 'organization', organization: request.params.org },
      });
      return reply.status(201).send({ token: minted.token, expires_at: isoTime(minted.expiresAt) });
    },
  );

  app.get(
    '/v1/organizations/:org/events/stream',
    {
      config: { access: 'events.read', streamToken: 'organization' },
      preHandler: prepare,
      schema: {
        tags: ['streams'],
        summary: "The organization's events, live (Server-Sent Events)",
        description: SSE_DESCRIPTION,
        params: Params,
        querystring: OrgStreamQuery,
        headers: StreamHeaders,
        produces: ['text/event-stream'],
        response: { 400: ErrorBody, 404: ErrorBody },
      },
    },
    (request, reply) => {
      const start = starts.get(request)!;
      reply.hijack();
      const sink = new SseSink(reply.raw);
      sink.open();
      if (start.reset !== undefined) sink.send(start.reset);
      const unsubscribe = streams.subscribe(`org:${request.params.org}`, organizationFeed(store, request.params.org), {
        cursor: start.cursor,
        filter: eventFilter(request.query, catalog),
        sink,
      });
      reply.raw.on('close', unsubscribe);
    },
  );

  app.route({
    method: 'GET',
    url: '/v1/organizations/:org/events/socket',
    config: { access: 'events.read', streamToken: 'organization' },
    preHandler: prepare,
    schema: {
      tags: ['streams'],
      summary: "The organization's events, live (WebSocket)",
      description:
        'Upgrade to a WebSocket: one text message per event, the same JSON envelope as the SSE data; heartbeats are pings. Without an upgrade: 426.',
      params: Params,
      querystring: OrgStreamQuery,
      response: { 400: ErrorBody, 404: ErrorBody, 426: ErrorBody },
    },
    handler: async () => {
      throw new ClarionError('CLARION_ERR_STREAM_UPGRADE_REQUIRED', 'GET /v1/organizations/{org}/events/stream');
    },
    wsHandler: (socket, request) => {
      const { org } = request.params;
      const start = starts.get(request)!;
      const sink = new WsSink(socket, request.raw.socket);
      if (start.reset !== undefined) sink.send(start.reset);
      const unsubscribe = streams.subscribe(`org:${org}`, organizationFeed(store, org), {
        cursor: start.cursor,
        filter: eventFilter(request.query as never, catalog),
        sink,
      });
      socket.on('close', unsubscribe);
    },
  });
};
