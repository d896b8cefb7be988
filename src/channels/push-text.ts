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

/**
 * The longest form of `text` that `fits`: `text` itself, else its first characters (code points,
 * never half of one) with an ellipsis, else ''. `fits` judges the whole rendering (a payload's
 * UTF-8 bytes, JSON escapes included), so the limit is met exactly and its room used: a binary
 * search over the number of characters kept, since a longer cut never renders shorter.
 */
export function fitText(text: string, fits: (candidate: string) => boolean): string {
  if (fits(text)) return text;
  const chars = [...text];
  const cutTo = (kept: number) => `${chars.slice(0, kept).join('')}…`;
  if (chars.length < 2 || !fits(cutTo(1))) return '';
  let fitting = 1; // characters known to fit with the ellipsis
  let tooMany = chars.length; // kept whole, it did not fit
  while (tooMany - fitting > 1) {
    const kept = Math.floor((fitting + tooMany) / 2);
    if (fits(cutTo(kept))) fitting = kept;
    else tooMany = kept;
  }
  return cutTo(fitting);
}

/** `text` cut to `limit` characters (not UTF-16 units), with an ellipsis when cut. */
export function cut(text: string, limit: number): string {
  const chars = [...text];
  return chars.length <= limit ? text : `${chars.slice(0, limit - 1).join('')}…`;
}
