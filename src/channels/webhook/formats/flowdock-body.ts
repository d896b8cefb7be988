import type { Severity } from '../../../catalog/event-type.ts';
import { cut, summarizeEvent, type EventContent } from './event-summary.ts';

// A Flowdock Messages API body, `activity` event (docs/channels.md section 3;
// flowdock/api-docs: docs/Thread-messages.md, docs/Threads.md). Flowdock itself shut down in
// 2022: the body is for emulators and receivers that kept its shape. It carries no
// `flow_token`: a webhook is addressed by its URL, and the token is a secret of the target's.

/** Thread status colours, from Flowdock's fixed list (red, green, yellow, cyan, orange, grey, ...). */
export const FLOWDOCK_STATUS: Readonly<Record<Severity, { readonly color: string; readonly value: string }>> = {
  ok: { color: 'green', value: 'ok' },
  fail: { color: 'red', value: 'failed' },
  warning: { color: 'orange', value: 'warning' },
  info: { color: 'blue', value: 'info' },
};

/** Flowdock accepts only `a` tags in titles and field values: everything else is text, escaped. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export interface FlowdockActivity {
  readonly event: 'activity';
  readonly author: { readonly name: string };
  readonly title: string;
  /** One thread per application (or per organization for account events): later posts update it. */
  readonly external_thread_id: string;
  readonly thread: {
    readonly title: string;
    readonly body: string;
    readonly fields: readonly { readonly label: string; readonly value: string }[];
    readonly status: { readonly color: string; readonly value: string };
  };
  readonly tags: readonly string[];
  /** Flowdock's client deduplication key: the event id, so one event posts once per flow. */
  readonly uuid: string;
}

/**
 * The id of the thread an event's message joins. Unique within a source (Flowdock's rule), so it
 * names the organization too: two organizations may both have an application called `web`.
 */
export function flowdockThreadId(content: EventContent): string {
  const { event } = content;
  return event.applicationId === null
    ? `clarion:${event.organizationId}`
    : `clarion:${event.organizationId}:${event.applicationId}`;
}

/** The Flowdock activity for an event. Pure: the same content always gives the same body. */
export function flowdockActivity(content: EventContent): FlowdockActivity {
  const summary = summarizeEvent(content);
  const { event, eventType, organization, application } = content;
  return {
    event: 'activity',
    author: { name: 'Clarion' },
    title: escapeHtml(cut(summary.headline, 250)),
    external_thread_id: flowdockThreadId(content),
    thread: {
      title: escapeHtml(application === null ? organization.name : `${application.name} (${organization.name})`),
      body: `<p>${escapeHtml(eventType.description)}</p>`,
      fields: summary.fields.map((field) => ({ label: escapeHtml(field.label), value: escapeHtml(field.value) })),
      status: FLOWDOCK_STATUS[summary.severity],
    },
    // Flowdock tags are words without spaces or '#'; the event type fits as it is.
    tags: ['clarion', event.type],
    uuid: event.id,
  };
}

/** `flowdockActivity` as the JSON body a webhook sends. */
export function formatFlowdock(content: EventContent): string {
  return JSON.stringify(flowdockActivity(content));
}
