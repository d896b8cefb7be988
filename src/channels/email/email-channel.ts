import nodemailer from 'nodemailer';
import type { NodemailerError, SMTPPoolOptions, SMTPPoolSentMessageInfo, Transporter } from 'nodemailer';
import { excerpt } from '../channel.ts';
import type { AttemptReport, Channel, ChannelMessage, SendOptions } from '../channel.ts';
import type { UnsubscribeCell } from '../../preferences/unsubscribe-token.ts';
import { renderEmail, unsubscribeApplication } from './email-format.ts';
import { parseSmtpUrl, redactor } from './email-smtp-url.ts';

export interface EmailChannelOptions {
  /**
   * `smtp://user:pass@host:port` (STARTTLS when offered, port 587 by default) or
   * `smtps://user:pass@host:port` (TLS from the first byte, port 465 by default). User and
   * password are percent-decoded. Query options: `requireTLS`, `ignoreTLS`,
   * `tls.rejectUnauthorized` (each `true` or `false`); any other is refused.
   */
  readonly smtpUrl: string;
  /** The From header, e.g. `Clarion <notifications@example.com>`. */
  readonly from: string;
  /** Clarion's public base URL: linked from every e-mail, its host names the Message-IDs. */
  readonly publicUrl: string;
  /** Bounds connecting, the greeting, and each wait for the server's reply; default 15000. */
  readonly timeoutMs?: number;
  /**
   * Signs one-click unsubscribe links (RFC 8058) for members' e-mails; without it no e-mail
   * carries List-Unsubscribe. The route that honours them is POST /v1/unsubscribe/{token}.
   */
  readonly unsubscribeTokens?: { mint(cell: UnsubscribeCell): string };
}

const DEFAULT_TIMEOUT_MS = 15_000;
const AUTH_REFUSED = "the SMTP server refused Clarion's credentials";
const AUTH_MISSING = 'the SMTP server requires a login: put a user and password in the SMTP URL';

// Codes of errors that ended the connection, or never got one: the next attempt may well work.
const TRANSIENT_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS', 'EPROTOCOL', 'EMAXLIMIT']);

/**
 * Sends per-recipient e-mail over SMTP through one pooled connection set (at most 5 connections,
 * 100 messages each). Replies are classified after RFC 5321: a 5xx for the recipient is `gone`,
 * any 4xx and any network trouble is `retry`, refused credentials and other 5xx are `failed`.
 * Every attempt of one delivery carries the same Message-ID, so a receiver (or a person) can
 * tell a retry from a new notification. Reports never contain the SMTP URL or password.
 */
export class EmailChannel implements Channel {
  readonly name = 'email';
  private readonly transport: Transporter<SMTPPoolSentMessageInfo, SMTPPoolOptions>;
  private readonly from: string;
  private readonly publicUrl: string;
  private readonly messageIdDomain: string;
  private readonly unsubscribeTokens: EmailChannelOptions['unsubscribeTokens'];
  private readonly redact: (text: string) => string;

  /** Throws when `smtpUrl` is unusable; the message never repeats the URL (it holds a password). */
  constructor(options: EmailChannelOptions) {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const server = parseSmtpUrl(options.smtpUrl);
    this.redact = redactor(server.auth);
    this.from = options.from;
    this.publicUrl = options.publicUrl;
    this.messageIdDomain = messageIdDomain(options.publicUrl);
    this.unsubscribeTokens = options.unsubscribeTokens;
    this.transport = nodemailer.createTransport({
      pool: true,
      ...server,
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      dnsTimeout: timeoutMs,
      maxConnections: 5,
      maxMessages: 100,
      logger: false,
      // The content is always strings Clarion built; nothing may make nodemailer read a file or
      // fetch a URL on a message's behalf.
      disableFileAccess: true,
      disableUrlAccess: true,
      // Backstop against an address that parses as several recipients ("a@x, b@y").
      maxRecipients: 1,
    });
    // Each send learns of its own failure through its promise; a transport-level 'error' event
    // with no listener would crash the process instead.
    this.transport.on('error', () => {});
  }

  async send(message: ChannelMessage, { signal, now }: SendOptions): Promise<AttemptReport> {
    const address = message.address?.trim() ?? '';
    if (address === '') return { outcome: { status: 'failed' }, error: 'the delivery has no e-mail address' };
    if (!SINGLE_ADDRESS.test(address)) {
      return { outcome: { status: 'failed' }, error: 'the recipient is not a single valid e-mail address' };
    }
    if (signal.aborted) return ABORTED_REPORT;

    const messageId = `<${messageIdLocalPart(message.deliveryId)}@${this.messageIdDomain}>`;
    try {
      const unsubscribeUrl = this.unsubscribeUrl(message);
      const content = renderEmail(message, {
        publicUrl: this.publicUrl,
        ...(unsubscribeUrl === undefined ? {} : { unsubscribeUrl }),
      });
      const sending = this.transport.sendMail({
        from: this.from,
        to: address,
        subject: content.subject,
        text: content.text,
        html: content.html,
        date: new Date(now),
        messageId,
        headers: {
          'X-Clarion-Event-Id': headerValue(message.event.id),
          'X-Clarion-Event-Type': headerValue(message.event.type),
          'X-Clarion-Delivery-Id': headerValue(message.deliveryId),
          // RFC 3834: tells auto-responders (vacation replies) not to answer a notification.
          'Auto-Submitted': 'auto-generated',
          // RFC 8058: the link alone works with one POST, no login, no page to click through.
          ...(unsubscribeUrl === undefined ? {} : { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' }),
        },
        // nodemailer writes it as "List-Unsubscribe: <url>" (RFC 2369), folded only at spaces.
        ...(unsubscribeUrl === undefined ? {} : { list: { unsubscribe: { url: unsubscribeUrl } } }),
        // nodemailer 10's pool drops a queued message or closes the connection carrying it on
        // abort; the race below also covers any step that does not listen.
        signal,
      });
      const info = await untilAborted(sending, signal);
      if (info === ABORTED) return ABORTED_REPORT;
      return this.accepted(info, messageId);
    } catch (error) {
      return this.classify(error);
    }
  }

  /**
   * The one-click link for an e-mail to a member: it turns off that member's e-mail cell of the
   * event's type, for the event's application (or at account level). Addresses listed on a hook
   * have no cell to turn off, so their e-mails carry none.
   */
  private unsubscribeUrl(message: ChannelMessage): string | undefined {
    const userId = message.userId;
    if (this.unsubscribeTokens === undefined || userId === undefined || userId === null) return undefined;
    const token = this.unsubscribeTokens.mint({
      organizationId: message.event.organizationId,
      userId,
      eventType: message.event.type,
      applicationId: unsubscribeApplication(message),
    });
    return `${this.publicUrl.replace(/\/+$/, '')}/v1/unsubscribe/${token}`;
  }

  /** Closes idle connections at once; one carrying a message closes once that send settles. */
  close(): Promise<void> {
    this.transport.close();
    return Promise.resolve();
  }

  /** The report for a transaction the server finished; with one recipient, rejected is rare. */
  private accepted(info: SMTPPoolSentMessageInfo, messageId: string): AttemptReport {
    const response = this.redact(String(info.response ?? '').trim());
    // An LMTP server, or a server answering DATA per recipient, can still refuse the one we sent.
    const rejection = info.rejectedErrors?.[0];
    if (rejection !== undefined) return this.classify(rejection);
    if (info.accepted.length === 0) {
      return {
        outcome: { status: 'retry' },
        ...(response ? { responseExcerpt: excerpt(response) } : {}),
        error: 'the SMTP server accepted the message for no recipient',
      };
    }
    return {
      outcome: { status: 'sent', providerMessageId: messageId },
      statusCode: replyCode(response) ?? 250,
      responseExcerpt: excerpt(response),
    };
  }

  /**
   * Turns a nodemailer error into a report. Words come from the error's code, reply code,
   * command and the server's own reply (redacted), never from `err.message`: nodemailer and
   * Node write hosts, and in some paths configuration, into messages.
   */
  private classify(error: unknown): AttemptReport {
    const err = (error ?? {}) as NodemailerError;
    const code = typeof err.code === 'string' ? err.code : undefined;
    const responseCode = typeof err.responseCode === 'number' ? err.responseCode : undefined;
    const response = typeof err.response === 'string' ? this.redact(err.response.trim()) : undefined;
    const command = typeof err.command === 'string' ? commandName(err.command) : undefined;
    const reply = {
      ...(responseCode === undefined ? {} : { statusCode: responseCode }),
      ...(response ? { responseExcerpt: excerpt(response) } : {}),
    };
    const said = response ? `: ${firstLine(response)}` : '';
    const at = command ? ` at ${command}` : '';

    if (code === 'EABORT' || (error instanceof Error && error.name === 'AbortError')) return ABORTED_REPORT;

    if (responseCode !== undefined && responseCode >= 400 && responseCode < 500) {
      // 4yz is transient whatever the command (RFC 5321 section 4.2.1), a 454 to AUTH included.
      return {
        outcome: { status: 'retry' },
        ...reply,
        error: `the SMTP server deferred the message (${responseCode})${at}${said}`,
      };
    }
    if (code === 'EAUTH' || responseCode === 535) {
      return { outcome: { status: 'failed' }, ...reply, error: AUTH_REFUSED };
    }
    if (code === 'ENOAUTH' || responseCode === 530) {
      return { outcome: { status: 'failed' }, ...reply, error: AUTH_MISSING };
    }
    if (responseCode !== undefined && responseCode >= 500 && responseCode < 600) {
      if (command === 'RCPT TO' && isAboutTheAddress(responseCode, response)) {
        return {
          outcome: { status: 'gone' },
          ...reply,
          error: `the SMTP server rejected the recipient (${responseCode})${said}`,
        };
      }
      return {
        outcome: { status: 'failed' },
        ...reply,
        error: `the SMTP server refused the message (${responseCode})${at}${said}`,
      };
    }
    if (code === 'ETIMEDOUT') {
      const phase = typeof err.timeoutType === 'string' ? `, ${err.timeoutType}` : '';
      return {
        outcome: { status: 'retry' },
        ...reply,
        error: `the SMTP server did not answer in time (ETIMEDOUT${phase})`,
      };
    }
    if (code !== undefined && TRANSIENT_CODES.has(code)) {
      // ESOCKET keeps the system error (ECONNREFUSED, ENOTFOUND...) as originalCode.
      const cause = typeof err.originalCode === 'string' ? `, ${err.originalCode}` : '';
      return {
        outcome: { status: 'retry' },
        ...reply,
        error: `could not talk to the SMTP server (${code}${cause})${at}${said}`,
      };
    }
    if (code === 'EMAXRECIPIENTS' || code === 'EENVELOPE' || code === 'EMESSAGE' || code === 'ECONFIG') {
      // Refused before any server reply: the message or address cannot be sent as it is.
      return {
        outcome: { status: 'failed' },
        ...reply,
        error: `the e-mail could not be sent as built (${code})${said}`,
      };
    }
    // Anything unforeseen is treated as transient: the retry schedule ends in `failed` anyway,
    // while a wrong `failed` or `gone` would drop a notification or disable a target.
    return {
      outcome: { status: 'retry' },
      ...reply,
      error: `sending the e-mail failed (${code ?? (error instanceof Error ? error.name : 'unknown error')})`,
    };
  }
}

const ABORTED = Symbol('aborted');

const ABORTED_REPORT: AttemptReport = {
  outcome: { status: 'retry' },
  error: 'the attempt was cancelled before the SMTP server accepted the message',
};

/** Settles with the promise, or with ABORTED as soon as the signal aborts (the promise is still observed). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | typeof ABORTED> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => resolve(ABORTED);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

// One mailbox, no display name, no list: what a member's or hook's address must look like.
const SINGLE_ADDRESS = /^[^\s@<>,;:"()[\]\\]+@[^\s@<>,;:"()[\]\\]+$/;

function messageIdDomain(publicUrl: string): string {
  try {
    const hostname = new URL(publicUrl).hostname;
    // Only a plain DNS name fits after the "@" of a msg-id (RFC 5322 section 3.6.4) unquoted.
    return /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i.test(hostname) ? hostname.toLowerCase() : 'clarion.local';
  } catch {
    return 'clarion.local';
  }
}

/** A delivery id as the left side of a msg-id: dot-atom text only. */
function messageIdLocalPart(deliveryId: string): string {
  const atom = deliveryId.replace(/[^A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+/g, '-').replace(/^-+|-+$/g, '');
  return atom === '' ? 'delivery' : atom;
}

/** Values from the event as one header line: no CR/LF or other control characters. */
function headerValue(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, 200);
}

/**
 * Whether a 5yz to RCPT TO says the mailbox is bad, so the target should be disabled. Enhanced
 * codes (RFC 3463) narrow it down: 5.7.x (relay denied, policy), 5.3.x (the server's own
 * system) and 5.5.x (protocol) would hit every recipient alike, and disabling every target over
 * one misconfigured relay would be far worse than failing the deliveries. 503 is a command
 * sequence error, never the address's fault.
 */
function isAboutTheAddress(responseCode: number, response: string | undefined): boolean {
  if (responseCode === 503) return false;
  const enhanced = /^\d{3}[ -]5\.(\d{1,3})\.\d{1,3}\b/.exec(response ?? '');
  return enhanced === null || !['3', '5', '7'].includes(enhanced[1] ?? '');
}

function replyCode(response: string): number | undefined {
  const match = /^([2-5]\d\d)\b/.exec(response);
  return match ? Number(match[1]) : undefined;
}

function commandName(command: string): string {
  // nodemailer names the AUTH mechanism too ("AUTH PLAIN"); MAIL FROM and RCPT TO are kept whole.
  return command.startsWith('AUTH') ? 'AUTH' : command;
}

function firstLine(text: string): string {
  const line = text.split(/\r?\n/, 1)[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
