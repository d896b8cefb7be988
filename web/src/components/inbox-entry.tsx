import type { InboxItem } from '../lib/inbox-feed.ts';
import { eventPageOf } from '../lib/notification-display.ts';

/** When the event occurred: the listing says it, a stream message carries the raw `timestamp`. */
function occurredAt(item: InboxItem): Date | null {
  if (item.occurred_at !== undefined) return new Date(item.occurred_at);
  return typeof item.data.timestamp === 'number' ? new Date(item.data.timestamp * 1000) : null;
}

const RELATIVE = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/** "3 minutes ago", "yesterday": how long ago, in the browser's language. */
function ago(when: Date): string {
  const seconds = Math.round((when.getTime() - Date.now()) / 1000);
  const steps: [Intl.RelativeTimeFormatUnit, number][] = [
    ['second', 60],
    ['minute', 60],
    ['hour', 24],
    ['day', 7],
    ['week', 4.35],
    ['month', 12],
  ];
  let value = seconds;
  for (const [unit, size] of steps) {
    if (Math.abs(value) < size) return RELATIVE.format(Math.round(value), unit);
    value /= size;
  }
  return RELATIVE.format(Math.round(value), 'year');
}

/**
 * One notification of the inbox: its title and body as the browser notification shows them, when,
 * and whether it is unread; a link to the event's page. Opening it marks it read (`onOpen`).
 */
export function InboxEntry({ item, onOpen }: { item: InboxItem; onOpen: (item: InboxItem) => void }) {
  const when = occurredAt(item);
  return (
    <a
      class={`inbox-entry ${item.read ? 'is-read' : 'is-unread'}`}
      href={eventPageOf(item.organization, item.id)}
      data-seq={item.seq}
      onClick={() => onOpen(item)}
    >
      <span class="inbox-entry-title">
        {!item.read && <span class="visually-hidden">Unread: </span>}
        {item.notification.title}
      </span>
      <span class="inbox-entry-body">{item.notification.body}</span>
      {when !== null && (
        <time class="inbox-entry-time" dateTime={when.toISOString()} title={when.toLocaleString()}>
          {ago(when)}
        </time>
      )}
    </a>
  );
}
