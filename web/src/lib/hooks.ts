// The hooks API as the dashboard reads it (docs/api.md "Hooks"): the answers it uses, typed, and
// the words and facts each kind of hook needs on screen.

/** A hook's event filter: everything, or type names and `group:<name>` entries. */
export type EventFilter = 'all' | string[];

export type WebhookFormat = 'raw' | 'slack' | 'flowdock' | 'standard';
export type EmailRecipients = 'owners' | 'members' | string[];

/** One signing secret of a webhook, as answers list it (the value itself is never answered again). */
export interface SigningSecretEntry {
  readonly secret: '[redacted]';
  /** When it stops signing; null for the current secret. */
  readonly expires_at: string | null;
}

/** A hook as the API answers it: the common fields, and the settings of its kind (secrets redacted). */
export interface Hook {
  readonly id: string;
  readonly organization: string;
  readonly name: string;
  readonly kind: string;
  readonly events: EventFilter;
  readonly applications: string[] | null;
  readonly addons: string[] | null;
  readonly enabled: boolean;
  /** Why Clarion disabled it (its target answered "gone"); null otherwise. */
  readonly disabled_reason: string | null;
  readonly created_at: string;
  readonly updated_at: string;
  readonly url?: string;
  readonly format?: WebhookFormat;
  readonly to?: EmailRecipients;
  readonly channel?: string;
  readonly username?: string;
  readonly server_url?: string;
  readonly api_version?: 1 | 2;
  readonly token?: string;
  readonly room?: string;
  readonly flow_token?: string;
  readonly secrets?: SigningSecretEntry[];
  /** The new signing secret: only in the answer that creates a webhook or rotates its secret. */
  readonly secret?: string;
}

/** What the receiver answered to "send a test event". */
export interface TestReport {
  readonly outcome: 'sent' | 'retry' | 'failed' | 'gone';
  readonly status_code: number | null;
  readonly response_excerpt: string | null;
  readonly error: string | null;
  readonly latency_ms: number;
  readonly delivery_id: string;
}

export interface TestSendResult extends TestReport {
  readonly event_type: string;
  readonly event_id: string;
  /** E-mail hooks: one report per address; the top-level fields are the worst of them. */
  readonly recipients?: (TestReport & { readonly address: string })[];
}

export interface EventTypeInfo {
  readonly name: string;
  readonly description: string;
  readonly groups: string[];
}

export interface EventGroupInfo {
  readonly name: string;
  readonly description: string;
}

/** `GET /v1/event-types`: the catalog's types and groups. */
export interface Catalog {
  readonly data: EventTypeInfo[];
  readonly groups: EventGroupInfo[];
}

/** An application or add-on, as a scope picker needs it. */
export interface Resource {
  readonly id: string;
  readonly name: string;
}

/** The name of the e-mail hook every organization starts with (re-created by POST .../hooks/default). */
export const DEFAULT_HOOK_NAME = 'Default deployment result e-mails';

export const HOOK_KINDS = [
  { id: 'webhook', label: 'Webhook', blurb: 'Clarion POSTs each event to a URL of yours, signed.' },
  { id: 'email', label: 'E-mail', blurb: 'An e-mail per event to the owners, the members, or addresses you list.' },
  { id: 'slack', label: 'Slack', blurb: 'A message in a Slack channel, through an incoming webhook.' },
  { id: 'hipchat', label: 'Hipchat', blurb: 'A notification in a Hipchat room (Hipchat Cloud or your own server).' },
  { id: 'flowdock', label: 'Flowdock', blurb: "A message in a Flowdock flow, with the flow's API token." },
] as const;

export type HookKind = (typeof HOOK_KINDS)[number]['id'];

export function isHookKind(kind: string): kind is HookKind {
  return HOOK_KINDS.some((k) => k.id === kind);
}

/** The label of a kind; a kind this dashboard does not know yet shows its API name. */
export function kindLabel(kind: string): string {
  return HOOK_KINDS.find((k) => k.id === kind)?.label ?? kind;
}

export const WEBHOOK_FORMATS: readonly { id: WebhookFormat; label: string }[] = [
  { id: 'raw', label: 'Raw: the event as JSON, as the event stream sends it' },
  { id: 'standard', label: 'Standard Webhooks: the envelope {type, timestamp, data}' },
  { id: 'slack', label: 'Slack: a body Slack incoming webhooks accept' },
  { id: 'flowdock', label: 'Flowdock: a body the Flowdock API accepts' },
];

/** Where a Hipchat hook posts when it names no server. */
export const HIPCHAT_DEFAULT_SERVER_URL = 'https://api.hipchat.com';
