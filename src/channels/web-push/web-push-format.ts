import { createHash } from 'node:crypto';
import type { EventType, Severity } from '../../catalog/event-type.ts';
import type { ChannelEvent, ChannelMessage } from '../channel.ts';
import { cut, fitText, oneLine, renderPushBody } from '../push-text.ts';

/**
 * RFC 8291: a push service must accept 4096 bytes of encrypted body; one aes128gcm record with
 * its 86-byte header and 17 bytes of padding and tag leaves 3993 bytes of plaintext.
 */
export const MAX_PLAINTEXT_BYTES = 3993;
/** How long the push service keeps a message for a browser that is offline (seconds). */
export const TTL_SECONDS = 24 * 3600;
const MAX_TITLE_LENGTH = 120;

/** RFC 8030 Urgency: a failure may wake a device on battery, news of success may wait. */
const URGENCY: { readonly [S in Severity]: 'high' | 'normal' | 'low' } = {
  fail: 'high',
  warning: 'normal',
  ok: 'normal',
  info: 'low',
};

/** What a browser notification of an event shows, and what its click leads to. */
export interface WebPushNotification {
  readonly title: string;
  readonly body: string;
  /**
   * The notification's tag: one event shown twice (the open page from its inbox stream, the
   * service worker from a push) collapses into one notification (notificationTag).
   */
  readonly tag: string;
  readonly data: {
    /** The event's sequence number: the id of the member's inbox item, which a click marks read. */
    readonly seq: number;
    readonly event_id: string;
    readonly event_type: string;
    readonly severity: Severity;
    readonly organization: string;
    readonly application: string | null;
    readonly occurred_at: string;
  };
}

/** What a notification is rendered from: the parts of a channel message that are about the event. */
export type NotificationSource = Pick<ChannelMessage, 'event' | 'eventType' | 'organization' | 'application'>;

/**
 * What the page's service worker receives: it calls
 * `registration.showNotification(title, {body, tag, data})` with these fields (docs/channels.md).
 * Pure, at most MAX_PLAINTEXT_BYTES: the body is cut, never the JSON.
 */
export function renderWebPushPayload(message: NotificationSource, maxBytes = MAX_PLAINTEXT_BYTES): string {
  return JSON.stringify(webPushNotification(message, maxBytes));
}

/**
 * The notification the `browser` channel pushes, as an object: the member inbox shows the same
 * title, body and tag (src/stream/inbox-notification.ts), so a page and a push agree to the byte.
 * Its JSON is at most `maxBytes`: the body is cut (marked …) to fit.
 */
export function webPushNotification(message: NotificationSource, maxBytes = MAX_PLAINTEXT_BYTES): WebPushNotification {
  const { event, eventType, organization } = message;
  const description = oneLine(eventType.description) || eventType.name;
  const application = message.application ? oneLine(message.application.name) || message.application.id : null;
  const organizationName = oneLine(organization.name) || organization.id;
  const title = cut(
    `[${organizationName}] ${application === null ? description : `${description}: ${application}`}`,
    MAX_TITLE_LENGTH,
  );
  const build = (body: string): WebPushNotification => ({
    title,
    body,
    tag: notificationTag(event, eventType),
    data: {
      seq: event.seq,
      event_id: event.id,
      event_type: event.type,
      severity: eventType.severity,
      organization: event.organizationId,
      application: event.applicationId,
      occurred_at: new Date(event.occurredAt).toISOString(),
    },
  });
  const fits = (body: string) => Buffer.byteLength(JSON.stringify(build(body))) <= maxBytes;
  return build(fitText(renderPushBody(message), fits));
}

export function urgencyOf(severity: Severity): 'high' | 'normal' | 'low' {
  return URGENCY[severity] ?? 'normal';
}

/** The fields of an event that say which notification it is. */
export type TaggedEvent = Pick<ChannelEvent, 'id' | 'organizationId' | 'applicationId' | 'addonId'>;
/** The fields of its type that matter: a paired type shares its partner's topic. */
export type TaggedType = Pick<EventType, 'name' | 'pairedWith'>;

/**
 * The RFC 8030 Topic: a pending message with the same topic is replaced, so "back on" replaces
 * an undelivered "failed" of the same application. At most 32 base64url characters. None for
 * types without a pair: each of those events is news of its own.
 */
export function topicOf(event: TaggedEvent, eventType: TaggedType): string | undefined {
  if (eventType.pairedWith === undefined) return undefined;
  const key = `${[eventType.name, eventType.pairedWith].sort().join('|')}:${event.organizationId}:${event.applicationId ?? event.addonId ?? ''}`;
  return createHash('sha256').update(key).digest('base64url').slice(0, 32);
}

/**
 * The tag of an event's browser notification: its pair's topic (a "back on" notification
 * replaces the "failed" one of the same application), else the event id. The push payload and
 * the member inbox (items and stream) carry the same, so a page and the service worker showing
 * the same event leave one notification.
 */
export function notificationTag(event: TaggedEvent, eventType: TaggedType): string {
  return topicOf(event, eventType) ?? event.id;
}
