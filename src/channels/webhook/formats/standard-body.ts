import type { ChannelEvent } from '../../channel.ts';

// The Standard Webhooks payload envelope: {type, timestamp, data}
// (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md).

export interface StandardPayload {
  /** The event type, as the platform named it (`stack.redeploy.fail`). */
  readonly type: string;
  /** When the event occurred, RFC 3339 in UTC with milliseconds. */
  readonly timestamp: string;
  /** The event's data, untouched. */
  readonly data: Readonly<Record<string, unknown>>;
}

/** The envelope for an event. Pure: the same event always gives the same body. */
export function standardPayload(event: ChannelEvent): StandardPayload {
  return { type: event.type, timestamp: new Date(event.occurredAt).toISOString(), data: event.data };
}

/** `standardPayload` as the JSON body a webhook sends. */
export function formatStandard(event: ChannelEvent): string {
  return JSON.stringify(standardPayload(event));
}
