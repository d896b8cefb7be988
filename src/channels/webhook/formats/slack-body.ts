import type { Severity } from '../../../catalog/event-type.ts';
import { cut, summarizeEvent, type EventContent } from './event-summary.ts';

// A Slack incoming-webhook body (docs/channels.md section 1): `text` is the notification
// fallback, `blocks` the message, and one attachment carries the colour bar (blocks alone have
// no colour) with the details. https://api.slack.com/reference/messaging/payload

/** Slack's limit on one text object (1 to 3000 characters). */
const MAX_TEXT = 3000;
/** Slack's limit on a section field's text. */
const MAX_FIELD_TEXT = 2000;

/** The attachment colour of each severity: Slack's named colours, blue for neutral news. */
export const SLACK_COLORS: Readonly<Record<Severity, string>> = {
  ok: 'good',
  fail: 'danger',
  warning: 'warning',
  info: '#439FE0',
};

export interface SlackMessage {
  readonly text: string;
  readonly blocks: readonly SlackBlock[];
  readonly attachments: readonly {
    readonly color: string;
    readonly fallback: string;
    readonly blocks: readonly SlackBlock[];
  }[];
}

type SlackText = { readonly type: 'mrkdwn'; readonly text: string };
export type SlackBlock =
  | { readonly type: 'section'; readonly text?: SlackText; readonly fields?: readonly SlackText[] }
  | { readonly type: 'context'; readonly elements: readonly SlackText[] };

/**
 * Encodes exactly the three characters Slack reserves for control sequences (`<@U1>`,
 * `<!channel>`, `<url|label>`), and nothing else, as Slack asks: an event's data can then never
 * mention people or post links of its own. https://api.slack.com/docs/message-formatting
 */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escaped `text` of at most `limit` characters, never ending inside an entity. */
function escapedWithin(text: string, limit: number): string {
  const escaped = escapeSlack(text);
  if (escaped.length <= limit) return escaped;
  return `${cut(escaped, limit)
    .slice(0, -1)
    .replace(/&[a-z]*$/, '')}…`;
}

/** The Slack message for an event. Pure: the same content always gives the same message. */
export function slackMessage(content: EventContent): SlackMessage {
  const summary = summarizeEvent(content);
  const headline = escapedWithin(summary.headline, MAX_TEXT - 2);
  const fields: SlackText[] = summary.fields.slice(0, 10).map((field) => ({
    type: 'mrkdwn',
    // Labels are bold; a label cannot hold `*` of its own (event keys seldom do) without
    // breaking that, so it is dropped from them.
    text: escapedWithin(`*${field.label.replace(/\*/g, '')}*\n${field.value}`, MAX_FIELD_TEXT),
  }));
  return {
    text: headline,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `*${headline}*` } }],
    attachments: [
      {
        color: SLACK_COLORS[summary.severity],
        fallback: headline,
        blocks: [
          { type: 'section', fields },
          { type: 'context', elements: [{ type: 'mrkdwn', text: escapeSlack(`Clarion event ${content.event.id}`) }] },
        ],
      },
    ],
  };
}

/** `slackMessage` as the JSON body a webhook sends. */
export function formatSlack(content: EventContent): string {
  return JSON.stringify(slackMessage(content));
}
