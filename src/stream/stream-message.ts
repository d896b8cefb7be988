import { channelEventOf } from '../delivery/channel-message.ts';
import { formatRaw } from '../channels/webhook/webhook-format.ts';
import type { EventRow } from '../store/event-repository.ts';
import type { InboxNotification } from './inbox-notification.ts';

/**
 * What a stream sends: one JSON object per message, the same on SSE (`event:` is its `kind`,
 * `id:` its `seq` for events) and WebSocket (one text frame). docs/streams.md documents it.
 */
export type StreamMessage =
  | { readonly kind: 'event'; readonly seq: number; readonly json: string }
  | { readonly kind: 'reset'; readonly json: string }
  | { readonly kind: 'disconnect'; readonly json: string }
  | { readonly kind: 'read'; readonly json: string };

/** Why a stream closed a connection (the `reason` of its last message). */
export type DisconnectReason = 'slow_consumer' | 'unresponsive' | 'shutdown';

/** What an inbox stream adds to an event's envelope: the item's read state and its notification. */
export interface InboxItemFields {
  readonly read: boolean;
  readonly notification: InboxNotification;
}

/**
 * The envelope of one event: sequence, id, type, application and add-on beside `data`, the event
 * in the `raw` format (the fields of its data plus `event_type` and `timestamp`); inbox streams
 * add `read` and `notification`.
 */
export function eventEnvelope(row: EventRow, inbox?: InboxItemFields): string {
  const raw = formatRaw(channelEventOf(row));
  const envelope: Record<string, unknown> = {
    kind: 'event',
    seq: row.seq,
    id: row.id,
    type: row.type,
    organization: row.organization_id,
    application: row.application_id,
    addon: row.addon_id,
  };
  if (inbox !== undefined) {
    envelope['read'] = inbox.read;
    envelope['notification'] = inbox.notification;
  }
  // The raw body is spliced in as rendered, exactly the bytes a raw webhook would carry.
  return `${JSON.stringify(envelope).slice(0, -1)},"data":${raw}}`;
}

/** Which of a member's notifications were marked read: one (`seq`), or all up to `through` (all when null). */
export type InboxReadChange = { readonly seq: number } | { readonly through: number | null };

/**
 * On the inbox stream: the member marked notifications read (on this device or another), and
 * their unread count right after. Not an event: it has no `id:` and moves no resume point.
 */
export function readMessage(change: InboxReadChange, unread: number): StreamMessage {
  return { kind: 'read', json: JSON.stringify({ kind: 'read', ...change, unread }) };
}

/** Told once, when `after` is older than what retention kept: events may be missing before `resumed_after`. */
export function resetMessage(requestedAfter: number, purgedThrough: number): StreamMessage {
  return {
    kind: 'reset',
    json: JSON.stringify({
      kind: 'reset',
      reason: 'retention',
      message: `Events up to sequence ${purgedThrough} were removed by retention; the stream resumes after it.`,
      requested_after: requestedAfter,
      resumed_after: purgedThrough,
    }),
  };
}

const DISCONNECT_WORDS: Record<DisconnectReason, string> = {
  slow_consumer: 'The client read too slowly and its buffer passed the bound; reconnect with the last seq to resume.',
  unresponsive: 'The client answered no heartbeat; reconnect with the last seq to resume.',
  shutdown: 'The server is shutting down; reconnect with the last seq to resume.',
};

export function disconnectMessage(reason: DisconnectReason, lastSeq: number): StreamMessage {
  return {
    kind: 'disconnect',
    json: JSON.stringify({ kind: 'disconnect', reason, message: DISCONNECT_WORDS[reason], last_seq: lastSeq }),
  };
}
