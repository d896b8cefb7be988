import { createHash } from 'node:crypto';
import type { Severity } from '../../catalog/event-type.ts';
import type { ChannelMessage } from '../channel.ts';
import { cut, oneLine, renderPushBody } from '../push-text.ts';

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

/**
 * What the page's service worker receives: it calls
 * `registration.showNotification(title, {body, tag, data})` with these fields (docs/channels.md).
 * Pure, at most MAX_PLAINTEXT_BYTES: the body is cut, never the JSON.
 */
export function renderWebPushPayload(message: ChannelMessage, maxBytes = MAX_PLAINTEXT_BYTES): string {
  const { event, eventType, organization } = message;
  const description = oneLine(eventType.description) || eventType.name;
  const application = message.application ? oneLine(message.application.name) || message.application.id : null;
  const organizationName = oneLine(organization.name) || organization.id;
  const title = cut(
    `[${organizationName}] ${application === null ? description : `${description}: ${application}`}`,
    MAX_TITLE_LENGTH,
  );
  const build = (body: string) =>
    JSON.stringify({
      title,
      body,
      tag: topicOf(message) ?? event.id,
      data: {
        event_id: event.id,
        event_type: event.type,
        severity: eventType.severity,
        organization: event.organizationId,
        application: event.applicationId,
        occurred_at: new Date(event.occurredAt).toISOString(),
      },
    });
  let body = renderPushBody(message);
  let payload = build(body);
  while (Buffer.byteLength(payload) > maxBytes && body.length > 0) {
    const chars = [...body];
    const overflow = Buffer.byteLength(payload) - maxBytes;
    body = chars.length - overflow - 1 <= 0 ? '' : `${chars.slice(0, chars.length - overflow - 1).join('')}…`;
    payload = build(body);
  }
  return payload;
}

export function urgencyOf(severity: Severity): 'high' | 'normal' | 'low' {
  return URGENCY[severity] ?? 'normal';
}

/**
 * The RFC 8030 Topic: a pending message with the same topic is replaced, so "back on" replaces
 * an undelivered "failed" of the same application. At most 32 base64url characters. None for
 * types without a pair: each of those events is news of its own.
 */
export function topicOf(message: ChannelMessage): string | undefined {
  const { event, eventType } = message;
  if (eventType.pairedWith === undefined) return undefined;
  const key = `${[eventType.name, eventType.pairedWith].sort().join('|')}:${event.organizationId}:${event.applicationId ?? event.addonId ?? ''}`;
  return createHash('sha256').update(key).digest('base64url').slice(0, 32);
}
