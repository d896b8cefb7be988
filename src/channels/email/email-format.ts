import type { Severity } from '../../catalog/event-type.ts';
import type { ChannelMessage } from '../channel.ts';

/** The three parts of a notification e-mail. */
export interface RenderedEmail {
  /** One line, free of control characters, at most about 200 characters. */
  readonly subject: string;
  readonly text: string;
  /** A complete HTML document; every value that came from the event is escaped. */
  readonly html: string;
}

export interface EmailFormatOptions {
  /** Clarion's public base URL; the e-mail links to `${publicUrl}/`. */
  readonly publicUrl: string;
}

// A mail client shows a handful of fields at a glance; past that the dashboard is the place.
const MAX_FIELDS = 10;
const MAX_VALUE_LENGTH = 200;
const MAX_KEY_LENGTH = 60;
const MAX_SUBJECT_LENGTH = 200;

// Colours readable on white, one per severity (GitHub's Primer palette).
const ACCENTS: { readonly [S in Severity]: string } = {
  ok: '#1a7f37',
  fail: '#cf222e',
  warning: '#9a6700',
  info: '#6e7781',
};

interface Field {
  readonly key: string;
  readonly value: string;
}

/**
 * Renders the e-mail for one delivery. Pure: the same message always gives the same e-mail, so
 * a retry sends exactly what the first attempt sent. Only scalar fields of `event.data` are
 * listed (at most 10, long values cut); nested objects stay on the dashboard.
 */
export function renderEmail(message: ChannelMessage, options: EmailFormatOptions): RenderedEmail {
  const { event, eventType, organization } = message;
  const organizationName = oneLine(organization.name) || organization.id;
  const description = oneLine(eventType.description) || eventType.name;
  // An event about an application whose name Clarion no longer knows still says which one.
  const applicationName = message.application
    ? oneLine(message.application.name) || message.application.id
    : event.applicationId;
  const when = formatTime(event.occurredAt);
  const dashboardUrl = `${options.publicUrl.replace(/\/+$/, '')}/`;
  const { fields, omitted } = scalarFields(event.data);

  const headline = applicationName === null ? description : `${description}: ${applicationName}`;
  const subject = truncate(`[${organizationName}] ${headline}`, MAX_SUBJECT_LENGTH);

  const facts: Field[] = [
    { key: 'Organization', value: organizationName },
    ...(applicationName === null ? [] : [{ key: 'Application', value: applicationName }]),
    { key: 'Event', value: eventType.name },
    { key: 'When', value: when },
  ];

  return {
    subject,
    text: renderText({ headline, facts, fields, omitted, dashboardUrl, eventId: event.id }),
    html: renderHtml({
      subject,
      headline,
      facts,
      fields,
      omitted,
      dashboardUrl,
      eventId: event.id,
      // Operator-defined types come from configuration; an unknown severity reads as neutral.
      accent: ACCENTS[eventType.severity] ?? ACCENTS.info,
    }),
  };
}

interface Parts {
  readonly headline: string;
  readonly facts: readonly Field[];
  readonly fields: readonly Field[];
  readonly omitted: number;
  readonly dashboardUrl: string;
  readonly eventId: string;
}

function renderText(parts: Parts): string {
  const width = Math.max(...parts.facts.map((fact) => fact.key.length)) + 1;
  const lines = [parts.headline, '', ...parts.facts.map((fact) => `${`${fact.key}:`.padEnd(width)} ${fact.value}`)];
  if (parts.fields.length > 0) {
    lines.push('', 'Details:', ...parts.fields.map((field) => `  ${field.key}: ${field.value}`));
    if (parts.omitted > 0) lines.push(`  (${moreFields(parts.omitted)} on the dashboard)`);
  }
  lines.push(
    '',
    `Open the dashboard: ${parts.dashboardUrl}`,
    '',
    // "-- " (with the space) is the signature separator mail clients recognise and fold away.
    '-- ',
    `Sent by Clarion for event ${oneLine(parts.eventId)}.`,
    'Your notification settings on the dashboard decide which e-mails you receive.',
  );
  return `${lines.join('\n')}\n`;
}

function renderHtml(parts: Parts & { readonly subject: string; readonly accent: string }): string {
  const cell = 'padding:4px 12px 4px 0;vertical-align:top;';
  const facts = parts.facts
    .map(
      (fact) =>
        `<tr><td style="${cell}color:#57606a;white-space:nowrap;">${escapeHtml(fact.key)}</td>` +
        `<td style="${cell}">${escapeHtml(fact.value)}</td></tr>`,
    )
    .join('\n');
  const details =
    parts.fields.length === 0
      ? ''
      : `<h2 style="font-size:14px;margin:20px 0 8px 0;color:#24292f;">Details</h2>
<table role="presentation" cellpadding="0" cellspacing="0" style="border-collapse:collapse;font-size:13px;">
${parts.fields
  .map(
    (field) =>
      `<tr><td style="${cell}color:#57606a;font-family:monospace;">${escapeHtml(field.key)}</td>` +
      `<td style="${cell}font-family:monospace;word-break:break-all;">${escapeHtml(field.value)}</td></tr>`,
  )
  .join('\n')}
</table>${
          parts.omitted > 0
            ? `\n<p style="font-size:12px;color:#57606a;margin:6px 0 0 0;">${escapeHtml(moreFields(parts.omitted))} on the dashboard</p>`
            : ''
        }`;
  const link = escapeHtml(parts.dashboardUrl);
  return `<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(parts.subject)}</title>
</head>
<body style="margin:0;padding:24px;background:#f6f8fa;font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:#24292f;">
<div style="max-width:600px;margin:0 auto;background:#ffffff;border:1px solid #d0d7de;border-top:4px solid ${parts.accent};border-radius:6px;padding:20px 24px;">
<h1 style="font-size:18px;margin:0 0 16px 0;color:${parts.accent};">${escapeHtml(parts.headline)}</h1>
<table role="presentation" cellpadding="0" cellspacing="0" style="border-collapse:collapse;font-size:14px;">
${facts}
</table>
${details}
<p style="margin:24px 0 0 0;"><a href="${link}" style="display:inline-block;background:${parts.accent};color:#ffffff;text-decoration:none;padding:8px 16px;border-radius:6px;font-size:14px;">Open the dashboard</a></p>
</div>
<p style="max-width:600px;margin:12px auto 0 auto;font-size:12px;color:#57606a;">Sent by Clarion for event ${escapeHtml(oneLine(parts.eventId))}. Your notification settings on the <a href="${link}" style="color:#57606a;">dashboard</a> decide which e-mails you receive.</p>
</body>
</html>
`;
}

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function scalarFields(data: Readonly<Record<string, unknown>>): { fields: Field[]; omitted: number } {
  const fields: Field[] = [];
  let omitted = 0;
  for (const [key, value] of Object.entries(data)) {
    const text = scalarText(value);
    if (text === undefined) continue;
    if (fields.length >= MAX_FIELDS) {
      omitted++;
      continue;
    }
    fields.push({ key: truncate(oneLine(key), MAX_KEY_LENGTH), value: truncate(oneLine(text), MAX_VALUE_LENGTH) });
  }
  return { fields, omitted };
}

/** A JSON scalar as text; undefined for objects and arrays, which the e-mail leaves out. */
function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return value === null ? 'null' : undefined;
}

function moreFields(count: number): string {
  return count === 1 ? '1 more field' : `${count} more fields`;
}

function formatTime(epochMs: number): string {
  // toISOString throws on an invalid date; an e-mail with an odd time beats no e-mail.
  if (!Number.isFinite(epochMs)) return 'unknown';
  const date = new Date(epochMs);
  return Number.isNaN(date.getTime()) ? 'unknown' : date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// Control characters would break the text layout and the subject line, and bidirectional
// overrides can make a value read as something else (CVE-2021-42574 "Trojan Source").
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]+/g;

/** Untrusted text as one printable line. */
function oneLine(value: string): string {
  return value.replace(UNPRINTABLE, ' ').replace(/ {2,}/g, ' ').trim();
}

function truncate(value: string, limit: number): string {
  if (value.length <= limit) return value;
  // Cut on a code point boundary so no half surrogate pair ends up in the mail (2 * limit code
  // units always hold the limit - 1 code points kept).
  return `${Array.from(value.slice(0, limit * 2))
    .slice(0, limit - 1)
    .join('')}…`;
}
