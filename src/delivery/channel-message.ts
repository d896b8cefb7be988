import type { EventType } from '../catalog/event-type.ts';
import type { ChannelEvent, ChannelMessage } from '../channels/channel.ts';
import type { HookSettingsCodec } from '../hooks/hook-settings.ts';
import { PUSH_CHANNELS, type PushTargetCodec } from '../push/push-targets.ts';
import type { ClaimedDelivery } from '../store/delivery-queue.ts';
import type { EventRow } from '../store/event-repository.ts';
import type { DeliveryBatch } from './delivery-batch.ts';
import { RevealedSettingsCache } from './revealed-settings-cache.ts';

/** Why a delivery cannot be attempted at all (its target went away before the send). */
export interface Unsendable {
  readonly unsendable: string;
}

/**
 * The decrypted settings a delivery's channel needs: its hook's (cached between batches while
 * the hook is unchanged), or its push target's (an iOS device, a Web Push subscription).
 */
export class TargetSettings {
  private readonly revealedHooks: RevealedSettingsCache;

  constructor(
    hookSettings: HookSettingsCodec,
    private readonly pushTargets: PushTargetCodec,
  ) {
    this.revealedHooks = new RevealedSettingsCache(hookSettings);
  }

  of(row: ClaimedDelivery, batch: DeliveryBatch): Readonly<Record<string, unknown>> | Unsendable {
    if (row.hook_id !== null) {
      const hook = batch.hooks.get(row.hook_id);
      if (!hook) return { unsendable: 'the hook was deleted' };
      if (!hook.enabled) return { unsendable: 'the hook was disabled before this delivery was sent' };
      const settings = batch.hookSettings.get(hook.id) ?? this.revealedHooks.reveal(hook);
      batch.hookSettings.set(hook.id, settings);
      return settings;
    }
    if (PUSH_CHANNELS.has(row.channel) && row.address !== null) {
      const target = batch.pushTargets.get(row.address);
      if (!target || target.channel !== row.channel) {
        return { unsendable: 'the device or subscription was removed before this delivery was sent' };
      }
      return this.pushTargets.reveal(target.sealed);
    }
    return NO_SETTINGS;
  }
}

const NO_SETTINGS: Readonly<Record<string, unknown>> = Object.freeze({});

export function isUnsendable(value: object): value is Unsendable {
  return 'unsendable' in value;
}

/** Everything the channel is given for one attempt of `row`. */
export function channelMessage(
  row: ClaimedDelivery,
  batch: DeliveryBatch,
  event: EventRow,
  eventType: EventType,
  settings: Readonly<Record<string, unknown>>,
): ChannelMessage {
  return {
    deliveryId: row.id,
    attempt: row.attempts + 1,
    event: channelEvent(batch, event),
    eventType,
    organization: batch.organizations.get(row.organization_id) ?? {
      id: row.organization_id,
      name: row.organization_id,
    },
    application:
      event.application_id === null
        ? null
        : (batch.applications.get(`${event.organization_id}/${event.application_id}`) ?? {
            id: event.application_id,
            name: event.application_id,
          }),
    address: row.address,
    userId: row.user_id,
    settings,
  };
}

/** The batch's one `ChannelEvent` for `event`: parsed once, shared by every delivery of the event. */
function channelEvent(batch: DeliveryBatch, event: EventRow): ChannelEvent {
  let shared = batch.channelEvents.get(event.seq);
  if (shared === undefined) {
    shared = Object.freeze(channelEventOf(event));
    batch.channelEvents.set(event.seq, shared);
  }
  return shared;
}

/** A stored event as channels (and the streams, which render the same formats) see it. */
export function channelEventOf(
  row: Pick<
    EventRow,
    'id' | 'seq' | 'type' | 'organization_id' | 'application_id' | 'addon_id' | 'occurred_at' | 'data'
  >,
): ChannelEvent {
  return {
    id: row.id,
    seq: row.seq,
    type: row.type,
    organizationId: row.organization_id,
    applicationId: row.application_id,
    addonId: row.addon_id,
    occurredAt: row.occurred_at,
    data: JSON.parse(row.data) as Record<string, unknown>,
  };
}
