import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ClarionError } from '../../errors.ts';
import type { HookSettingsCodec } from '../../hooks/hook-settings.ts';
import type { HookRecord } from '../../store/hook-repository.ts';
import { requireOrganization, type RouteDeps } from '../route-deps.ts';
import { ErrorBody, isoTime, PageQuery, pageOf, pageRequest, Timestamp } from '../schemas.ts';

const EventsFilter = Type.Union([
  Type.Literal('all'),
  Type.Array(Type.String({ minLength: 1 }), {
    minItems: 1,
    description: 'Event type names and "group:<name>" entries',
  }),
]);
const IdList = Type.Union([Type.Array(Type.String({ minLength: 1 })), Type.Null()]);
const Recipients = Type.Union([
  Type.Literal('owners'),
  Type.Literal('members'),
  Type.Array(Type.String({ format: 'email', maxLength: 320 }), { minItems: 1 }),
]);
const Common = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  events: EventsFilter,
  applications: Type.Optional(IdList),
  addons: Type.Optional(IdList),
  enabled: Type.Optional(Type.Boolean()),
};
const CreateHook = Type.Union([
  Type.Object(
    {
      ...Common,
      kind: Type.Literal('webhook'),
      url: Type.String({ minLength: 1, maxLength: 2048 }),
      format: Type.Optional(Type.Literal('raw')),
    },
    { additionalProperties: false },
  ),
  Type.Object({ ...Common, kind: Type.Literal('email'), to: Recipients }, { additionalProperties: false }),
]);
const UpdateHook = Type.Object(
  {
    name: Type.Optional(Common.name),
    events: Type.Optional(EventsFilter),
    applications: Type.Optional(IdList),
    addons: Type.Optional(IdList),
    enabled: Type.Optional(Type.Boolean()),
    url: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
    format: Type.Optional(Type.Literal('raw')),
    to: Type.Optional(Recipients),
  },
  { additionalProperties: false },
);
const Hook = Type.Object(
  {
    id: Type.String(),
    organization: Type.String(),
    name: Type.String(),
    kind: Type.String(),
    events: EventsFilter,
    applications: IdList,
    addons: IdList,
    enabled: Type.Boolean(),
    disabled_reason: Type.Union([Type.String(), Type.Null()]),
    created_at: Timestamp,
    updated_at: Timestamp,
    secret: Type.Optional(
      Type.String({ description: 'The webhook signing secret: only in the answer that creates the hook' }),
    ),
  },
  { additionalProperties: true, description: "A hook, with its kind's settings (secrets redacted) as further fields" },
);
const OrgParams = Type.Object({ org: Type.String() });
const HookParams = Type.Object({ org: Type.String(), hook: Type.String() });
const AppParams = Type.Object({ org: Type.String(), app: Type.String() });

export function serializeHook(hook: HookRecord, codec: HookSettingsCodec) {
  const { secrets: _secrets, ...settings } = codec.redact(hook);
  return {
    id: hook.id,
    organization: hook.organization_id,
    name: hook.name,
    kind: hook.kind,
    ...settings,
    events: hook.events,
    applications: hook.applications,
    addons: hook.addons,
    enabled: hook.enabled,
    disabled_reason: hook.disabled_reason,
    created_at: isoTime(hook.created_at),
    updated_at: isoTime(hook.updated_at),
  };
}

/** Hooks: the organization's integrations (webhooks, e-mail hooks; chat ones in later issues). */
export const hookRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, deps) => {
  const { store, hooks, hookSettings, clock, onDeliveriesQueued } = deps;

  app.post(
    '/v1/organizations/:org/hooks',
    {
      schema: {
        tags: ['hooks'],
        summary: 'Create a hook; a webhook answer carries its signing secret, once',
        params: OrgParams,
        body: CreateHook,
        response: { 201: Hook, 404: ErrorBody, 422: ErrorBody },
      },
    },
    async (request, reply) => {
      await requireOrganization(store, request.params.org);
      const { hook, secret } = await hooks.create(request.params.org, request.body);
      return reply.status(201).send({ ...serializeHook(hook, hookSettings), ...(secret ? { secret } : {}) });
    },
  );

  app.get(
    '/v1/organizations/:org/hooks',
    {
      schema: {
        tags: ['hooks'],
        summary: 'List hooks',
        params: OrgParams,
        querystring: PageQuery,
        response: { 200: pageOf(Hook), 404: ErrorBody },
      },
    },
    async (request) => {
      await requireOrganization(store, request.params.org);
      const page = await store.hooks.list(request.params.org, pageRequest(request.query));
      return { data: page.data.map((hook) => serializeHook(hook, hookSettings)), next_cursor: page.next_cursor };
    },
  );

  app.get(
    '/v1/organizations/:org/applications/:app/hooks',
    {
      schema: {
        tags: ['hooks'],
        summary: 'Hooks attached to an application (scoped to it)',
        params: AppParams,
        response: { 200: Type.Object({ data: Type.Array(Hook) }), 404: ErrorBody },
      },
    },
    async (request) => {
      const { org, app: application } = request.params;
      await requireOrganization(store, org);
      if (!(await store.organizations.getApplication(org, application))) {
        throw new ClarionError('CLARION_ERR_APPLICATION_NOT_FOUND', application, org);
      }
      const attached = (await store.hooks.allFor(org)).filter((hook) => hook.applications?.includes(application));
      return { data: attached.map((hook) => serializeHook(hook, hookSettings)) };
    },
  );

  app.get(
    '/v1/organizations/:org/hooks/:hook',
    { schema: { tags: ['hooks'], summary: 'Get a hook', params: HookParams, response: { 200: Hook, 404: ErrorBody } } },
    async (request) => serializeHook(await requireHook(request.params.org, request.params.hook), hookSettings),
  );

  app.patch(
    '/v1/organizations/:org/hooks/:hook',
    {
      schema: {
        tags: ['hooks'],
        summary: 'Change a hook (enabling a hook Clarion disabled clears the reason)',
        params: HookParams,
        body: UpdateHook,
        response: { 200: Hook, 404: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const hook = await requireHook(request.params.org, request.params.hook);
      return serializeHook(await hooks.update(hook, request.body), hookSettings);
    },
  );

  app.delete(
    '/v1/organizations/:org/hooks/:hook',
    {
      schema: {
        tags: ['hooks'],
        summary: 'Delete a hook; its queued deliveries are cancelled',
        params: HookParams,
        response: { 204: Type.Null(), 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const { org, hook } = request.params;
      await requireOrganization(store, org);
      if (!(await store.hooks.delete(org, hook, clock.now())))
        throw new ClarionError('CLARION_ERR_HOOK_NOT_FOUND', hook, org);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/v1/organizations/:org/hooks/:hook/retry-failed',
    {
      schema: {
        tags: ['deliveries'],
        summary: 'Re-send every failed delivery of a hook created since a time',
        params: HookParams,
        body: Type.Object({ since: Timestamp }, { additionalProperties: false }),
        response: { 202: Type.Object({ requeued: Type.Integer() }), 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const hook = await requireHook(request.params.org, request.params.hook);
      if (!hook.enabled) throw new ClarionError('CLARION_ERR_DELIVERY_TARGET_DISABLED', hook.id);
      const since = Date.parse(request.body.since);
      const requeued = await store.deliveries.requeueFailed(hook.id, since, clock.now());
      if (requeued > 0) onDeliveriesQueued();
      return reply.status(202).send({ requeued });
    },
  );

  async function requireHook(org: string, id: string): Promise<HookRecord> {
    await requireOrganization(store, org);
    const hook = await store.hooks.get(org, id);
    if (!hook) throw new ClarionError('CLARION_ERR_HOOK_NOT_FOUND', id, org);
    return hook;
  }
};
