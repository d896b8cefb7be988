import type { ColumnType, Generated } from 'kysely';

/**
 * Row types of every table, keeping the SQL column names so nothing maps between layers.
 * Times are epoch milliseconds in BIGINT columns; JSON is stored as TEXT on both stores.
 */
export interface Database {
  settings: SettingsTable;
  counters: CountersTable;
  organizations: OrganizationsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  applications: ApplicationsTable;
  addons: AddonsTable;
  hooks: HooksTable;
  events: EventsTable;
  deliveries: DeliveriesTable;
  attempts: AttemptsTable;
  preferences: PreferencesTable;
  user_tokens: UserTokensTable;
  login_links: LoginLinksTable;
  sessions: SessionsTable;
  routing_traces: RoutingTracesTable;
  catalog_groups: CatalogGroupsTable;
  catalog_types: CatalogTypesTable;
  push_targets: PushTargetsTable;
  target_health: TargetHealthTable;
  inbox_items: InboxItemsTable;
  fanouts: FanoutsTable;
}

export interface SettingsTable {
  key: string;
  value: string;
}

/** Named counters; `event_seq` hands out event sequence numbers in commit order. */
export interface CountersTable {
  name: string;
  value: number;
}

export interface OrganizationsTable {
  id: string;
  name: string;
  created_at: number;
  updated_at: number;
  /**
   * Increased by triggers whenever what routing reads of the organization changes (its hooks,
   * members and their users, preferences, push targets, applications, add-ons): ingest keeps a
   * routing context until its version moves.
   */
  routing_version: Generated<number>;
}

export interface UsersTable {
  id: string;
  email: string;
  name: string | null;
  created_at: number;
  updated_at: number;
}

export type Role = 'owner' | 'admin' | 'developer' | 'finance';

export interface MembershipsTable {
  organization_id: string;
  user_id: string;
  role: Role;
  /** 1 when an owner turned billing notifications off for themselves (product.md section 3, rule 4). */
  billing_opt_out: ColumnType<number, number | undefined, number>;
  created_at: number;
  updated_at: number;
}

export interface ApplicationsTable {
  organization_id: string;
  id: string;
  name: string;
  created_at: number;
  updated_at: number;
}

export interface AddonsTable {
  organization_id: string;
  id: string;
  name: string;
  /** The application the add-on is attached to, if any. */
  application_id: string | null;
  created_at: number;
  updated_at: number;
}

export interface HooksTable {
  id: string;
  organization_id: string;
  name: string;
  kind: string;
  /** JSON of the kind's settings; secret values inside are encrypted (SecretBox). */
  settings: string;
  /** JSON: "all" or a list of type names and "group:<name>" entries. */
  events: string;
  /** JSON list of application ids, or null for every application. */
  applications: string | null;
  /** JSON list of add-on ids, or null for every add-on. */
  addons: string | null;
  enabled: number;
  /** Why the hook was disabled, when Clarion disabled it (e.g. the receiver answered 410). */
  disabled_reason: string | null;
  created_at: number;
  updated_at: number;
}

export interface EventsTable {
  /** Increases in commit order on both stores (see counters). */
  seq: number;
  organization_id: string;
  id: string;
  type: string;
  application_id: string | null;
  addon_id: string | null;
  occurred_at: number;
  received_at: number;
  /** JSON object: the platform's representation of the resource. */
  data: string;
  /** Hash of the request as sent: same id with another body is a conflict. Empty when Clarion chose the id. */
  body_hash: string;
}

export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'gone' | 'cancelled';

export interface DeliveriesTable {
  id: string;
  organization_id: string;
  event_seq: number;
  event_id: string;
  event_type: string;
  application_id: string | null;
  hook_id: string | null;
  user_id: string | null;
  channel: string;
  /** Per-recipient address: an e-mail, or a push target id (ios, browser); null for hooks, whose settings say where. */
  address: string | null;
  /** The routing rule that created this delivery, as the "why" trace shows it. */
  reason: string;
  status: DeliveryStatus;
  /** Attempts made in the current schedule (a manual re-send starts a new one). */
  attempts: number;
  next_attempt_at: number;
  lease_owner: string | null;
  lease_until: number | null;
  last_status_code: number | null;
  last_error: string | null;
  provider_message_id: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

export interface AttemptsTable {
  id: string;
  delivery_id: string;
  organization_id: string;
  attempt: number;
  started_at: number;
  latency_ms: number;
  outcome: 'sent' | 'retry' | 'failed' | 'gone';
  status_code: number | null;
  response_excerpt: string | null;
  error: string | null;
}

/** A cell of a member's preference matrix that they set; untouched cells have no row. */
export interface PreferencesTable {
  organization_id: string;
  user_id: string;
  /** '' for the account level, else the application the cell overrides. */
  application_id: string;
  event_type: string;
  channel: string;
  enabled: number;
  updated_at: number;
}

/** A member's personal API token (SHA-256 of the secret; the secret is shown once). */
export interface UserTokensTable {
  id: string;
  user_id: string;
  token_hash: string;
  name: string;
  created_at: number;
  last_used_at: number | null;
}

/** A one-time login link: exchanged once for a session, before it expires. */
export interface LoginLinksTable {
  token_hash: string;
  user_id: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

/** A dashboard session (cookie), created from a login link. */
export interface SessionsTable {
  token_hash: string;
  user_id: string;
  created_at: number;
  expires_at: number;
}

/** The "skip" entries of an event's routing trace, as JSON (its deliveries hold the rest). */
export interface RoutingTracesTable {
  event_seq: number;
  organization_id: string;
  skipped: string;
  created_at: number;
}

/**
 * An event routed to more deliveries than ingest writes before its 202: the routing plan, kept
 * until every planned delivery is a row of `deliveries` (`expanded` counts those made so far).
 */
export interface FanoutsTable {
  event_seq: number;
  organization_id: string;
  event_id: string;
  event_type: string;
  application_id: string | null;
  /** JSON: the planned deliveries, in routing order (see stored-plan.ts). */
  plan: string;
  total: number;
  expanded: number;
  created_at: number;
}

export interface CatalogGroupsTable {
  name: string;
  description: string;
  updated_at: number;
}

/** An operator-defined or changed event type: its definition as JSON. */
export interface CatalogTypesTable {
  name: string;
  definition: string;
  updated_at: number;
}

/** A member's iOS device token or Web Push subscription (migration 0003). */
export interface PushTargetsTable {
  id: string;
  user_id: string;
  /** The personal channel it serves: `ios` or `browser`. */
  channel: string;
  /** SHA-256 (hex) of the device token or the subscription endpoint: finds a re-registration. */
  target_hash: string;
  /** The token or subscription as JSON, sealed with the SecretBox. */
  sealed: string;
  /** What a listing shows: the member's name for an iOS device, the push service origin for Web Push. */
  label: string | null;
  created_at: number;
  updated_at: number;
}

/**
 * A failing delivery target's circuit breaker (docs/architecture.md). `target` is
 * `hook:<hook id>` or `to:<channel>:<address>`; no row means healthy.
 */
export interface TargetHealthTable {
  target: string;
  /** `retry` outcomes since the last success. */
  consecutive_failures: number;
  /** When the first of those failures was recorded. */
  failing_since: number;
  /** While set, the breaker is open: deliveries to the target wait until this time (or a probe's end). */
  paused_until: number | null;
  /** Length of the current pause (doubles on each failed probe); 0 before the breaker first opens. */
  pause_ms: number;
  updated_at: number;
}

/** One event in a member's browser inbox (their `browser` preference routed it there). */
export interface InboxItemsTable {
  user_id: string;
  event_seq: number;
  organization_id: string;
  created_at: number;
  /** When the member marked it read (on any device); null while unread. */
  read_at: number | null;
}
