import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Catalog } from '../../catalog/catalog.ts';
import { ClarionError } from '../../errors.ts';
import type { InboxRow } from '../../store/inbox-repository.ts';
import { inboxNotification } from '../../stream/inbox-notification.ts';
import { SseSink } from '../../stream/sse-sink.ts';
import { inboxFeed, streamStart } from '../../stream/stream-start.ts';
import { STREAM_TOKEN_TTL_MS } from '../../stream/stream-token.ts';
import type { RouteDeps } from '../route-deps.ts';
import { ErrorBody, isoTime, missingBodyIsEmpty, PageQuery, pageOf, pageRequest, Timestamp } from '../schemas.ts';
import { StreamHeaders, StreamQuery, StreamTokenAnswer } from './stream-routes.ts';

const Notification = Type.Object({
  seq: Type.Integer({ description: "The event's sequence number: the notification's id" }),
  id: Type.String(),
  type: Type.String(),
  organization: Type.String(),
  application: Type.Union([Type.String(), Type.Null()]),
  addon: Type.Union([Type.String(), Type.Null()]),
  occurred_at: Timestamp,
  read: Type.Boolean(),
  read_at: Type.Union([Timestamp, Type.Null()]),
  notification: Type.Object(
    {
      title: Type.String(),
      body: Type.String(),
      tag: Type.String({
        description:
          "The tag for showNotification(): the same as the `browser` channel's push payload for this event, so one event shown by a page and by a service worker collapses into one notification",
      }),
    },
    {
      description:
        "What a browser notification of this item shows: the `browser` channel's push payload's title, body and tag",
    },
  ),
  data: Type.Record(Type.String(), Type.Unknown(), { description: 'The event in the raw format' }),
});

function serialize(row: InboxRow, catalog: Catalog) {
  const data = JSON.parse(row.data) as Record<string, unknown>;
  return {
    seq: row.seq,
    id: row.id,
    type: row.type,
    organization: row.organization_id,
    application: row.application_id,
    addon: row.addon_id,
    occurred_at: isoTime(row.occurred_at),
    read: row.read_at !== null,
    read_at: row.read_at === null ? null : isoTime(row.read_at),
    notification: inboxNotification(row, catalog),
    data: { ...data, event_type: row.type, timestamp: Math.floor(row.occurred_at / 1000) },
  };
}

/** The inbox is a member's own: the platform key is not a member and has none. */
function memberOf(request: FastifyRequest): string {
  const { principal } = request;
  if (principal.kind !== 'member') throw new ClarionError('CLARION_ERR_FORBIDDEN_NOT_MEMBER');
  return principal.userId;
}

/**
 * The member's inbox: the events their `browser` preference routes to them, with a read state
 * kept on the server (the same on every device), and a live stream of new ones.
 */
export const inboxRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (
  app,
  { store, catalog, clock, streams, inboxReads, streamTokens },
) => {
  app.get(
    '/v1/me/notifications',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['inbox'],
        summary: 'Your browser notifications, newest first',
        querystring: Type.Intersect([
          PageQuery,
          Type.Object({ unread: Type.Optional(Type.Boolean({ description: 'Only unread ones' })) }),
        ]),
        response: {
          200: Type.Intersect([pageOf(Notification), Type.Object({ unread: Type.Integer() })]),
          403: ErrorBody,
        },
      },
    },
    async (request) => {
      const userId = memberOf(request);
      const page = await store.inbox.list(userId, { unread: request.query.unread }, pageRequest(request.query));
      return {
        data: page.data.map((row) => serialize(row, catalog)),
        next_cursor: page.next_cursor,
        unread: await store.inbox.unreadCount(userId),
      };
    },
  );

  app.get(
    '/v1/me/notifications/unread-count',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['inbox'],
        summary: 'How many of your notifications are unread',
        response: { 200: Type.Object({ unread: Type.Integer() }), 403: ErrorBody },
      },
    },
    async (request) => ({ unread: await store.inbox.unreadCount(memberOf(request)) }),
  );

  app.post(
    '/v1/me/notifications/:seq/read',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['inbox'],
        summary: 'Mark one notification read (on every device)',
        params: Type.Object({ seq: Type.Integer({ minimum: 0 }) }),
        response: { 200: Type.Object({ unread: Type.Integer() }), 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const userId = memberOf(request);
      if (!(await store.inbox.markRead(userId, request.params.seq, clock.now()))) {
        throw new ClarionError('CLARION_ERR_NOTIFICATION_NOT_FOUND', String(request.params.seq));
      }
      const unread = await store.inbox.unreadCount(userId);
      inboxReads.announce(userId, { seq: request.params.seq }, unread);
      return { unread };
    },
  );

  app.post(
    '/v1/me/notifications/read',
    {
      config: { access: 'authenticated' },
      preValidation: missingBodyIsEmpty,
      schema: {
        tags: ['inbox'],
        summary: 'Mark all your notifications read (up to a sequence number when given)',
        body: Type.Object(
          { through: Type.Optional(Type.Integer({ minimum: 0, description: 'Only those up to this seq' })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ marked: Type.Integer(), unread: Type.Integer() }), 403: ErrorBody },
      },
    },
    async (request) => {
      const userId = memberOf(request);
      const { through } = request.body;
      const marked = await store.inbox.markAllRead(userId, clock.now(), through);
      const unread = await store.inbox.unreadCount(userId);
      if (marked > 0) inboxReads.announce(userId, { through: through ?? null }, unread);
      return { marked, unread };
    },
  );

  app.post(
    '/v1/me/notifications/stream-tokens',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['inbox'],
        summary: 'A short-lived token that opens your notification stream (for EventSource)',
        description: `Valid ${STREAM_TOKEN_TTL_MS / 60_000} minutes, for GET /v1/me/notifications/stream only, as ?token=.`,
        response: { 201: StreamTokenAnswer, 403: ErrorBody },
      },
    },
    async (request, reply) => {
      const minted = streamTokens.mint({ userId: memberOf(request), scope: { kind: 'inbox' } });
      return reply.status(201).send({ token: minted.token, expires_at: isoTime(minted.expiresAt) });
    },
  );

  app.get(
    '/v1/me/notifications/stream',
    {
      config: { access: 'authenticated', streamToken: 'inbox' },
      schema: {
        tags: ['inbox'],
        summary: 'Your new notifications, live (Server-Sent Events)',
        description:
          'The same messages as the organization stream (docs/streams.md), for your inbox items, with `read` and ' +
          '`notification` ({title, body, tag}: what a browser notification of the item shows), plus `event: read` ' +
          'when you mark notifications read on any device: `{"kind":"read","seq":12,"unread":3}` for one, ' +
          '`{"kind":"read","through":40,"unread":0}` (`through: null`: all) for many.',
        querystring: StreamQuery,
        headers: StreamHeaders,
        produces: ['text/event-stream'],
        response: { 400: ErrorBody, 403: ErrorBody },
      },
    },
    async (request, reply) => {
      const userId = memberOf(request);
      const lastEventId = request.headers['last-event-id'];
      const start = await streamStart(store, request.query.after, lastEventId, () => store.inbox.lastSeqOf(userId));
      reply.hijack();
      const sink = new SseSink(reply.raw);
      sink.open();
      if (start.reset !== undefined) sink.send(start.reset);
      const unsubscribe = streams.subscribe(`user:${userId}`, inboxFeed(store, userId, catalog), {
        cursor: start.cursor,
        filter: () => true,
        sink,
      });
      reply.raw.on('close', unsubscribe);
    },
  );
};
