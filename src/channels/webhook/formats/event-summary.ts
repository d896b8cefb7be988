import type { ChannelMessage } from '../../channel.ts';
import type { Severity } from '../../../catalog/event-type.ts';

/**
 * What a body may be rendered from: the event and what it refers to, never the delivery (its id,
 * attempt or hook). Every target that receives an event therefore gets the same body, which is
 * what lets a body be rendered once per event.
 */
export type EventContent = Pick<ChannelMessage, 'event' | 'eventType' | 'organization' | 'application'>;

/** One labelled value of a chat message (a Slack field, a Flowdock thread field). Plain text. */
export interface SummaryField {
  readonly label: string;
  readonly value: string;
}

/** The parts of an event a chat message shows, as plain text (each format escapes them its own way). */
export interface EventSummary {
  /** One line: "Stack redeploy failed: Shop (Acme)". */
  readonly headline: string;
  readonly severity: Severity;
  /** Where it happened, the type and the time, then the event's own scalar fields. */
  readonly fields: readonly SummaryField[];
}

/** Chat messages show at most this many of the event's own fields: a summary, not a dump. */
const MAX_DATA_FIELDS = 6;
/** A data field's value is cut to this many characters. */
const MAX_VALUE_CHARS = 300;

/**
 * The summary chat-style formats (Slack, Flowdock) render. Pure: the same content always gives
 * the same summary. Only scalar values of `event.data` are shown (strings, numbers, booleans),
 * in the event's own key order; nested objects stay in the `raw` and `standard` formats.
 */
export function summarizeEvent(content: EventContent): EventSummary {
  const { event, eventType, organization, application } = content;
  const where = application === null ? organization.name : `${application.name} (${organization.name})`;
  const fields: SummaryField[] = [{ label: 'Organization', value: organization.name }];
  if (application !== null) fields.push({ label: 'Application', value: application.name });
  fields.push({ label: 'Event', value: event.type });
  fields.push({ label: 'Occurred at', value: new Date(event.occurredAt).toISOString() });
  let shown = 0;
  for (const [key, value] of Object.entries(event.data)) {
    if (shown >= MAX_DATA_FIELDS) break;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') continue;
    fields.push({ label: key, value: cut(String(value), MAX_VALUE_CHARS) });
    shown++;
  }
  return { headline: `${eventType.description}: ${where}`, severity: eventType.severity, fields };
}

/** `text` cut to at most `limit` characters (code points, so no surrogate pair is split). */
export function cut(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const points = Array.from(text);
  return points.length <= limit ? text : `${points.slice(0, limit - 1).join('')}…`;
}
