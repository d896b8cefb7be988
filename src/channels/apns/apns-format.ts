import { createHash } from 'node:crypto';
import type { Severity } from '../../catalog/event-type.ts';
import type { ChannelMessage } from '../channel.ts';
import { cut, fitText, oneLine, renderPushBody } from '../push-text.ts';

/** APNs refuses larger payloads (413 PayloadTooLarge); VoIP pushes may be 5 KiB, alerts may not. */
export const MAX_PAYLOAD_BYTES = 4096;
const MAX_TITLE_LENGTH = 120;

/** Failures and warnings wake the phone (priority 10); the rest may wait for a good moment (5). */
const PRIORITIES: { readonly [S in Severity]: '10' | '5' } = { fail: '10', warning: '10', ok: '5', info: '5' };

/** The request headers that depend on the message (not on the channel's configuration). */
export interface ApnsMessageHeaders {
  readonly 'apns-id': string;
  readonly 'apns-priority': string;
  readonly 'apns-collapse-id': string;
}

/**
 * The notification's JSON: `aps.alert` {title, subtitle, body} plus Clarion's own keys outside
 * `aps`. Never more than MAX_PAYLOAD_BYTES: the body is cut (never the JSON) until it fits.
 * Pure, so every retry sends the same bytes.
 */
export function renderApnsPayload(message: ChannelMessage, maxBytes = MAX_PAYLOAD_BYTES): string {
  const { event, eventType, organization } = message;
  const description = oneLine(eventType.description) || eventType.name;
  const application = message.application ? oneLine(message.application.name) || message.application.id : null;
  const title = cut(application === null ? description : `${description}: ${application}`, MAX_TITLE_LENGTH);
  const build = (body: string) =>
    JSON.stringify({
      aps: {
        alert: { title, subtitle: cut(oneLine(organization.name) || organization.id, MAX_TITLE_LENGTH), body },
        sound: 'default',
        // Groups an organization's notifications together in Notification Center.
        'thread-id': event.organizationId,
      },
      clarion: {
        event_id: event.id,
        event_type: event.type,
        organization: event.organizationId,
        ...(event.applicationId === null ? {} : { application: event.applicationId }),
      },
    });
  const fits = (body: string) => Buffer.byteLength(build(body)) <= maxBytes;
  return build(fitText(renderPushBody(message), fits));
}

/** apns-id, apns-priority and apns-collapse-id for a message. */
export function apnsMessageHeaders(message: ChannelMessage): ApnsMessageHeaders {
  return {
    'apns-id': apnsIdOf(message.deliveryId),
    'apns-priority': PRIORITIES[message.eventType.severity] ?? '5',
    'apns-collapse-id': collapseIdOf(message),
  };
}

/**
 * APNs wants a lowercase UUID; a delivery id is `dlv_<ulid>`. The UUID is derived from the
 * delivery id (SHA-256, shaped as a version-8 UUID), so every retry carries the same apns-id.
 */
export function apnsIdOf(deliveryId: string): string {
  const hex = createHash('sha256').update(deliveryId).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Notifications with the same collapse id replace each other on the device. Paired types
 * (job.fail / job.backon) of one application share one, so "back on" replaces "failed";
 * otherwise each event has its own. At most 64 bytes, so long ids are hashed.
 */
function collapseIdOf(message: ChannelMessage): string {
  const { event, eventType } = message;
  const key =
    eventType.pairedWith === undefined
      ? `event:${event.id}`
      : `pair:${[eventType.name, eventType.pairedWith].sort().join('|')}:${event.applicationId ?? event.addonId ?? ''}`;
  return Buffer.byteLength(key) <= 64 ? key : createHash('sha256').update(key).digest('hex').slice(0, 64);
}
