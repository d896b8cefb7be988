import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { IosDeviceView, WebPushSubscriptionView } from '../../push/push-target-service.ts';
import type { RouteDeps } from '../route-deps.ts';
import { ErrorBody, isoTime, Timestamp } from '../schemas.ts';

const UserParams = Type.Object({ user: Type.String() });
const DeviceParams = Type.Object({ user: Type.String(), device: Type.String() });
const SubscriptionParams = Type.Object({ user: Type.String(), subscription: Type.String() });

const IosDevice = Type.Object({
  id: Type.String(),
  user_id: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  created_at: Timestamp,
  updated_at: Timestamp,
});
const WebPushSubscription = Type.Object({
  id: Type.String(),
  user_id: Type.String(),
  push_service: Type.Union([Type.String(), Type.Null()]),
  created_at: Timestamp,
  updated_at: Timestamp,
});

function serializeDevice(device: IosDeviceView) {
  return { ...device, created_at: isoTime(device.created_at), updated_at: isoTime(device.updated_at) };
}

function serializeSubscription(subscription: WebPushSubscriptionView) {
  return {
    ...subscription,
    created_at: isoTime(subscription.created_at),
    updated_at: isoTime(subscription.updated_at),
  };
}

/**
 * Members' push targets: iOS device tokens for the `ios` channel and Web Push subscriptions for
 * the `browser` channel. Tokens, endpoints and keys go in and never come back out.
 */
export const pushRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { pushTargets, vapidPublicKey }) => {
  app.get(
    '/v1/web-push/vapid-public-key',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['push'],
        summary: 'The VAPID public key a page passes to pushManager.subscribe() as applicationServerKey',
        response: { 200: Type.Object({ public_key: Type.String() }) },
      },
    },
    () => ({ public_key: vapidPublicKey }),
  );

  app.post(
    '/v1/users/:user/ios-devices',
    {
      config: { access: 'self' },
      schema: {
        tags: ['push'],
        summary: 'Register an iOS device token (idempotent: the same token answers with the same device)',
        params: UserParams,
        body: Type.Object(
          {
            token: Type.String({ minLength: 1, maxLength: 512 }),
            name: Type.Optional(Type.String({ maxLength: 200 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: IosDevice, 201: IosDevice, 404: ErrorBody, 422: ErrorBody },
      },
    },
    async (request, reply) => {
      const { device, created } = await pushTargets.registerIosDevice(request.params.user, request.body);
      return reply.status(created ? 201 : 200).send(serializeDevice(device));
    },
  );

  app.get(
    '/v1/users/:user/ios-devices',
    {
      config: { access: 'self' },
      schema: {
        tags: ['push'],
        summary: "A member's iOS devices (never the tokens); `me` names the caller",
        params: UserParams,
        response: { 200: Type.Object({ data: Type.Array(IosDevice) }) },
      },
    },
    async (request) => ({ data: (await pushTargets.listIosDevices(request.params.user)).map(serializeDevice) }),
  );

  app.delete(
    '/v1/users/:user/ios-devices/:device',
    {
      config: { access: 'self' },
      schema: {
        tags: ['push'],
        summary: 'Remove an iOS device: it gets no more notifications',
        params: DeviceParams,
        response: { 204: Type.Null(), 404: ErrorBody },
      },
    },
    async (request, reply) => {
      await pushTargets.removeIosDevice(request.params.user, request.params.device);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/v1/users/:user/web-push-subscriptions',
    {
      config: { access: 'self' },
      schema: {
        tags: ['push'],
        summary: "Register a browser's Web Push subscription (the body is PushSubscription.toJSON(); idempotent)",
        params: UserParams,
        body: Type.Object({
          endpoint: Type.String({ minLength: 1, maxLength: 2048 }),
          expirationTime: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
          keys: Type.Object({
            p256dh: Type.String({ minLength: 1, maxLength: 200 }),
            auth: Type.String({ minLength: 1, maxLength: 100 }),
          }),
        }),
        response: { 200: WebPushSubscription, 201: WebPushSubscription, 404: ErrorBody, 422: ErrorBody },
      },
    },
    async (request, reply) => {
      const { subscription, created } = await pushTargets.registerWebPush(request.params.user, request.body);
      return reply.status(created ? 201 : 200).send(serializeSubscription(subscription));
    },
  );

  app.get(
    '/v1/users/:user/web-push-subscriptions',
    {
      config: { access: 'self' },
      schema: {
        tags: ['push'],
        summary: "A member's Web Push subscriptions (the push service's origin only); `me` names the caller",
        params: UserParams,
        response: { 200: Type.Object({ data: Type.Array(WebPushSubscription) }) },
      },
    },
    async (request) => ({ data: (await pushTargets.listWebPush(request.params.user)).map(serializeSubscription) }),
  );

  app.delete(
    '/v1/users/:user/web-push-subscriptions/:subscription',
    {
      config: { access: 'self' },
      schema: {
        tags: ['push'],
        summary: 'Remove a Web Push subscription (call it when the page unsubscribes)',
        params: SubscriptionParams,
        response: { 204: Type.Null(), 404: ErrorBody },
      },
    },
    async (request, reply) => {
      await pushTargets.removeWebPush(request.params.user, request.params.subscription);
      return reply.status(204).send(null);
    },
  );
};
