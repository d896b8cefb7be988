import { WEBHOOK_FORMATS, type WebhookFormat } from '../channels/webhook/webhook-format.ts';

/**
 * The kinds of hook and the settings each takes (product.md section 2). Routing sends a hook's
 * deliveries through the channel named after its kind (`deliveries.channel = hook.kind`), so a
 * kind added here routes at once; until its channel is registered, its deliveries fail with
 * "the <kind> channel is not configured on this server".
 */
export const HOOK_KINDS = ['webhook', 'email', 'slack', 'hipchat', 'flowdock'] as const;
export type HookKind = (typeof HOOK_KINDS)[number];

/**
 * The bodies a webhook can carry (`raw`, `slack`, `flowdock`, `standard`): the webhook channel's
 * own list, so the API accepts exactly the formats the channel renders.
 */
export const WEBHOOK_BODY_FORMATS = WEBHOOK_FORMATS;
export type WebhookBodyFormat = WebhookFormat;

/** Where a Hipchat hook posts when it names no server (Hipchat Cloud; self-hosted installs set theirs). */
export const HIPCHAT_DEFAULT_SERVER_URL = 'https://api.hipchat.com';
/** Hipchat's current API; v1 remains for old self-hosted servers. */
export const HIPCHAT_DEFAULT_API_VERSION = 2;

/** Who an e-mail hook writes to: the owners, every member (both by role), or listed addresses. */
export type EmailRecipients = 'owners' | 'members' | string[];

/** The kind-specific part of a hook, as the API takes it at creation. */
export type HookSettingsInput =
  | { kind: 'webhook'; url: string; format?: WebhookBodyFormat | undefined }
  | { kind: 'email'; to: EmailRecipients }
  | { kind: 'slack'; url: string; channel?: string | undefined; username?: string | undefined }
  | {
      kind: 'hipchat';
      server_url?: string | undefined;
      api_version?: 1 | 2 | undefined;
      token: string;
      room: string;
    }
  | { kind: 'flowdock'; flow_token: string };

/**
 * Settings a PATCH may change. Each belongs to some kinds only (`KIND_SETTINGS`); `null` removes an
 * optional one (a Slack hook's `channel` or `username` override).
 */
export interface HookSettingsChanges {
  url?: string | undefined;
  format?: WebhookBodyFormat | undefined;
  to?: EmailRecipients | undefined;
  channel?: string | null | undefined;
  username?: string | null | undefined;
  server_url?: string | undefined;
  api_version?: 1 | 2 | undefined;
  token?: string | undefined;
  room?: string | undefined;
  flow_token?: string | undefined;
}

/**
 * The settings of each kind, by their API names. A webhook's `secrets` are not here: Clarion
 * generates them, and they never come in through the API.
 */
export const KIND_SETTINGS: { readonly [K in HookKind]: readonly (keyof HookSettingsChanges)[] } = {
  webhook: ['url', 'format'],
  email: ['to'],
  slack: ['url', 'channel', 'username'],
  hipchat: ['server_url', 'api_version', 'token', 'room'],
  flowdock: ['flow_token'],
};

/** Settings that are URLs Clarion sends to: each passes the SSRF check when saved. */
export const URL_SETTINGS: ReadonlySet<string> = new Set(['url', 'server_url']);

const ALL_SETTINGS: ReadonlySet<string> = new Set(Object.values(KIND_SETTINGS).flat());

/** True when `name` is a setting of some kind (PATCH bodies mix them with the common fields). */
export function isSettingName(name: string): name is keyof HookSettingsChanges {
  return ALL_SETTINGS.has(name);
}

export function isHookKind(value: string): value is HookKind {
  return (HOOK_KINDS as readonly string[]).includes(value);
}
