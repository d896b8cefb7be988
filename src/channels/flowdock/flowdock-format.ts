import type { Severity } from '../../catalog/event-type.ts';
import type { ChannelMessage } from '../channel.ts';
import { escapeHtml, scalarDetails, subjectOf } from '../chat-common.ts';

/** Flowdock's thread status colours by severity (its set: red, green, yellow, cyan, orange, grey, …). */
export const FLOWDOCK_STATUS: Readonly<Record<Severity, { color: string; value: string }>> = {
  ok: { color: 'green', value: 'ok' },
  fail: { color: 'red', value: 'failed' },
  warning: { color: 'orange', value: 'warning' },
  info: { color: 'grey', value: 'info' },
};

/**
 * One thread per application (or per organization for account events), so a flow shows an
 * application's history in one place and its status colour is the latest event's.
 */
export function flowdockThreadId(message: ChannelMessage): string {
  const { organizationId, applicationId } = message.event;
  return `clarion:${organizationId}:${applicationId ?? 'account'}`;
}

/**
 * A Messages API `activity` (the flow token is added by the channel): the title is the event's
 * description (Flowdock allows only `a` tags there, so it is escaped HTML), the thread carries
 * the application, a status coloured by severity and the event's fields. `uuid` is the
 * delivery id, which Flowdock uses to drop a retried duplicate.
 */
export function formatFlowdockActivity(message: ChannelMessage): Record<string, unknown> {
  const { event, eventType, organization, application } = message;
  const subject = subjectOf(message);
  const fields = [
    { label: 'Organization', value: organization.name },
    ...(application ? [{ label: 'Application', value: application.name }] : []),
    { label: 'Event', value: event.type },
    ...scalarDetails(message),
  ].map(({ label, value }) => ({ label: escapeHtml(label), value: escapeHtml(value) }));
  return {
    event: 'activity',
    author: { name: 'Clarion' },
    title: escapeHtml(`${eventType.description}: ${subject}`),
    external_thread_id: flowdockThreadId(message),
    thread: {
      title: escapeHtml(subject),
      body: `<p>${escapeHtml(eventType.description)}</p>`,
      fields,
      status: FLOWDOCK_STATUS[eventType.severity],
    },
    uuid: message.deliveryId,
  };
}
