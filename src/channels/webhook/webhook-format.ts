import type { ChannelEvent, ChannelMessage } from '../channel.ts';
import type { EventContent } from './formats/event-summary.ts';
import { formatFlowdock } from './formats/flowdock-body.ts';
import { formatSlack } from './formats/slack-body.ts';
import { formatStandard } from './formats/standard-body.ts';

/**
 * Every body format a webhook can send, the one list: the hooks API validates against it
 * (`WEBHOOK_BODY_FORMATS` in src/hooks/hook-kinds.ts is this list), and `RENDERERS` below must
 * have an entry for each, which the compiler checks. Adding a format is one name here and one
 * renderer there.
 * - `raw`: the event as the seeds' platforms send it (below).
 * - `slack`: a Slack incoming-webhook message (formats/slack-body.ts).
 * - `flowdock`: a Flowdock Messages API activity (formats/flowdock-body.ts).
 * - `standard`: the Standard Webhooks envelope `{type, timestamp, data}` (formats/standard-body.ts).
 */
export const WEBHOOK_FORMATS = ['raw', 'slack', 'flowdock', 'standard'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

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

/**
 * What a body may be rendered from: the event and what it refers to, never the delivery (its id,
 * attempt or hook). Every hook that receives an event therefore gets the same body, which is
 * what lets it be rendered once per event.
 */
export type WebhookContent = EventContent;

// One renderer per format, keyed by the name stored in the hook's settings: adding a format is
// one entry here (and the list above), never a branch in the channel.
const RENDERERS: { readonly [F in WebhookFormat]: (content: WebhookContent) => string } = {
  raw: (content) => formatRaw(content.event),
  slack: formatSlack,
  flowdock: formatFlowdock,
  standard: (content) => formatStandard(content.event),
};

/** True when `value` names a format this version can render. */
export function isWebhookFormat(value: unknown): value is WebhookFormat {
  return typeof value === 'string' && Object.hasOwn(RENDERERS, value);
}

// Bodies by event object and format. The worker gives all deliveries of an event in a claimed
// batch one shared (frozen) event object, so an event fanned out to a hundred hooks is rendered
// once, not a hundred times; entries go when the batch's event object is collected.
const rendered = new WeakMap<ChannelMessage['event'], Partial<Record<WebhookFormat, string>>>();

/** The JSON body of `content` in `format`; pure, so the same content always renders the same. */
export function renderWebhookBody(format: WebhookFormat, content: WebhookContent): string {
  let bodies = rendered.get(content.event);
  if (bodies === undefined) {
    bodies = {};
    rendered.set(content.event, bodies);
  }
  return (bodies[format] ??= RENDERERS[format](content));
}
