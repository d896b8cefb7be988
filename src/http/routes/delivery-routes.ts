import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { ClarionError } from '../../errors.ts';
import type { DeliveryRow } from '../../store/delivery-queue.ts';
import type { AttemptRow } from '../../store/delivery-repository.ts';
import { requireOrganization, type RouteDeps } from '../route-deps.ts';
import { ErrorBody, isoTime, PageQuery, pageOf, pageRequest, Timestamp } from '../schemas.ts';
import { deliveryFilter, DeliveryFilters, DeliverySelectors, DeliveryStatus as Status } from './delivery-filters.ts';
const NullableString = Type.Union([Type.String(), Type.Null()]);
const Delivery = Type.Object({
  id: Type.String(),
  organization: Type.String(),
  event: Type.Object({ id: Type.String(), seq: Type.Integer(), type: Type.String() }),
  application: NullableString,
  hook: NullableString,
  user: NullableString,
  channel: Type.String(),
  address: NullableString,
  reason: Type.String(),
  status: Status,
  attempts: Type.Integer(),
  next_attempt_at: Type.Union([Timestamp, Type.Null()]),
  last_status_code: Type.Union([Type.Integer(), Type.Null()]),
  last_error: NullableString,
  provider_message_id: NullableString,
  created_at: Timestamp,
  updated_at: Timestamp,
  finished_at: Type.Union([Timestamp, Type.Null()]),
});
const Attempt = Type.Object({
  attempt: Type.Integer(),
  started_at: Timestamp,
  latency_ms: Type.Integer(),
  outcome: Type.String(),
  status_code: Type.Union([Type.Integer(), Type.Null()]),
  response_excerpt: NullableString,
  error: NullableString,
});
const DeliveryWithAttempts = Type.Intersect([Delivery, Type.Object({ attempts_log: Type.Array(Attempt) })]);
const DeliveryQuery = Type.Intersect([
  PageQuery,
  Type.Object({ organization: Type.Optional(Type.String()), ...DeliveryFilters }),
]);
const OrgDeliveryQuery = Type.Intersect([PageQuery, Type.Object(DeliveryFilters)]);
const DeliveryParams = Type.Object({ id: Type.String() });
/** A bulk re-send: the failed deliveries created in [since, until) that the selectors match. */
const RetryFailedBody = Type.Object(
  { since: Timestamp, until: Timestamp, ...DeliverySelectors },
  { additionalProperties: false },
);

export function serializeDelivery(row: DeliveryRow) {
  return {
    id: row.id,
    organization: row.organization_id,
    event: { id: row.event_id, seq: row.event_seq, type: row.event_type },
    application: row.application_id,
    hook: row.hook_id,
    user: row.user_id,
    channel: row.channel,
    address: row.address,
    reason: row.reason,
    status: row.status,
    attempts: row.attempts,
    next_attempt_at: row.status === 'pending' ? isoTime(row.next_attempt_at) : null,
    last_status_code: row.last_status_code,
    last_error: row.last_error,
    provider_message_id: row.provider_message_id,
    created_at: isoTime(row.created_at),
    updated_at: isoTime(row.updated_at),
    finished_at: row.finished_at === null ? null : isoTime(row.finished_at),
  };
}

function serializeAttempt(row: AttemptRow) {
  return {
    attempt: row.attempt,
    started_at: isoTime(row.started_at),
    latency_ms: row.latency_ms,
    outcome: row.outcome,
    status_code: row.status_code,
    response_excerpt: row.response_excerpt,
    error: row.error,
  };
}

const OrgParams = Type.Object({ org: Type.String() });
const OrgDeliveryParams = Type.Object({ org: Type.String(), id: Type.String() });

/**
 * The delivery log: every delivery, its attempts, and re-sending. The platform reads it across
 * organizations under /v1/deliveries; members read their organization's under
 * /v1/organizations/{org}/deliveries (the same answers, scoped).
 */
export const deliveryRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (
  app,
  { store, clock, onDeliveriesQueued },
) => {
  type Filter = Static<typeof OrgDeliveryQuery> & { organization?: string | undefined };

  async function list(query: Filter) {
    const page = await store.deliveries.list(deliveryFilter(query, query.organization), pageRequest(query));
    return { data: page.data.map(serializeDelivery), next_cursor: page.next_cursor };
  }

  /** The delivery, when it exists (in the organization, for the scoped routes). */
  async function requireDelivery(id: string, org: string | undefined): Promise<DeliveryRow> {
    const row = await store.deliveries.get(id);
    if (!row || (org !== undefined && row.organization_id !== org)) {
      throw new ClarionError('CLARION_ERR_DELIVERY_NOT_FOUND', id);
    }
    return row;
  }

  async function withAttempts(row: DeliveryRow) {
    const attempts = await store.deliveries.attempts(row.id);
    return { ...serializeDelivery(row), attempts_log: attempts.map(serializeAttempt) };
  }

  async function retry(row: DeliveryRow) {
    if (row.status === 'pending' || row.status === 'sending') {
      throw new ClarionError('CLARION_ERR_DELIVERY_NOT_FINISHED', row.id, row.status);
    }
    if (row.hook_id !== null) {
      const hook = await store.hooks.get(row.organization_id, row.hook_id);
      if (hook && !hook.enabled) throw new ClarionError('CLARION_ERR_DELIVERY_TARGET_DISABLED', hook.id);
    }
    await store.deliveries.requeue([row.id], clock.now());
    onDeliveriesQueued();
    return serializeDelivery((await store.deliveries.get(row.id))!);
  }

  app.get(
    '/v1/deliveries',
    {
      schema: {
        tags: ['deliveries'],
        summary: 'List deliveries of every organization, newest first',
        querystring: DeliveryQuery,
        response: { 200: pageOf(Delivery) },
      },
    },
    (request) => list(request.query),
  );

  app.get(
    '/v1/organizations/:org/deliveries',
    {
      config: { access: 'events.read' },
      schema: {
        tags: ['deliveries'],
        summary: "List the organization's deliveries, newest first",
        params: OrgParams,
        querystring: OrgDeliveryQuery,
        response: { 200: pageOf(Delivery), 404: ErrorBody },
      },
    },
    async (request) => {
      await requireOrganization(store, request.params.org);
      return list({ ...request.query, organization: request.params.org });
    },
  );

  app.get(
    '/v1/deliveries/:id',
    {
      schema: {
        tags: ['deliveries'],
        summary: 'One delivery with every attempt',
        params: DeliveryParams,
        response: { 200: DeliveryWithAttempts, 404: ErrorBody },
      },
    },
    async (request) => withAttempts(await requireDelivery(request.params.id, undefined)),
  );

  app.get(
    '/v1/organizations/:org/deliveries/:id',
    {
      config: { access: 'events.read' },
      schema: {
        tags: ['deliveries'],
        summary: 'One delivery of the organization with every attempt',
        params: OrgDeliveryParams,
        response: { 200: DeliveryWithAttempts, 404: ErrorBody },
      },
    },
    async (request) => withAttempts(await requireDelivery(request.params.id, request.params.org)),
  );

  app.post(
    '/v1/deliveries/:id/retry',
    {
      schema: {
        tags: ['deliveries'],
        summary: 'Re-send a finished delivery now, with a fresh schedule of attempts',
        params: DeliveryParams,
        response: { 202: Delivery, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => reply.status(202).send(await retry(await requireDelivery(request.params.id, undefined))),
  );

  app.post(
    '/v1/organizations/:org/deliveries/retry',
    {
      config: { access: 'deliveries.write' },
      schema: {
        tags: ['deliveries'],
        summary: 'Re-send every failed delivery of the organization created in a time range',
        description:
          'The failed deliveries created in [since, until) that the optional selectors match are re-sent with a fresh schedule of attempts; those of a disabled or deleted hook are left as they are and counted as skipped.',
        params: OrgParams,
        body: RetryFailedBody,
        response: {
          202: Type.Object({ requeued: Type.Integer(), skipped: Type.Integer() }),
          400: ErrorBody,
          404: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const { org } = request.params;
      await requireOrganization(store, org);
      const filter = deliveryFilter(request.body, org);
      if (filter.until! <= filter.since!) {
        throw new ClarionError('CLARION_ERR_DELIVERY_RANGE_INVALID', request.body.until, request.body.since);
      }
      const answer = await store.deliveries.requeueAllFailed({ ...filter, organizationId: org }, clock.now());
      if (answer.requeued > 0) onDeliveriesQueued();
      return reply.status(202).send(answer);
    },
  );

  app.post(
    '/v1/organizations/:org/deliveries/:id/retry',
    {
      config: { access: 'deliveries.write' },
      schema: {
        tags: ['deliveries'],
        summary: 'Re-send a finished delivery of the organization now, with a fresh schedule of attempts',
        params: OrgDeliveryParams,
        response: { 202: Delivery, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) =>
      reply.status(202).send(await retry(await requireDelivery(request.params.id, request.params.org))),
  );
};
