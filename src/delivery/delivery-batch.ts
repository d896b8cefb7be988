import type { ChannelEvent } from '../channels/channel.ts';
import type { Store } from '../store/store.ts';
import type { ClaimedDelivery } from '../store/delivery-queue.ts';
import type { EventRow } from '../store/event-repository.ts';
import { PUSH_CHANNELS } from '../push/push-targets.ts';
import { deliveryTarget, type TargetHealthRow } from '../store/target-health-repository.ts';

/**
 * What the worker reads of a hook: whether it may still be sent to, and its settings as stored
 * (JSON, secrets sealed). Whole hook records (twelve columns, four of them JSON to parse) cost
 * about as much as the claim on SQLite, and a batch names each of its hooks about once.
 */
export interface BatchHook {
  readonly id: string;
  readonly kind: string;
  readonly enabled: boolean;
  /** The `settings` column as stored: JSON with the secret values sealed. */
  readonly storedSettings: string;
}

/**
 * What a claimed batch of deliveries refers to, loaded with one query per table. The channel's
 * view of each event and each hook's decrypted settings are kept once per batch: an event
 * fanned out to a hundred hooks is parsed once, and its deliveries share one `ChannelEvent`
 * object, so a channel can render the event's body once for all of them.
 */
export interface DeliveryBatch {
  readonly events: Map<number, EventRow>;
  readonly hooks: Map<string, BatchHook>;
  /** The event as channels see it (data parsed), by event seq, filled on first use. */
  readonly channelEvents: Map<number, ChannelEvent>;
  /** Decrypted settings by hook id, filled on first use. */
  readonly hookSettings: Map<string, Readonly<Record<string, unknown>>>;
  /** Members' push targets (sealed) named by the batch's personal push deliveries, by id. */
  readonly pushTargets: Map<string, { readonly channel: string; readonly sealed: string }>;
  readonly organizations: Map<string, { id: string; name: string }>;
  /** Keyed by `${organizationId}/${applicationId}`. */
  readonly applications: Map<string, { id: string; name: string }>;
  /** The circuit breakers of the batch's failing targets, by target (healthy targets have none). */
  readonly health: Map<string, TargetHealthRow>;
}

export async function loadDeliveryBatch(store: Store, rows: readonly ClaimedDelivery[]): Promise<DeliveryBatch> {
  const unique = <T>(values: (T | null)[]) => [...new Set(values.filter((value): value is T => value !== null))];
  const orgIds = unique(rows.map((row) => row.organization_id));
  const appIds = unique(rows.map((row) => row.application_id));
  const hookIds = unique(rows.map((row) => row.hook_id));
  const pushTargetIds = unique(
    rows.map((row) => (row.hook_id === null && PUSH_CHANNELS.has(row.channel) ? row.address : null)),
  );
  const [events, hooks, organizations, applications, pushTargets, health] = await Promise.all([
    store.events.getBySeq(unique(rows.map((row) => row.event_seq))),
    hookIds.length === 0
      ? Promise.resolve([])
      : store.db.selectFrom('hooks').select(['id', 'kind', 'enabled', 'settings']).where('id', 'in', hookIds).execute(),
    store.db.selectFrom('organizations').select(['id', 'name']).where('id', 'in', orgIds).execute(),
    appIds.length === 0
      ? Promise.resolve([])
      : store.db
          .selectFrom('applications')
          .select(['organization_id', 'id', 'name'])
          .where('organization_id', 'in', orgIds)
          .where('id', 'in', appIds)
          .execute(),
    store.pushTargets.byIds(pushTargetIds),
    store.targetHealth.read(unique(rows.map(deliveryTarget))),
  ]);
  return {
    events,
    hooks: new Map(
      hooks.map((hook) => [
        hook.id,
        { id: hook.id, kind: hook.kind, enabled: hook.enabled === 1, storedSettings: hook.settings },
      ]),
    ),
    channelEvents: new Map(),
    hookSettings: new Map(),
    pushTargets: new Map(pushTargets.map((target) => [target.id, target])),
    organizations: new Map(organizations.map((org) => [org.id, org])),
    applications: new Map(
      applications.map((app) => [`${app.organization_id}/${app.id}`, { id: app.id, name: app.name }]),
    ),
    health: new Map(health.map((row) => [row.target, row])),
  };
}
