import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ClarionError } from '../../errors.ts';
import {
  CreateHook,
  EventToggles,
  EventsFilter,
  HookSettingsFields,
  IdList,
  SetEventToggle,
  RotateSecretRequest,
  TestSendRequest,
  TestSendResponse,
  UpdateHook,
} from '../../hooks/hook-schemas.ts';
import type { HookSettingsCodec } from '../../hooks/hook-settings.ts';
import { HookTestSender } from '../../hooks/hook-test-sender.ts';
import { signingAt, storedSigningSecrets } from '../../hooks/webhook-secrets.ts';
import type { HookRecord } from '../../store/hook-repository.ts';
import { deliveryTarget } from '../../store/target-health-repository.ts';
import { requireOrganization, type RouteDeps } from '../route-deps.ts';
import { ErrorBody, isoTime, PageQuery, pageOf, pageRequest, Timestamp } from '../schemas.ts';

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
    health: Type.Optional(
      Type.Object(
        {
          consecutive_failures: Type.Integer({ description: 'Transient failures in a row since the last success' }),
          paused_until: Type.Union([Timestamp, Type.Null()], {
            description: 'While set, deliveries to the hook wait until then (then one probe is sent)',
          }),
        },
        { description: 'Only in the answer of GET of one hook: the circuit breaker of its target' },
      ),
    ),
    created_at: Timestamp,
    updated_at: Timestamp,
    ...HookSettingsFields,
    secret: Type.Optional(
      Type.String({
        description: 'The new webhook signing secret: only in the answer that creates the hook or rotates its secret',
      }),
    ),
  },
  { additionalProperties: true, description: "A hook, with its kind's settings (secrets redacted) as further fields" },
);
const OrgParams = Type.Object({ org: Type.String() });
const HookParams = Type.Object({ org: Type.String(), hook: Type.String() });
const HookTypeParams = Type.Object({ org: Type.String(), hook: Type.String(), type: Type.String() });
const AppParams = Type.Object({ org: Type.String(), app: Type.String() });

/**
 * A hook as answers show it: secret settings redacted. A webhook's signing secrets are listed as
 * `[redacted]` with when each stops signing (null: the current one), leaving out those already
 * expired at `now`.
 */
export function serializeHook(hook: HookRecord, codec: HookSettingsCodec, now: number) {
  const { secrets: _secrets, ...settings } = codec.redact(hook);
  const signing =
    hook.kind === 'webhook'
      ? {
          secrets: signingAt(storedSigningSecrets(hook.settings['secrets']), now).map((entry) => ({
            secret: '[redacted]' as const,
            expires_at: entry.expires_at === null ? null : isoTime(entry.expires_at),
          })),
        }
      : {};
  return {
    id: hook.id,
    organization: hook.organization_id,
    name: hook.name,
    kind: hook.kind,
    ...settings,
    ...signing,
    events: hook.events,
    applications: hook.applications,
    addons: hook.addons,
    enabled: hook.enabled,
    disabled_reason: hook.disabled_reason,
    created_at: isoTime(hook.created_at),
    updated_at: isoTime(hook.updated_at),
  };
}

/** Hooks: the organization's integrations (webhooks, e-mail hooks, Slack, Hipchat, Flowdock). */
export const hookRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, deps) => {
  const { store, catalog, hooks, hookSettings, clock, channels, onDeliveriesQueued } = deps;
  const testSender = new HookTestSender({ store, catalog, channels, codec: hookSettings, clock });
  const togglesOf = (hook: HookRecord) => ({ hook: hook.id, events: hook.events, data: hooks.eventToggles(hook) });

  app.post(
    '/v1/organizations/:org/hooks',
    {
      config: { access: 'hooks.write' },
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
      return reply
        .status(201)
        .send({ ...serializeHook(hook, hookSettings, clock.now()), ...(secret ? { secret } : {}) });
    },
  );

  app.get(
    '/v1/organizations/:org/hooks',
    {
      config: { access: 'hooks.read' },
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
      return {
        data: page.data.map((hook) => serializeHook(hook, hookSettings, clock.now())),
        next_cursor: page.next_cursor,
      };
    },
  );

  app.get(
    '/v1/organizations/:org/applications/:app/hooks',
    {
      config: { access: 'hooks.read' },
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
      return { data: attached.map((hook) => serializeHook(hook, hookSettings, clock.now())) };
    },
  );

  app.get(
    '/v1/organizations/:org/hooks/:hook',
    {
      config: { access: 'hooks.read' },
      schema: { tags: ['hooks'], summary: 'Get a hook', params: HookParams, response: { 200: Hook, 404: ErrorBody } },
    },
    async (request) => {
      const hook = await requireHook(request.params.org, request.params.hook);
      const health = await store.targetHealth.get(
        deliveryTarget({ hook_id: hook.id, channel: hook.kind, address: null }),
      );
      return {
        ...serializeHook(hook, hookSettings, clock.now()),
        health: {
          consecutive_failures: health?.consecutive_failures ?? 0,
          paused_until: health?.paused_until == null ? null : isoTime(health.paused_until),
        },
      };
    },
  );

  app.patch(
    '/v1/organizations/:org/hooks/:hook',
    {
      config: { access: 'hooks.write' },
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
      return serializeHook(await hooks.update(hook, request.body), hookSettings, clock.now());
    },
  );

  app.delete(
    '/v1/organizations/:org/hooks/:hook',
    {
      config: { access: 'hooks.write' },
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
    '/v1/organizations/:org/hooks/:hook/secret/rotate',
    {
      config: { access: 'hooks.write' },
      schema: {
        tags: ['hooks'],
        summary:
          'Give a webhook a new signing secret (answered once); the previous one keeps signing until the overlap ends',
        params: HookParams,
        body: RotateSecretRequest,
        response: { 200: Hook, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
      },
      // The body is optional: a bare POST (no content) validates as {}.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request) => {
      const hook = await requireHook(request.params.org, request.params.hook);
      const rotated = await hooks.rotateSecret(hook, request.body.overlap_seconds);
      return { ...serializeHook(rotated.hook, hookSettings, clock.now()), secret: rotated.secret };
    },
  );

  app.post(
    '/v1/organizations/:org/hooks/:hook/retry-failed',
    {
      config: { access: 'deliveries.write' },
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

  app.post(
    '/v1/organizations/:org/hooks/default',
    {
      config: { access: 'hooks.write' },
      schema: {
        tags: ['hooks'],
        summary: 'Re-create the default hook ("Default deployment result e-mails") after it was deleted',
        params: OrgParams,
        response: { 201: Hook, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      await requireOrganization(store, request.params.org);
      const hook = await hooks.recreateDefault(request.params.org);
      return reply.status(201).send(serializeHook(hook, hookSettings, clock.now()));
    },
  );

  app.get(
    '/v1/organizations/:org/hooks/:hook/events',
    {
      config: { access: 'hooks.read' },
      schema: {
        tags: ['hooks'],
        summary: "A hook's per-event toggles: every catalog type, on or off, and the filter entry that turns it on",
        params: HookParams,
        response: { 200: EventToggles, 404: ErrorBody },
      },
    },
    async (request) => togglesOf(await requireHook(request.params.org, request.params.hook)),
  );

  app.put(
    '/v1/organizations/:org/hooks/:hook/events/:type',
    {
      config: { access: 'hooks.write' },
      schema: {
        tags: ['hooks'],
        summary: 'Turn one event type on or off for a hook (rewrites its event filter; see docs/api.md)',
        params: HookTypeParams,
        body: SetEventToggle,
        response: { 200: EventToggles, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request) => {
      const { org, hook: id, type } = request.params;
      const hook = await requireHook(org, id);
      return togglesOf(await hooks.setEventEnabled(hook, type, request.body.enabled));
    },
  );

  app.post(
    '/v1/organizations/:org/hooks/:hook/test',
    {
      config: { access: 'hooks.write' },
      schema: {
        tags: ['hooks'],
        summary:
          'Send a test event through the hook now and answer what the receiver said (recorded in the delivery log)',
        params: HookParams,
        body: TestSendRequest,
        response: { 200: TestSendResponse, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
      },
      // The body is optional: a bare POST (no content) validates as {}.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request) => {
      const hook = await requireHook(request.params.org, request.params.hook);
      const { principal } = request;
      return testSender.send(hook, {
        eventType: request.body.event_type,
        callerUserId: principal.kind === 'member' ? principal.userId : null,
      });
    },
  );

  async function requireHook(org: string, id: string): Promise<HookRecord> {
    await requireOrganization(store, org);
    const hook = await store.hooks.get(org, id);
    if (!hook) throw new ClarionError('CLARION_ERR_HOOK_NOT_FOUND', id, org);
    return hook;
  }
};
