import type { ChannelEvent, ChannelMessage } from '../channel.ts';

/** The body formats a webhook can send. Later formats join this union and `WEBHOOK_FORMATS`. */
export type WebhookFormat = 'raw';

/**
 * The `raw` format (product.md section 2): the fields of `event.data` plus `event_type` and
 * `timestamp` (whole epoch seconds of `occurredAt`) as one flat JSON object. Ingest refuses data
 * that has its own `event_type` or `timestamp`; should one slip through, ours win, so a receiver
 * can always trust those two fields.
 */
export function formatRaw(event: ChannelEvent): string {
  return JSON.stringify({
    ...event.data,
    event_type: event.type,
    timestamp: Math.floor(event.occurredAt / 1000),
  });
}

// One renderer per format, keyed by the name stored in the hook's settings: adding a format is
// one entry here (and the union above), never a branch in the channel.
const RENDERERS: { readonly [F in WebhookFormat]: (message: ChannelMessage) => string } = {
  raw: (message) => formatRaw(message.event),
};

/** Every format name a webhook's settings may hold. */
export const WEBHOOK_FORMATS: readonly WebhookFormat[] = Object.keys(RENDERERS) as WebhookFormat[];

/** True when `value` names a format this version can render. */
export function isWebhookFormat(value: unknown): value is WebhookFormat {
  return typeof value === 'string' && Object.hasOwn(RENDERERS, value);
}

/** The JSON body of `message` in `format`; pure, so the same message always renders the same. */
export function renderWebhookBody(format: WebhookFormat, message: ChannelMessage): string {
  return RENDERERS[format](message);
}
