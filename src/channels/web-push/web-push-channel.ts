import { STATUS_CODES } from 'node:http';
import webpush from 'web-push';
import { excerpt, parseRetryAfter, resolveAlways } from '../channel.ts';
import type { AttemptReport, Channel, ChannelMessage, SendOptions } from '../channel.ts';
import { TargetRefusedError } from '../../net/http-client.ts';
import type { HttpClient, HttpResponse } from '../../net/http-client.ts';
import { SecretRedactor } from '../secret-redactor.ts';
import { findInCauses } from '../../net/error-causes.ts';
import { renderWebPushPayload, topicOf, TTL_SECONDS, urgencyOf } from './web-push-format.ts';

export interface WebPushChannelOptions {
  /** The VAPID key pair (base64url) and contact every subscription of this server was made with. */
  readonly vapid: { readonly publicKey: string; readonly privateKey: string; readonly subject: string };
  /** Its own client (it may trust an extra CA); its owner closes it. Refuses private targets unless allowed. */
  readonly http: HttpClient;
  /** Bound on one request, answer included. Default 15 000. */
  readonly timeoutMs?: number;
  /** Told when push services refuse Clarion's VAPID signature: the key pair changed or is wrong. */
  readonly alert?: (problem: string) => void;
}

const DEFAULT_TIMEOUT_MS = 15_000;

/** A subscription as `ChannelMessage.settings` carries it, checked. */
interface Subscription {
  readonly endpoint: string;
  readonly keys: { readonly p256dh: string; readonly auth: string };
}

/**
 * Sends Web Push (RFC 8030) to a browser's push service: the payload encrypted for the
 * subscription (RFC 8291, aes128gcm) and signed with VAPID (RFC 8292), as web-push's
 * `generateRequestDetails` builds it; sent through the SSRF-guarded HttpClient (undici).
 *
 * `send` always resolves. Outcomes: 200/201/202 `sent`; 404 and 410 `gone` (the worker deletes
 * the subscription); 429 and 5xx `retry` (Retry-After honoured); 400, 401, 403 and 413 `failed`.
 * The endpoint's path is a capability: errors and excerpts name only its origin.
 */
export class WebPushChannel implements Channel {
  readonly name = 'browser';
  private readonly timeoutMs: number;

  constructor(private readonly options: WebPushChannelOptions) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  send(message: ChannelMessage, options: SendOptions): Promise<AttemptReport> {
    return resolveAlways('the push service', () => this.attempt(message, options));
  }

  /** Nothing to release: the HttpClient is closed by whoever created it. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  private async attempt(message: ChannelMessage, { signal, now }: SendOptions): Promise<AttemptReport> {
    const subscription = parseSubscription(message.settings);
    if (subscription === undefined) {
      return { outcome: { status: 'failed' }, error: 'the stored Web Push subscription is not usable' };
    }
    const target = new URL(subscription.endpoint);
    const topic = topicOf(message.event, message.eventType);
    let details: ReturnType<typeof webpush.generateRequestDetails>;
    try {
      details = webpush.generateRequestDetails(subscription, renderWebPushPayload(message), {
        TTL: TTL_SECONDS,
        urgency: urgencyOf(message.eventType.severity),
        ...(topic === undefined ? {} : { topic }),
        contentEncoding: 'aes128gcm',
        vapidDetails: this.options.vapid,
      });
    } catch {
      // web-push's messages quote the subscription's keys: only say which part is wrong.
      return { outcome: { status: 'failed' }, error: 'the subscription keys cannot encrypt a message (p256dh/auth)' };
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(details.headers)) {
      // undici counts the body itself.
      if (name.toLowerCase() !== 'content-length') headers[name.toLowerCase()] = String(value);
    }
    let response: HttpResponse;
    try {
      response = await this.options.http.request(target, {
        method: 'POST',
        headers,
        body: details.body ?? Buffer.alloc(0),
        signal,
        timeoutMs: this.timeoutMs,
      });
    } catch (error) {
      return this.classifyError(error, target, signal);
    }
    return this.classify(response, target, now);
  }

  private classify(response: HttpResponse, target: URL, now: number): AttemptReport {
    const { statusCode } = response;
    const base = {
      statusCode,
      ...(response.body === ''
        ? {}
        : { responseExcerpt: excerpt(SecretRedactor.forUrl(target).redact(response.body)) }),
    };
    const said = `the push service ${target.origin} answered ${statusCode}${STATUS_CODES[statusCode] ? ` ${STATUS_CODES[statusCode]}` : ''}`;
    if (statusCode === 200 || statusCode === 201 || statusCode === 202) return { ...base, outcome: { status: 'sent' } };
    if (statusCode === 404 || statusCode === 410) {
      return {
        ...base,
        outcome: { status: 'gone' },
        error: `${said}: the subscription expired or the browser unsubscribed; it is removed`,
      };
    }
    if (statusCode === 401 || statusCode === 403) {
      const problem = `${said}: it refused Clarion's VAPID signature (the subscription was made with another VAPID public key, or CLARION_VAPID_* changed)`;
      this.options.alert?.(problem);
      return { ...base, outcome: { status: 'failed' }, error: problem };
    }
    if (statusCode === 400 || statusCode === 413) {
      return { ...base, outcome: { status: 'failed' }, error: `${said}: it refused the message as sent` };
    }
    const retryAfterMs = parseRetryAfter(response.headers['retry-after'], now);
    return {
      ...base,
      outcome: retryAfterMs === undefined ? { status: 'retry' } : { status: 'retry', retryAfterMs },
      error: said,
    };
  }

  private classifyError(error: unknown, target: URL, signal: AbortSignal): AttemptReport {
    const { origin } = target;
    const refused = findInCauses(error, (e): e is TargetRefusedError => e instanceof TargetRefusedError);
    if (refused) {
      return { outcome: { status: 'failed' }, error: `Clarion does not deliver to ${origin}: ${refused.reason}` };
    }
    if (signal.aborted) {
      return {
        outcome: { status: 'retry' },
        error: `the attempt to ${origin} was cut short (its deadline passed or Clarion is shutting down)`,
      };
    }
    const coded = findInCauses(error, (e): e is { code: string } => typeof (e as { code?: unknown }).code === 'string');
    const code = coded?.code ?? (error instanceof Error ? error.name : 'unknown error');
    if (code === 'HttpTimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
      return { outcome: { status: 'retry' }, error: `no complete answer from ${origin} within ${this.timeoutMs} ms` };
    }
    // Only identifiers: undici's messages may quote the endpoint.
    return {
      outcome: { status: 'retry' },
      error: `the request to ${origin} failed (${/^[A-Za-z0-9_]+$/.test(code) ? code : 'unknown error'})`,
    };
  }
}

function parseSubscription(settings: Readonly<Record<string, unknown>>): Subscription | undefined {
  const { endpoint, keys } = settings as { endpoint?: unknown; keys?: { p256dh?: unknown; auth?: unknown } };
  if (typeof endpoint !== 'string' || typeof keys !== 'object' || keys === null) return undefined;
  if (typeof keys.p256dh !== 'string' || typeof keys.auth !== 'string') return undefined;
  try {
    if (new URL(endpoint).protocol !== 'https:') return undefined;
  } catch {
    return undefined;
  }
  return { endpoint, keys: { p256dh: keys.p256dh, auth: keys.auth } };
}
