/**
 * The one registry of Clarion's error codes (after Fastify's lib/errors.js). Each code has an
 * HTTP status and a message template; `docs/errors.md` documents every one. A code is never
 * reused for another meaning, even after it is retired.
 */
const DEFINITIONS = {
  // Authentication and access
  CLARION_ERR_AUTH_MISSING: [
    401,
    'Send the platform key or a member token as "Authorization: Bearer <key>", or sign in with a login link.',
  ],
  CLARION_ERR_AUTH_INVALID: [401, 'The API key is not valid.'],
  CLARION_ERR_SESSION_INVALID: [401, 'Your session has expired or was ended; sign in again with a new login link.'],
  CLARION_ERR_STREAM_TOKEN_INVALID: [
    401,
    'The stream token is invalid, expired or for another stream; mint a new one (they last 5 minutes).',
  ],
  CLARION_ERR_LOGIN_LINK_INVALID: [401, 'The login link is unknown, already used or expired; ask for a new one.'],
  CLARION_ERR_FORBIDDEN_PLATFORM_ONLY: [403, 'Only the platform key may %s; member credentials cannot.'],
  CLARION_ERR_FORBIDDEN_ROLE: [403, 'Your role (%s) in organization "%s" does not allow this: %s.'],
  CLARION_ERR_FORBIDDEN_OTHER_MEMBER: [
    403,
    'Members act only for themselves: use your own user id (or "me") instead of "%s".',
  ],
  CLARION_ERR_FORBIDDEN_MEMBER_ROLE: [
    403,
    'Members may add finance members only (role "finance"); ask the platform to add a member with role "%s".',
  ],
  CLARION_ERR_FORBIDDEN_NOT_MEMBER: [
    403,
    'This route answers for a member (their token or session); the platform key is not a member.',
  ],
  CLARION_ERR_NOTIFICATION_NOT_FOUND: [404, 'Notification %s is not in your inbox.'],
  CLARION_ERR_STREAM_UPGRADE_REQUIRED: [
    426,
    'This is a WebSocket endpoint: connect with a WebSocket client (Upgrade: websocket), or use %s for Server-Sent Events.',
  ],
  CLARION_ERR_STREAM_INVALID_AFTER: [
    400,
    'Resume from a sequence number: Last-Event-ID or ?after= must be a whole number (0 or more), not "%s".',
  ],
  CLARION_ERR_TOKEN_NOT_FOUND: [404, 'Token "%s" does not exist (or was already revoked).'],
  CLARION_ERR_USER_NOT_FOUND: [404, 'User "%s" does not exist; add them to an organization first.'],
  // Requests
  CLARION_ERR_REQUEST_MALFORMED_JSON: [400, 'The request body is not valid JSON: %s'],
  CLARION_ERR_REQUEST_TOO_LARGE: [413, 'The request body is larger than %s bytes.'],
  CLARION_ERR_REQUEST_UNSUPPORTED_MEDIA_TYPE: [415, 'Send the body as application/json.'],
  CLARION_ERR_REQUEST_INVALID: [400, '%s'],
  CLARION_ERR_REQUEST_INVALID_CURSOR: [400, 'The cursor "%s" is not one this listing gave out.'],
  CLARION_ERR_NOT_FOUND: [404, 'No route %s %s.'],
  // Organizations, members, applications, add-ons
  CLARION_ERR_ORGANIZATION_NOT_FOUND: [404, 'Organization "%s" does not exist.'],
  CLARION_ERR_ORGANIZATION_EXISTS: [409, 'Organization "%s" already exists.'],
  CLARION_ERR_MEMBER_NOT_FOUND: [404, 'Member "%s" is not in organization "%s".'],
  CLARION_ERR_MEMBER_EXISTS: [409, 'User "%s" is already a member of organization "%s".'],
  CLARION_ERR_APPLICATION_NOT_FOUND: [404, 'Application "%s" does not exist in organization "%s".'],
  CLARION_ERR_APPLICATION_EXISTS: [409, 'Application "%s" already exists in organization "%s".'],
  CLARION_ERR_ADDON_NOT_FOUND: [404, 'Add-on "%s" does not exist in organization "%s".'],
  CLARION_ERR_ADDON_EXISTS: [409, 'Add-on "%s" already exists in organization "%s".'],
  CLARION_ERR_ADDON_UNKNOWN_APPLICATION: [
    422,
    'The add-on is attached to application "%s", which does not exist in this organization.',
  ],
  // Preferences and billing
  CLARION_ERR_UNSUBSCRIBE_LINK_INVALID: [
    400,
    'This unsubscribe link is not valid (cut short, changed, or signed with a secret key Clarion no longer uses); change your notification settings in Clarion instead.',
  ],
  CLARION_ERR_PREFERENCE_UNKNOWN_TYPE: [422, 'Event type "%s" is not in the catalog (GET /v1/event-types lists them).'],
  CLARION_ERR_PREFERENCE_ACCOUNT_ONLY: [
    422,
    'Event type "%s" happens only at account level; set it in the account preferences, not for an application.',
  ],
  CLARION_ERR_BILLING_NOT_OWNER: [
    422,
    'Only owners can turn billing off for themselves; %s is %s (finance members always receive billing).',
  ],
  CLARION_ERR_BILLING_LAST_RECIPIENT: [
    409,
    'Turning billing off for %s would leave nobody receiving billing events; add a finance member, or keep another owner receiving them, first.',
  ],
  // Hooks
  CLARION_ERR_HOOK_NOT_FOUND: [404, 'Hook "%s" does not exist in organization "%s".'],
  CLARION_ERR_HOOK_UNKNOWN_EVENT: [
    422,
    'The event filter names "%s", which is neither an event type nor "group:<name>" of a known group.',
  ],
  CLARION_ERR_HOOK_UNKNOWN_APPLICATION: [
    422,
    'The hook scope names application "%s", which does not exist in this organization.',
  ],
  CLARION_ERR_HOOK_UNKNOWN_ADDON: [422, 'The hook scope names add-on "%s", which does not exist in this organization.'],
  CLARION_ERR_HOOK_INVALID_URL: [422, 'The hook URL is not usable: %s'],
  CLARION_ERR_HOOK_FORBIDDEN_TARGET: [
    422,
    'The hook URL points to %s, which Clarion does not deliver to (set CLARION_ALLOW_PRIVATE_TARGETS=true for local use).',
  ],
  CLARION_ERR_HOOK_TOKEN_REJECTED: [422, 'The hook was not saved: %s.'],
  CLARION_ERR_HOOK_SERVER_UNREACHABLE: [
    424,
    'The hook was not saved: Clarion could not check its token (%s). Check %s, or try again once the server answers.',
  ],
  CLARION_ERR_HOOK_SETTING_NOT_FOR_KIND: [422, 'Setting "%s" does not belong to a %s hook (its settings: %s).'],
  CLARION_ERR_HOOK_KIND_CHANGE: [
    422,
    'Hook "%s" is a %s hook and cannot become a %s hook; delete it and create a new one instead.',
  ],
  CLARION_ERR_HOOK_NO_EVENTS_LEFT: [
    409,
    'Turning off "%s" would leave hook "%s" with no event; disable the hook (PATCH {"enabled": false}) or delete it instead.',
  ],
  CLARION_ERR_HOOK_DEFAULT_EXISTS: [
    409,
    'Organization "%s" already has a hook named "%s" (%s); edit or delete that one before re-creating it.',
  ],
  CLARION_ERR_SETTINGS_DUPLICATE_HOOK: [
    422,
    'The settings name hook "%s" more than once; hooks are matched by name, so each name may appear once.',
  ],
  CLARION_ERR_SETTINGS_AMBIGUOUS_HOOK: [
    409,
    'Hook name "%s" matches %s hooks of this organization; rename them so each name is unique, then import again.',
  ],
  CLARION_ERR_SETTINGS_SECRET_MISSING: [
    422,
    'Hook "%s" does not exist here yet, so its %s cannot be "[redacted]": put the real value in the settings.',
  ],
  CLARION_ERR_SETTINGS_HOOK_SCOPED: [
    422,
    'Hook "%s" names applications or add-ons; the hooks of an application\'s settings are scoped to that application alone, so leave both out.',
  ],
  CLARION_ERR_SETTINGS_COPY_TO_SELF: [
    422,
    'Application "%s" is both the source and a target of the copy; list only other applications.',
  ],
  CLARION_ERR_HOOK_TEST_UNKNOWN_TYPE: [
    422,
    'Cannot send a test "%s" event: the type is not in the catalog (GET /v1/event-types lists them).',
  ],
  CLARION_ERR_HOOK_TEST_NO_EVENT: [
    409,
    'Hook "%s" matches no event type in the catalog; name the one to send with {"event_type": "<type>"}.',
  ],
  CLARION_ERR_HOOK_TEST_NO_RECIPIENT: [
    409,
    'Hook "%s" writes to the organization\'s members, and it has no owner to send the test to; call as a member to receive it yourself.',
  ],
  CLARION_ERR_HOOK_NOT_WEBHOOK: [409, 'Hook "%s" is a %s hook: only webhooks have a signing secret to rotate.'],
  CLARION_ERR_HOOK_SECRET_OVERLAP_INVALID: [
    422,
    '"overlap_seconds" must be a whole number of seconds from 0 to %s (7 days); got %s.',
  ],
  CLARION_ERR_HOOK_SECRET_LIMIT: [
    409,
    'Hook "%s" already has %s previous secrets still signing; wait until one expires, or rotate with {"overlap_seconds": 0} to stop them all now.',
  ],
  // Push targets (iOS devices, Web Push subscriptions)
  CLARION_ERR_PUSH_INVALID_DEVICE_TOKEN: [
    422,
    'The device token is not usable: %s (send the APNs token as hex, as the app got it from registerForRemoteNotifications).',
  ],
  CLARION_ERR_PUSH_INVALID_ENDPOINT: [422, 'The Web Push endpoint is not usable: %s'],
  CLARION_ERR_PUSH_FORBIDDEN_ENDPOINT: [
    422,
    'The Web Push endpoint points to %s, which Clarion does not deliver to (set CLARION_ALLOW_PRIVATE_TARGETS=true for local use).',
  ],
  CLARION_ERR_PUSH_INVALID_KEYS: [
    422,
    "The subscription keys are not usable: %s (send the browser's PushSubscription.toJSON() as it is).",
  ],
  CLARION_ERR_PUSH_DEVICE_NOT_FOUND: [404, 'iOS device "%s" is not registered for user "%s".'],
  CLARION_ERR_PUSH_SUBSCRIPTION_NOT_FOUND: [404, 'Web Push subscription "%s" is not registered for user "%s".'],
  // Events
  CLARION_ERR_EVENT_UNKNOWN_TYPE: [422, 'Event type "%s" is not in the catalog (GET /v1/event-types lists them).'],
  CLARION_ERR_EVENT_UNKNOWN_ORGANIZATION: [
    422,
    'Organization "%s" does not exist; register it with POST /v1/organizations first.',
  ],
  CLARION_ERR_EVENT_UNKNOWN_APPLICATION: [422, 'Application "%s" does not exist in organization "%s".'],
  CLARION_ERR_EVENT_UNKNOWN_ADDON: [422, 'Add-on "%s" does not exist in organization "%s".'],
  CLARION_ERR_EVENT_SCOPE_MISMATCH: [422, '%s'],
  CLARION_ERR_EVENT_DATA_NOT_OBJECT: [422, '"data" must be a JSON object: it becomes the body of the raw format.'],
  CLARION_ERR_EVENT_DATA_RESERVED_KEY: [422, '"data" must not have its own "%s" key: the raw format adds it.'],
  CLARION_ERR_EVENT_NOT_FOUND: [404, 'Event "%s" does not exist in organization "%s".'],
  CLARION_ERR_EVENT_ID_CONFLICT: [
    409,
    'Event "%s" was already received with a different body; send a new id for a new event.',
  ],
  // Deliveries
  CLARION_ERR_DELIVERY_NOT_FOUND: [404, 'Delivery "%s" does not exist.'],
  CLARION_ERR_DELIVERY_NOT_FINISHED: [409, 'Delivery "%s" is still %s; only a finished delivery can be re-sent.'],
  CLARION_ERR_DELIVERY_TARGET_DISABLED: [409, 'Hook "%s" is disabled; enable it before re-sending its deliveries.'],
  CLARION_ERR_DELIVERY_RANGE_INVALID: [400, '"until" (%s) must be later than "since" (%s).'],
  CLARION_ERR_DELIVERY_STATS_TOO_MANY_BUCKETS: [
    400,
    'From %s to %s by %s makes %s buckets, more than the %s a chart may have; choose a longer bucket or a shorter range.',
  ],
  // Catalog
  CLARION_ERR_CATALOG_TYPE_NOT_FOUND: [404, 'Event type "%s" is not in the catalog.'],
  CLARION_ERR_CATALOG_GROUP_NOT_FOUND: [404, 'Event group "%s" is not in the catalog.'],
  CLARION_ERR_CATALOG_UNKNOWN_GROUP: [
    422,
    'Event type "%s" names group "%s", which is not in the catalog; create it first with PUT /v1/event-groups/%s.',
  ],
  CLARION_ERR_CATALOG_UNKNOWN_PAIR: [422, 'Event type "%s" is paired with "%s", which is not in the catalog.'],
  CLARION_ERR_CATALOG_INVALID_PAIR: [422, 'Event type "%s" cannot be paired with "%s": %s.'],
  CLARION_ERR_CATALOG_TYPE_BUILTIN: [
    409,
    'Event type "%s" is built in and cannot be removed; change it instead (PUT /v1/event-types/%s).',
  ],
  CLARION_ERR_CATALOG_GROUP_BUILTIN: [
    409,
    'Event group "%s" is built in and cannot be removed; change it instead (PUT /v1/event-groups/%s).',
  ],
  CLARION_ERR_CATALOG_TYPE_IN_USE: [409, 'Event type "%s" is in use and cannot be removed: %s.'],
  CLARION_ERR_CATALOG_GROUP_IN_USE: [409, 'Event group "%s" is in use and cannot be removed: %s.'],
  // Server
  CLARION_ERR_INTERNAL: [500, 'Something went wrong on our side; quote error id %s when reporting it.'],
  CLARION_ERR_UNAVAILABLE: [503, 'Clarion is shutting down or not ready; try again shortly.'],
} as const satisfies Record<string, readonly [number, string]>;

export type ErrorCode = keyof typeof DEFINITIONS;

/** An error meant for the API caller: a stable code, an HTTP status and a message to act on. */
export class ClarionError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;

  constructor(code: ErrorCode, ...args: (string | number)[]) {
    const [statusCode, template] = DEFINITIONS[code];
    let index = 0;
    super(template.replace(/%s/g, () => String(args[index++] ?? '')));
    this.name = 'ClarionError';
    this.code = code;
    this.statusCode = statusCode;
  }
}

/** Every registered code with its status: docs and tests enumerate these. */
export function listErrorCodes(): { code: ErrorCode; statusCode: number; message: string }[] {
  return Object.entries(DEFINITIONS).map(([code, [statusCode, message]]) => ({
    code: code as ErrorCode,
    statusCode,
    message,
  }));
}
