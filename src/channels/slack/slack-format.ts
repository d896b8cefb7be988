import type { Severity } from '../../catalog/event-type.ts';
import type { ChannelMessage } from '../channel.ts';
import { scalarDetails, subjectOf } from '../chat-common.ts';

/** Slack's own attachment colours (good / danger / warning) and a neutral blue for `info`. */
export const SLACK_COLOURS: Readonly<Record<Severity, string>> = {
  ok: '#2eb886',
  fail: '#a30200',
  warning: '#daa038',
  info: '#439fe0',
};

/** A Block Kit text object's `text` runs from 1 to 3000 characters. */
const TEXT_LIMIT = 3000;
/** A section field's text: at most 2000 characters. */
const FIELD_LIMIT = 2000;

/**
 * Encodes the three characters Slack reserves for control sequences (`<@U123>`, `<!channel>`,
 * links) and nothing else, as Slack asks. Everything that comes from the event goes through it,
 * so an event cannot ping a channel or forge a link.
 */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function cut(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

/**
 * The body Clarion posts to a Slack incoming webhook: a plain `text` fallback (what
 * notifications and old clients show) and one attachment coloured by the event's severity that
 * holds the Block Kit blocks (top-level blocks cannot carry a colour). `channel` and `username`
 * are the hook's overrides; app-created Slack webhooks ignore them.
 */
export function formatSlackMessage(
  message: ChannelMessage,
  overrides: { readonly channel?: string | undefined; readonly username?: string | undefined } = {},
): Record<string, unknown> {
  const { event, eventType, organization, application } = message;
  const subject = escapeSlack(subjectOf(message));
  const title = escapeSlack(eventType.description);
  const text = cut(`${title}: ${subject}`, TEXT_LIMIT);

  const fields = [
    { label: 'Organization', value: organization.name },
    ...(application ? [{ label: 'Application', value: application.name }] : []),
    { label: 'Event', value: event.type },
    ...scalarDetails(message),
  ].map(({ label, value }) => ({
    type: 'mrkdwn',
    text: cut(`*${escapeSlack(label)}*\n${escapeSlack(value)}`, FIELD_LIMIT),
  }));

  const blocks = [
    { type: 'section', text: { type: 'mrkdwn', text: cut(`*${title}*\n${subject}`, TEXT_LIMIT) } },
    // Slack allows at most 10 fields in a section.
    { type: 'section', fields: fields.slice(0, 10) },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: cut(`${escapeSlack(event.id)} · ${new Date(event.occurredAt).toISOString()}`, TEXT_LIMIT),
        },
      ],
    },
  ];

  const body: Record<string, unknown> = {
    text,
    attachments: [{ color: SLACK_COLOURS[eventType.severity], fallback: text, blocks }],
  };
  if (overrides.channel !== undefined) body['channel'] = overrides.channel;
  if (overrides.username !== undefined) body['username'] = overrides.username;
  return body;
}
