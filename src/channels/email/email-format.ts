import type { Severity } from '../../catalog/event-type.ts';
import type { ChannelMessage } from '../channel.ts';
import { KEY_FIELDS, templateFor } from './email-templates.ts';

/** The three parts of a notification e-mail. */
export interface RenderedEmail {
  /** One line, free of control characters, at most about 200 characters. */
  readonly subject: string;
  readonly text: string;
  /** A complete HTML document; every value that came from the event is escaped. */
  readonly html: string;
}

export interface EmailFormatOptions {
  /** Clarion's public base URL: the dashboard's event page and the settings live under it. */
  readonly publicUrl: string;
  /**
   * The one-click unsubscribe link of a member's own e-mail (the List-Unsubscribe URL); absent
   * for addresses listed on a hook, which have no preference to turn off.
   */
  readonly unsubscribeUrl?: string;
}

// A mail client shows a handful of fields at a glance; past that the dashboard is the place.
const MAX_FIELDS = 10;
const MAX_VALUE_LENGTH = 200;
const MAX_KEY_LENGTH = 60;
const MAX_SUBJECT_LENGTH = 200;
const MAX_URL_LENGTH = 2000;

// Colours readable on white, one per severity (GitHub's Primer palette).
const ACCENTS: { readonly [S in Severity]: string } = {
  ok: '#1a7f37',
  fail: '#cf222e',
  warning: '#9a6700',
  info: '#6e7781',
};

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

interface Field {
  readonly key: string;
  readonly value: string;
}

interface Parts {
  readonly subject: string;
  readonly headline: string;
  readonly summary: string;
  readonly next: string | undefined;
  readonly facts: readonly Field[];
  readonly fields: readonly Field[];
  readonly omitted: number;
  /** The main link: the event's own page on the platform when data has one, else the dashboard's. */
  readonly link: { readonly url: string; readonly label: string };
  /** The dashboard's page of the event, listed besides a platform link. */
  readonly dashboardUrl: string;
  readonly settingsUrl: string;
  readonly why: string;
  readonly unsubscribe: { readonly url: string; readonly what: string } | undefined;
  readonly accent: string;
}

/**
 * Renders the e-mail for one delivery from the event type's template (email-templates.ts). Pure:
 * the same message always gives the same e-mail, so a retry sends exactly what the first attempt
 * sent. Lists the template's key fields of `event.data` first, then other scalar fields (at most
 * 10 in all, long values cut); nested objects stay on the dashboard.
 */
export function renderEmail(message: ChannelMessage, options: EmailFormatOptions): RenderedEmail {
  const { event, eventType, organization } = message;
  const organizationName = oneLine(organization.name) || organization.id;
  const description = oneLine(eventType.description) || eventType.name;
  // An event about an application whose name Clarion no longer knows still says which one.
  const applicationName = message.application
    ? oneLine(message.application.name) || message.application.id
    : event.applicationId;
  const about = applicationName ?? organizationName;
  const template = templateFor(eventType.name, description);
  const base = options.publicUrl.replace(/\/+$/, '');
  const dashboardUrl = `${base}/organizations/${encodeURIComponent(organization.id)}/events/${encodeURIComponent(event.id)}`;
  const ownUrl = eventUrl(event.data);
  const { fields, omitted } = dataFields(event.data);

  const headline = `${oneLine(template.title)}: ${about}`;
  const subject = truncate(
    applicationName === null ? headline : `${headline} (${organizationName})`,
    MAX_SUBJECT_LENGTH,
  );
  const parts: Parts = {
    subject,
    headline,
    // A function replacement: a name holding "$&" must not splice the pattern back in.
    summary: template.summary.replace('{subject}', () => about),
    next: template.next,
    facts: [
      { key: 'Organization', value: organizationName },
      ...(applicationName === null ? [] : [{ key: 'Application', value: applicationName }]),
      { key: 'Event', value: `${description} (${eventType.name})` },
      { key: 'When', value: formatTime(event.occurredAt) },
    ],
    fields,
    omitted,
    link: ownUrl ? { url: ownUrl, label: 'View details' } : { url: dashboardUrl, label: 'View in Clarion' },
    dashboardUrl,
    settingsUrl: `${base}/`,
    why: message.userId
      ? `You receive this e-mail as a member of ${organizationName}.`
      : `You receive this e-mail because your address is on a notification list of ${organizationName}; ask its administrators to remove it.`,
    unsubscribe: options.unsubscribeUrl
      ? {
          url: options.unsubscribeUrl,
          what:
            applicationName === null || unsubscribeApplication(message) === null
              ? `"${description}" e-mails`
              : `"${description}" e-mails for ${applicationName}`,
        }
      : undefined,
    // Operator-defined types come from configuration; an unknown severity reads as neutral.
    accent: ACCENTS[eventType.severity] ?? ACCENTS.info,
  };
  return { subject, text: renderText(parts), html: renderHtml(parts) };
}

function renderText(parts: Parts): string {
  const width = Math.max(...parts.facts.map((fact) => fact.key.length)) + 1;
  const lines = [parts.headline, '', parts.summary];
  if (parts.next !== undefined) lines.push(parts.next);
  lines.push('', ...parts.facts.map((fact) => `${`${fact.key}:`.padEnd(width)} ${fact.value}`));
  if (parts.fields.length > 0) {
    lines.push('', 'Details:', ...parts.fields.map((field) => `  ${field.key}: ${field.value}`));
    if (parts.omitted > 0) lines.push(`  (${moreFields(parts.omitted)} in Clarion)`);
  }
  lines.push('', `${parts.link.label}: ${parts.link.url}`);
  if (parts.link.url !== parts.dashboardUrl) lines.push(`View in Clarion: ${parts.dashboardUrl}`);
  // "-- " (with the space) is the signature separator mail clients recognise and fold away.
  lines.push('', '-- ', parts.why);
  if (parts.unsubscribe) lines.push(`Stop these e-mails (${parts.unsubscribe.what}): ${parts.unsubscribe.url}`);
  lines.push(`All your notification settings: ${parts.settingsUrl}`);
  return `${lines.join('\n')}\n`;
}

function renderHtml(parts: Parts): string {
  const cell = 'padding:4px 12px 4px 0;vertical-align:top;';
  const muted = 'color:#57606a;';
  const row = (key: string, value: string, mono: boolean): string => {
    const font = mono ? 'font-family:monospace;' : '';
    return (
      `<tr><td style="${cell}${muted}${font}white-space:nowrap;">${escapeHtml(key)}</td>` +
      `<td style="${cell}${font}word-break:break-word;">${escapeHtml(value)}</td></tr>`
    );
  };
  const table = (rows: string, size: number): string =>
    `<table role="presentation" cellpadding="0" cellspacing="0" style="border-collapse:collapse;font-size:${size}px;">\n${rows}\n</table>`;
  const details =
    parts.fields.length === 0
      ? ''
      : `<h2 style="font-size:14px;margin:20px 0 8px 0;color:#24292f;">Details</h2>\n${table(
          parts.fields.map((field) => row(field.key, field.value, true)).join('\n'),
          13,
        )}${
          parts.omitted > 0
            ? `\n<p style="font-size:12px;${muted}margin:6px 0 0 0;">${escapeHtml(moreFields(parts.omitted))} in Clarion</p>`
            : ''
        }`;
  const a = (url: string, label: string, style = `${muted}`): string =>
    `<a href="${escapeHtml(url)}" style="${style}">${escapeHtml(label)}</a>`;
  const footer = [
    escapeHtml(parts.why),
    ...(parts.unsubscribe
      ? [`${a(parts.unsubscribe.url, 'Stop these e-mails')} (${escapeHtml(parts.unsubscribe.what)}).`]
      : []),
    `${a(parts.settingsUrl, 'All your notification settings')}.`,
  ].join('<br>\n');
  const secondary =
    parts.link.url === parts.dashboardUrl
      ? ''
      : `\n<p style="margin:12px 0 0 0;font-size:13px;">${a(parts.dashboardUrl, 'View in Clarion')}</p>`;
  return `<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(parts.subject)}</title>
</head>
<body style="margin:0;padding:24px;background:#f6f8fa;font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:#24292f;">
<div style="max-width:600px;margin:0 auto;background:#ffffff;border:1px solid #d0d7de;border-top:4px solid ${parts.accent};border-radius:6px;padding:20px 24px;">
<h1 style="font-size:18px;margin:0 0 12px 0;color:${parts.accent};">${escapeHtml(parts.headline)}</h1>
<p style="font-size:14px;margin:0 0 16px 0;">${escapeHtml(parts.summary)}${parts.next === undefined ? '' : ` ${escapeHtml(parts.next)}`}</p>
${table(parts.facts.map((fact) => row(fact.key, fact.value, false)).join('\n'), 14)}
${details}
<p style="margin:24px 0 0 0;">${a(
    parts.link.url,
    parts.link.label,
    `display:inline-block;background:${parts.accent};color:#ffffff;text-decoration:none;padding:8px 16px;border-radius:6px;font-size:14px;`,
  )}</p>${secondary}
</div>
<p style="max-width:600px;margin:12px auto 0 auto;font-size:12px;${muted}">${footer}</p>
</body>
</html>
`;
}

/**
 * The application whose preference cell a one-click unsubscribe turns off: the event's, when its
 * type can be set per application; null for the account-level cell.
 */
export function unsubscribeApplication(message: ChannelMessage): string | null {
  const { applicationId } = message.event;
  return applicationId !== null && message.eventType.scopes.includes('application') ? applicationId : null;
}

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/**
 * The event's own page when the platform put one in `data.url` (a deployment log, an invoice):
 * only an absolute http(s) URL, so a `javascript:` or `data:` value can never become a link.
 */
function eventUrl(data: Readonly<Record<string, unknown>>): string | undefined {
  const value = data['url'];
  if (typeof value !== 'string' || value.length > MAX_URL_LENGTH) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** The template's key fields first (labelled), then the other scalar fields, at most MAX_FIELDS. */
function dataFields(data: Readonly<Record<string, unknown>>): { fields: Field[]; omitted: number } {
  const fields: Field[] = [];
  const shown = new Set<string>(['url']);
  let omitted = 0;
  const add = (key: string, label: string): void => {
    shown.add(key);
    const text = scalarText(data[key]);
    if (text === undefined) return;
    if (fields.length >= MAX_FIELDS) {
      omitted++;
      return;
    }
    fields.push({ key: truncate(oneLine(label), MAX_KEY_LENGTH), value: truncate(oneLine(text), MAX_VALUE_LENGTH) });
  };
  for (const [key, label] of KEY_FIELDS) if (Object.hasOwn(data, key) && !shown.has(key)) add(key, label);
  for (const key of Object.keys(data)) if (!shown.has(key)) add(key, key);
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

/** "Saturday 14 March 2026, 09:26:50 UTC (2026-03-14T09:26:50Z)": for people, then exact. */
export function formatTime(epochMs: number): string {
  // toISOString throws on an invalid date; an e-mail with an odd time beats no e-mail.
  if (!Number.isFinite(epochMs)) return 'unknown';
  const date = new Date(epochMs);
  if (Number.isNaN(date.getTime())) return 'unknown';
  const iso = date.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const human = `${DAYS[date.getUTCDay()]} ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}, ${iso.slice(11, 19)} UTC`;
  return `${human} (${iso})`;
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
