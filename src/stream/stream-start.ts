import type { Catalog } from '../catalog/catalog.ts';
import { ClarionError } from '../errors.ts';
import type { EventRow } from '../store/event-repository.ts';
import type { InboxRow } from '../store/inbox-repository.ts';
import type { Store } from '../store/store.ts';
import { inboxNotification } from './inbox-notification.ts';
import type { FeedSource } from './stream-hub.ts';
import { eventEnvelope, resetMessage, type StreamMessage } from './stream-message.ts';

/** Where a new connection starts, and the `reset` to send first when its point is gone. */
export interface StreamStart {
  readonly cursor: number;
  readonly reset: StreamMessage | undefined;
}

/**
 * Reads the resume point (`?after=` wins over `Last-Event-ID`). Without one the stream starts
 * live, after the feed's newest row. A point retention has already passed gets a `reset` and
 * resumes after the highest purged sequence number.
 */
export async function streamStart(
  store: Store,
  after: string | undefined,
  lastEventId: string | undefined,
  newest: () => Promise<number>,
): Promise<StreamStart> {
  const given = after ?? lastEventId;
  if (given === undefined || given === '') return { cursor: await newest(), reset: undefined };
  if (!/^\d{1,15}$/.test(given)) throw new ClarionError('CLARION_ERR_STREAM_INVALID_AFTER', given.slice(0, 40));
  const requested = Number(given);
  const purgedThrough = await store.retention.purgedThrough();
  if (requested < purgedThrough) return { cursor: purgedThrough, reset: resetMessage(requested, purgedThrough) };
  return { cursor: requested, reset: undefined };
}

/** An organization's events, in seq order. */
export function organizationFeed(store: Store, organizationId: string): FeedSource<EventRow> {
  return {
    read: (cursor, limit) => store.events.after(organizationId, cursor, limit),
    render: (row) => eventEnvelope(row),
  };
}

/** A member's inbox items, in seq order, each with its read state and the notification it shows. */
export function inboxFeed(store: Store, userId: string, catalog: Catalog): FeedSource<InboxRow> {
  return {
    read: (cursor, limit) => store.inbox.after(userId, cursor, limit),
    render: (row) => eventEnvelope(row, { read: row.read_at !== null, notification: inboxNotification(row, catalog) }),
  };
}

export interface EventFilterQuery {
  readonly types?: readonly string[] | undefined;
  readonly groups?: readonly string[] | undefined;
  readonly applications?: readonly string[] | undefined;
}

/** Each list may also be given comma-separated (`?types=a,b`). */
function list(values: readonly string[] | undefined): Set<string> | undefined {
  if (values === undefined) return undefined;
  const items = values
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter((v) => v !== '');
  return items.length === 0 ? undefined : new Set(items);
}

/**
 * The stream's filter: an event passes when its type is listed or is in a listed group (when
 * either is given), and its application is listed (when applications are given; account events
 * have none and do not pass then). Groups are read from the catalog as each event arrives.
 */
export function eventFilter(query: EventFilterQuery, catalog: Catalog): (row: EventRow) => boolean {
  const types = list(query.types);
  const groups = list(query.groups);
  const applications = list(query.applications);
  return (row) => {
    if (types !== undefined || groups !== undefined) {
      const byType = types?.has(row.type) ?? false;
      const byGroup =
        groups !== undefined && (catalog.type(row.type)?.groups.some((group) => groups.has(group)) ?? false);
      if (!byType && !byGroup) return false;
    }
    if (applications !== undefined && (row.application_id === null || !applications.has(row.application_id))) {
      return false;
    }
    return true;
  };
}
