import type { ChannelMessage } from './channel.ts';

/**
 * The short texts of a push notification (iOS and Web Push alike): a lock screen shows a few
 * lines, so the event's scalar fields become "key: value" lines and nested objects stay on the
 * dashboard.
 */

const MAX_FIELDS = 8;
const MAX_VALUE_LENGTH = 120;

/** The notification body: up to eight "key: value" lines, or the type name when there are none. */
export function renderPushBody(message: Pick<ChannelMessage, 'event' | 'eventType'>): string {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(message.event.data)) {
    if (lines.length >= MAX_FIELDS) break;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') continue;
    lines.push(`${oneLine(key)}: ${cut(oneLine(String(value)), MAX_VALUE_LENGTH)}`);
  }
  return lines.length === 0 ? message.eventType.name : lines.join('\n');
}

/** `text` on one line: control characters (newlines included) become spaces. */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}

/** `text` cut to `limit` characters (not UTF-16 units), with an ellipsis when cut. */
export function cut(text: string, limit: number): string {
  const chars = [...text];
  return chars.length <= limit ? text : `${chars.slice(0, limit - 1).join('')}…`;
}
