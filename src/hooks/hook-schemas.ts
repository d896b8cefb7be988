import { Type, type TLiteral } from 'typebox';
import { WEBHOOK_BODY_FORMATS, type WebhookBodyFormat } from './hook-kinds.ts';
import { DEFAULT_OVERLAP_SECONDS, MAX_OVERLAP_SECONDS } from './webhook-secrets.ts';

/**
 * The request bodies of the hooks API, one object per kind (`additionalProperties: false`), so a
 * setting of another kind is refused by validation rather than silently stored.
 */

export const EventsFilter = Type.Union([
  Type.Literal('all'),
  Type.Array(Type.String({ minLength: 1 }), {
    minItems: 1,
    description: 'Event type names and "group:<name>" entries',
  }),
]);
export const IdList = Type.Union([Type.Array(Type.String({ minLength: 1 })), Type.Null()]);

const TargetUrl = Type.String({ minLength: 1, maxLength: 2048 });
const Recipients = Type.Union([
  Type.Literal('owners'),
  Type.Literal('members'),
  Type.Array(Type.String({ format: 'email', maxLength: 320 }), { minItems: 1 }),
]);
// From the one list of formats; the cast keeps the literal type that `map` loses.
const WebhookFormat = Type.Union(
  WEBHOOK_BODY_FORMATS.map((format) => Type.Literal(format)) as unknown as [
    TLiteral<WebhookBodyFormat>,
    ...TLiteral<WebhookBodyFormat>[],
  ],
  {
    description:
      'raw: the event as the seeds send it; slack / flowdock: a body those services accept; ' +
      'standard: the Standard Webhooks envelope {type, timestamp, data}',
  },
);
const SlackUrl = Type.String({
  minLength: 1,
  maxLength: 2048,
  description: 'The incoming webhook URL (a secret: redacted in answers)',
});
const SlackChannel = Type.String({ minLength: 1, maxLength: 80, description: 'Overrides the channel, e.g. #deploys' });
const SlackUsername = Type.String({ minLength: 1, maxLength: 80, description: 'Overrides the poster name' });
const HipchatServerUrl = Type.String({
  minLength: 1,
  maxLength: 2048,
  description: 'Base URL of the Hipchat server; default https://api.hipchat.com',
});
const HipchatApiVersion = Type.Union([Type.Literal(1), Type.Literal(2)], { description: 'Default 2' });
const HipchatToken = Type.String({ minLength: 1, maxLength: 512, description: 'A secret: redacted in answers' });
const HipchatRoom = Type.String({ minLength: 1, maxLength: 100, description: 'Room id or name' });
const FlowToken = Type.String({ minLength: 1, maxLength: 512, description: 'A secret: redacted in answers' });

const Name = Type.String({ minLength: 1, maxLength: 200 });
const Common = {
  name: Name,
  events: EventsFilter,
  applications: Type.Optional(IdList),
  addons: Type.Optional(IdList),
  enabled: Type.Optional(Type.Boolean()),
};
const closed = { additionalProperties: false } as const;

export const CreateHook = Type.Union([
  Type.Object(
    { ...Common, kind: Type.Literal('webhook'), url: TargetUrl, format: Type.Optional(WebhookFormat) },
    closed,
  ),
  Type.Object({ ...Common, kind: Type.Literal('email'), to: Recipients }, closed),
  Type.Object(
    {
      ...Common,
      kind: Type.Literal('slack'),
      url: SlackUrl,
      channel: Type.Optional(SlackChannel),
      username: Type.Optional(SlackUsername),
    },
    closed,
  ),
  Type.Object(
    {
      ...Common,
      kind: Type.Literal('hipchat'),
      server_url: Type.Optional(HipchatServerUrl),
      api_version: Type.Optional(HipchatApiVersion),
      token: HipchatToken,
      room: HipchatRoom,
    },
    closed,
  ),
  Type.Object({ ...Common, kind: Type.Literal('flowdock'), flow_token: FlowToken }, closed),
]);

const CommonChanges = {
  name: Type.Optional(Name),
  events: Type.Optional(EventsFilter),
  applications: Type.Optional(IdList),
  addons: Type.Optional(IdList),
  enabled: Type.Optional(Type.Boolean()),
};

/**
 * A PATCH body: the common fields and the settings of one kind. `kind` may be repeated (it must
 * be the hook's own); which kind's settings apply is checked against the stored hook.
 */
export const UpdateHook = Type.Union([
  Type.Object(
    {
      ...CommonChanges,
      kind: Type.Optional(Type.Literal('webhook')),
      url: Type.Optional(TargetUrl),
      format: Type.Optional(WebhookFormat),
    },
    closed,
  ),
  Type.Object({ ...CommonChanges, kind: Type.Optional(Type.Literal('email')), to: Type.Optional(Recipients) }, closed),
  Type.Object(
    {
      ...CommonChanges,
      kind: Type.Optional(Type.Literal('slack')),
      url: Type.Optional(SlackUrl),
      // null removes the override.
      channel: Type.Optional(Type.Union([SlackChannel, Type.Null()])),
      username: Type.Optional(Type.Union([SlackUsername, Type.Null()])),
    },
    closed,
  ),
  Type.Object(
    {
      ...CommonChanges,
      kind: Type.Optional(Type.Literal('hipchat')),
      server_url: Type.Optional(HipchatServerUrl),
      api_version: Type.Optional(HipchatApiVersion),
      token: Type.Optional(HipchatToken),
      room: Type.Optional(HipchatRoom),
    },
    closed,
  ),
  Type.Object(
    { ...CommonChanges, kind: Type.Optional(Type.Literal('flowdock')), flow_token: Type.Optional(FlowToken) },
    closed,
  ),
]);

/** The settings fields a hook answer may carry besides the common ones (secrets redacted). */
export const HookSettingsFields = {
  url: Type.Optional(Type.String({ description: 'webhook: the target; slack: "[redacted]"' })),
  format: Type.Optional(WebhookFormat),
  to: Type.Optional(Recipients),
  channel: Type.Optional(Type.String()),
  username: Type.Optional(Type.String()),
  server_url: Type.Optional(Type.String()),
  api_version: Type.Optional(HipchatApiVersion),
  token: Type.Optional(Type.String({ description: '"[redacted]"' })),
  room: Type.Optional(Type.String()),
  flow_token: Type.Optional(Type.String({ description: '"[redacted]"' })),
  secrets: Type.Optional(
    Type.Array(
      Type.Object({
        secret: Type.Literal('[redacted]'),
        expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
          description: 'When it stops signing; null for the current secret',
        }),
      }),
      { description: 'webhook: the signing secrets that sign now (more than one during a rotation)' },
    ),
  ),
};

export const RotateSecretRequest = Type.Object(
  {
    overlap_seconds: Type.Optional(
      Type.Integer({
        description: `How long the previous secrets keep signing beside the new one: 0 (stop now) to ${MAX_OVERLAP_SECONDS}; default ${DEFAULT_OVERLAP_SECONDS}`,
      }),
    ),
  },
  closed,
);

export const EventToggle = Type.Object({
  type: Type.String(),
  description: Type.String(),
  groups: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  via: Type.Union([Type.String(), Type.Null()], {
    description: 'What turns it on: "all", the type name, or "group:<name>"; null when off',
  }),
});

export const EventToggles = Type.Object({
  hook: Type.String(),
  events: EventsFilter,
  data: Type.Array(EventToggle),
});

export const SetEventToggle = Type.Object({ enabled: Type.Boolean() }, closed);

export const TestSendRequest = Type.Object(
  {
    event_type: Type.Optional(
      Type.String({ minLength: 1, description: 'Default: the first catalog type the filter matches' }),
    ),
  },
  closed,
);

const ReportFields = {
  outcome: Type.Union([Type.Literal('sent'), Type.Literal('retry'), Type.Literal('failed'), Type.Literal('gone')]),
  status_code: Type.Union([Type.Integer(), Type.Null()], { description: 'HTTP status or SMTP reply code' }),
  response_excerpt: Type.Union([Type.String(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  latency_ms: Type.Integer(),
  delivery_id: Type.String({ description: 'The delivery in the log that records this send' }),
};

export const TestSendResponse = Type.Object({
  event_type: Type.String(),
  event_id: Type.String({ description: 'The stored test event (its data has "test": true)' }),
  ...ReportFields,
  recipients: Type.Optional(
    Type.Array(Type.Object({ address: Type.String(), ...ReportFields }), {
      description: 'E-mail hooks: one report per address; the top-level fields are the worst of them',
    }),
  ),
});
