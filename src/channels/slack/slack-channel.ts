import { excerpt, parseRetryAfter, resolveAlways } from '../channel.ts';
import type { AttemptReport, Channel, ChannelMessage, SendOptions, SendResult } from '../channel.ts';
import { callService, header, Pacer, pacingKey } from '../chat-common.ts';
import { SecretRedactor } from '../secret-redactor.ts';
import type { HttpClient, HttpResponse } from '../../net/http-client.ts';
import { formatSlackMessage } from './slack-format.ts';

export interface SlackChannelOptions {
  /** Shared with other channels; its owner closes it. */
  readonly http: HttpClient;
  /** Bound on one attempt's request. Default 15 000. */
  readonly timeoutMs?: number;
  /** Time between two messages to one webhook URL. Default 1000: Slack takes about one a second. */
  readonly intervalMs?: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_INTERVAL_MS = 1000;
/** A 429 without a usable Retry-After still closes the URL for this long. */
const DEFAULT_RATE_LIMIT_PAUSE_MS = 30_000;

/**
 * Answers that mean the webhook no longer exists: the target is disabled (`gone`). The rest of
 * Slack's documented error tokens say the payload or the workspace's rules refuse it (`failed`).
 */
const GONE_TOKENS = new Set([
  'no_service',
  'no_service_id',
  'no_active_hooks',
  'channel_not_found',
  'channel_is_archived',
  'no_team',
  'team_disabled',
]);
const FAILED_TOKENS: Readonly<Record<string, string>> = {
  invalid_payload: 'Slack refused the message as an invalid payload',
  invalid_token: 'Slack refused the webhook URL’s token (create a new incoming webhook)',
  action_prohibited: 'a Slack workspace admin has restricted posting through this webhook',
  user_not_found: 'Slack does not know the user this webhook posts to',
  posting_to_general_channel_denied: 'only admins may post to this channel (pick another channel for the webhook)',
  no_text: 'Slack found no text in the message',
  too_many_attachments: 'Slack refused the message: too many attachments',
};

interface PreparedSlack {
  readonly url: URL;
  readonly key: string;
  /** `Slack at <origin>`: how errors name the target without its secret path. */
  readonly what: string;
  readonly redactor: SecretRedactor;
  readonly channel: string | undefined;
  readonly username: string | undefined;
}

/** Checks a Slack hook's decrypted settings; errors never quote the URL. */
export function parseSlackSettings(settings: Readonly<Record<string, unknown>>): PreparedSlack | { error: string } {
  const { url, channel, username } = settings;
  if (typeof url !== 'string' || url === '') return { error: 'slack settings: "url" must be a string' };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { error: 'slack settings: "url" is not a valid URL' };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return { error: 'slack settings: "url" must start with https://' };
  }
  if (channel !== undefined && typeof channel !== 'string')
    return { error: 'slack settings: "channel" must be a string' };
  if (username !== undefined && typeof username !== 'string') {
    return { error: 'slack settings: "username" must be a string' };
  }
  return {
    url: parsed,
    key: pacingKey('slack', url),
    what: `Slack at ${parsed.origin}`,
    redactor: new SecretRedactor([url], [parsed]),
    channel,
    username,
  };
}

/**
 * Posts to Slack incoming webhooks, paced to one message a second per URL in this process: a send
 * that comes early is deferred (it waits in the queue, spends no attempt), never dropped. A 429
 * closes the URL until its Retry-After, so the other deliveries to it defer instead of trying.
 */
export class SlackChannel implements Channel {
  readonly name = 'slack';
  private readonly http: HttpClient;
  private readonly timeoutMs: number;
  private readonly intervalMs: number;
  private readonly pacer = new Pacer();
  /** By settings object: the worker hands a hook's deliveries the same object while it is unchanged. */
  private readonly prepared = new WeakMap<object, PreparedSlack | { error: string }>();

  constructor(options: SlackChannelOptions) {
    this.http = options.http;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  }

  send(message: ChannelMessage, options: SendOptions): Promise<SendResult> {
    return resolveAlways('Slack', () => this.attempt(message, options));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private prepare(settings: ChannelMessage['settings']): PreparedSlack | { error: string } {
    let prepared = this.prepared.get(settings);
    if (prepared === undefined) {
      prepared = parseSlackSettings(settings);
      this.prepared.set(settings, prepared);
    }
    return prepared;
  }

  private async attempt(message: ChannelMessage, { signal, now }: SendOptions): Promise<SendResult> {
    const hook = this.prepare(message.settings);
    if ('error' in hook) return { outcome: { status: 'failed' }, error: hook.error };

    const slot = this.pacer.take(hook.key, message.deliveryId, now, this.intervalMs);
    if (!slot.ok) {
      return {
        deferredUntil: slot.until,
        reason: 'waiting for its turn: Slack takes about one message a second per webhook',
      };
    }

    const body = JSON.stringify(formatSlackMessage(message, { channel: hook.channel, username: hook.username }));
    const answer = await callService(
      this.http,
      hook.url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Clarion/0.1' },
        body,
        signal,
        timeoutMs: this.timeoutMs,
      },
      hook.what,
    );
    if ('report' in answer) return { ...answer.report, ...redactError(answer.report, hook.redactor) };
    return this.classify(answer.response, hook, now);
  }

  private classify(response: HttpResponse, hook: PreparedSlack, now: number): AttemptReport {
    const { statusCode } = response;
    const text = hook.redactor.redact(response.body);
    const base = { statusCode, responseExcerpt: excerpt(text) };
    const token = text.trim();
    if (statusCode === 200 && token === 'ok') return { ...base, outcome: { status: 'sent' } };
    if (statusCode === 429) {
      const retryAfterMs = parseRetryAfter(header(response, 'retry-after'), now);
      const pause = retryAfterMs ?? DEFAULT_RATE_LIMIT_PAUSE_MS;
      this.pacer.close(hook.key, now + pause);
      return {
        ...base,
        outcome: { status: 'retry', retryAfterMs: pause },
        error: `Slack is rate limiting this webhook; waiting ${Math.ceil(pause / 1000)} s as it asks`,
      };
    }
    if (GONE_TOKENS.has(token)) {
      return { ...base, outcome: { status: 'gone' }, error: `the Slack webhook no longer works (${token})` };
    }
    const failed = FAILED_TOKENS[token];
    if (failed !== undefined) return { ...base, outcome: { status: 'failed' }, error: `${failed} (${token})` };
    if (statusCode >= 500) {
      return {
        ...base,
        outcome: { status: 'retry', ...retryAfter(response, now) },
        error: `Slack answered ${statusCode}${named(token)}`,
      };
    }
    if (statusCode >= 200 && statusCode < 300) {
      // Not Slack's `ok`: the URL is likely not an incoming webhook; resending will not change it.
      return {
        ...base,
        outcome: { status: 'failed' },
        error: `the URL answered ${statusCode} without Slack's "ok": is it a Slack incoming webhook URL?`,
      };
    }
    if (statusCode === 408) return { ...base, outcome: { status: 'retry' }, error: 'Slack answered 408' };
    // Slack's advice: anything but 200 ok is a failure. Redirects are not followed (fix the URL).
    return {
      ...base,
      outcome: { status: 'failed' },
      error: `Slack answered ${statusCode}${named(token)}: check the webhook URL`,
    };
  }
}

/** Slack's error token, when the answer is one, for the error text. */
function named(token: string): string {
  return /^[a-z_]{1,64}$/.test(token) ? ` (${token})` : '';
}

function retryAfter(response: HttpResponse, now: number): { retryAfterMs?: number } {
  const ms = parseRetryAfter(header(response, 'retry-after'), now);
  return ms === undefined ? {} : { retryAfterMs: ms };
}

function redactError(report: AttemptReport, redactor: SecretRedactor): Partial<AttemptReport> {
  return report.error === undefined ? {} : { error: redactor.redact(report.error) };
}
