import type { Severity } from '../../catalog/event-type.ts';
import type { ChannelMessage } from '../channel.ts';
import { escapeHtml, scalarDetails, subjectOf } from '../chat-common.ts';

/** Hipchat's message colours by severity (its set: yellow, red, green, purple, gray, random). */
export const HIPCHAT_COLOURS: Readonly<Record<Severity, 'green' | 'red' | 'yellow' | 'gray'>> = {
  ok: 'green',
  fail: 'red',
  warning: 'yellow',
  info: 'gray',
};

/** Who the message is from: under 15 characters of letters, digits, `-`, `_` and space (v1's rule). */
export const HIPCHAT_FROM = 'Clarion';

/** Hipchat takes at most 10 000 characters of message. */
const MESSAGE_LIMIT = 10_000;

/**
 * The message in Hipchat's HTML subset (b, code, br only): the description in bold with the
 * application or organization, then where and what, then a few scalar fields of the event.
 */
export function formatHipchatHtml(message: ChannelMessage): string {
  const { event, eventType, organization, application } = message;
  const lines = [
    `<b>${escapeHtml(eventType.description)}</b>: ${escapeHtml(subjectOf(message))}`,
    [
      `Organization: ${escapeHtml(organization.name)}`,
      ...(application ? [`Application: ${escapeHtml(application.name)}`] : []),
      `Event: <code>${escapeHtml(event.type)}</code>`,
    ].join(' · '),
    ...scalarDetails(message).map(({ label, value }) => `${escapeHtml(label)}: ${escapeHtml(value)}`),
  ];
  const html = lines.join('<br>');
  // Cutting could split an entity or a tag; a shorter message of whole lines is always valid.
  if (html.length <= MESSAGE_LIMIT) return html;
  return lines[0]!.slice(0, MESSAGE_LIMIT);
}

/** Notifies the room (a sound, a badge) for failures only; successes and notices post quietly. */
export function hipchatNotify(message: ChannelMessage): boolean {
  return message.eventType.severity === 'fail';
}

/** API v1 `rooms/message` form fields (the token is added by the channel). */
export function formatHipchatV1(message: ChannelMessage, room: string): Record<string, string> {
  return {
    room_id: room,
    from: HIPCHAT_FROM,
    message: formatHipchatHtml(message),
    message_format: 'html',
    notify: hipchatNotify(message) ? '1' : '0',
    color: HIPCHAT_COLOURS[message.eventType.severity],
  };
}

/** API v2 "send room notification" JSON body. */
export function formatHipchatV2(message: ChannelMessage): Record<string, unknown> {
  return {
    message: formatHipchatHtml(message),
    message_format: 'html',
    color: HIPCHAT_COLOURS[message.eventType.severity],
    notify: hipchatNotify(message),
    from: HIPCHAT_FROM,
  };
}
