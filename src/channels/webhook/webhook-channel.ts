import { STATUS_CODES } from 'node:http';
import { excerpt, parseRetryAfter, resolveAlways } from '../channel.ts';
import type { AttemptReport, Channel, ChannelMessage, SendOptions } from '../channel.ts';
import { errorCode, findInCauses } from '../../net/error-causes.ts';
import { TargetRefusedError } from '../../net/http-client.ts';
import type { HttpClient, HttpResponse } from '../../net/http-client.ts';
import { WEBHOOK_FORMATS, isWebhookFormat, renderWebhookBody } from './webhook-format.ts';
import type { WebhookFormat } from './webhook-format.ts';
import { SecretRedactor } from '../secret-redactor.ts';
import { describeSecretProblem, WebhookSigner, type SigningSecret } from './webhook-signature.ts';

/** A webhook hook's decrypted settings, as `ChannelMessage.settings` carries them. */
export interface WebhookSettings {
  readonly url: string;
  readonly format: WebhookFormat;
  /**
   * `whsec_` secrets; each one signs until its `expiresAt`, so a rotation keeps the old one
   * signing beside the new one until receivers switch.
   */
  readonly secrets: readonly SigningSecret[];
}

export interface WebhookChannelOptions {
  /** Shared with other channels; its owner closes it, never this channel. */
  readonly http: HttpClient;
  /** Bound on one attempt's request, answer included. Default 15 000 (Standard Webhooks: 15-30 s). */
  readonly timeoutMs?: number;
  /** Default `Clarion-Webhooks/0.1`. */
  readonly userAgent?: string;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_USER_AGENT = 'Clarion-Webhooks/0.1';

/** What every send to one hook needs from its settings, worked out once (see `prepare`). */
interface PreparedHook {
  readonly format: WebhookFormat;
  readonly target: URL;
  readonly signer: WebhookSigner;
  readonly redactor: SecretRedactor;
}

/**
 * Checks settings read from storage (they are decrypted JSON, so their shape is not guaranteed).
 * On failure `error` says which field is wrong without quoting the URL or any secret, so it can
 * go into an attempt row or an API answer as it is.
 */
export function parseWebhookSettings(
  settings: Readonly<Record<string, unknown>>,
): { ok: true; settings: WebhookSettings } | { ok: false; error: string } {
  const { url, format, secrets } = settings;
  if (typeof url !== 'string' || url === '') return { ok: false, error: 'webhook settings: "url" must be a string' };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, error: 'webhook settings: "url" is not a valid URL' };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return { ok: false, error: 'webhook settings: "url" must start with http:// or https://' };
  }
  if (!isWebhookFormat(format)) {
    return { ok: false, error: `webhook settings: "format" must be one of ${WEBHOOK_FORMATS.join(', ')}` };
  }
  if (!Array.isArray(secrets) || secrets.length === 0) {
    return { ok: false, error: 'webhook settings: "secrets" must be a non-empty list of whsec_ secrets' };
  }
  const signing: SigningSecret[] = [];
  for (const [index, entry] of (secrets as unknown[]).entries()) {
    // Stored as {secret, expires_at}; hooks created before rotation existed hold bare strings.
    const { secret, expires_at: expiresAt = null } = (
      typeof entry === 'string' ? { secret: entry } : (entry ?? {})
    ) as { secret?: unknown; expires_at?: unknown };
    const problem = describeSecretProblem(secret);
    if (problem !== null) return { ok: false, error: `webhook settings: secret #${index + 1} ${problem}` };
    if (expiresAt !== null && typeof expiresAt !== 'number') {
      return { ok: false, error: `webhook settings: secret #${index + 1} has an expiry that is not a time` };
    }
    signing.push({ secret: secret as string, expiresAt });
  }
  return { ok: true, settings: { url, format, secrets: signing } };
}

/**
 * Sends Standard Webhooks: a signed JSON POST per attempt, never following redirects.
 *
 * `send` always resolves. Outcomes: 2xx `sent`; 410 `gone`; 3xx and every other answer `retry`
 * (honouring Retry-After); network errors, timeouts and aborts `retry`; a URL the HttpClient
 * refuses (SSRF guard) or malformed settings `failed`. `error` strings name at most the URL's
 * origin: webhook URLs often carry credentials in their path or query (Slack-style).
 */
export class WebhookChannel implements Channel {
  readonly name = 'webhook';
  private readonly http: HttpClient;
  private readonly timeoutMs: number;
  private readonly userAgent: string;
  /**
   * By settings object. The worker hands a hook's deliveries the same (frozen) settings object
   * while the hook is unchanged, so checking the settings, parsing the URL and decoding the
   * signing keys happen once per hook rather than once per send.
   */
  private readonly prepared = new WeakMap<object, PreparedHook | { readonly error: string }>();

  constructor(options: WebhookChannelOptions) {
    this.http = options.http;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
  }

  send(message: ChannelMessage, options: SendOptions): Promise<AttemptReport> {
    return resolveAlways('the webhook', () => this.attempt(message, options));
  }

  /** Nothing to release: the HttpClient is shared and closed by whoever created it. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  private prepare(settings: ChannelMessage['settings']): PreparedHook | { readonly error: string } {
    let prepared = this.prepared.get(settings);
    if (prepared === undefined) {
      const parsed = parseWebhookSettings(settings);
      prepared = parsed.ok
        ? {
            format: parsed.settings.format,
            target: new URL(parsed.settings.url),
            signer: new WebhookSigner(parsed.settings.secrets),
            redactor: SecretRedactor.forUrl(new URL(parsed.settings.url)),
          }
        : { error: parsed.error };
      this.prepared.set(settings, prepared);
    }
    return prepared;
  }

  private async attempt(message: ChannelMessage, { signal, now }: SendOptions): Promise<AttemptReport> {
    const hook = this.prepare(message.settings);
    if ('error' in hook) return { outcome: { status: 'failed' }, error: hook.error };
    const { format, target, signer, redactor } = hook;

    const body = renderWebhookBody(format, message);
    const timestamp = Math.floor(now / 1000);
    let signature: string;
    try {
      signature = signer.sign(message.deliveryId, timestamp, body, now);
    } catch (error) {
      // A delivery id with a "." cannot be signed unambiguously, and settings whose every secret
      // expired cannot be signed at all: resending will not change either.
      return { outcome: { status: 'failed' }, error: `cannot sign the webhook: ${(error as Error).message}` };
    }

    const { event } = message;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': this.userAgent,
      // The delivery id, not the attempt: receivers deduplicate retries on webhook-id.
      'webhook-id': message.deliveryId,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signature,
      'clarion-event-id': event.id,
      'clarion-event-seq': String(event.seq),
      'clarion-event-type': event.type,
      'clarion-organization': event.organizationId,
      'clarion-attempt': String(message.attempt),
    };
    if (event.applicationId !== null) headers['clarion-application'] = event.applicationId;

    let response: HttpResponse;
    try {
      response = await this.http.request(target, { method: 'POST', headers, body, signal, timeoutMs: this.timeoutMs });
    } catch (error) {
      return this.classifyError(error, target, signal);
    }
    return classifyResponse(response, target, redactor, now);
  }

  private classifyError(error: unknown, target: URL, signal: AbortSignal): AttemptReport {
    const origin = target.origin;
    const refused = findInCauses(error, (e): e is TargetRefusedError => e instanceof TargetRefusedError);
    if (refused) {
      // The SSRF guard said no: resending cannot help until the operator changes the URL or
      // CLARION_ALLOW_PRIVATE_TARGETS, so this is `failed`, and the target stays enabled.
      return {
        outcome: { status: 'failed' },
        error: `Clarion does not deliver to ${origin}: ${refused.reason}`,
      };
    }
    if (signal.aborted) {
      return {
        outcome: { status: 'retry' },
        error: `the attempt to ${origin} was cut short (its deadline passed or Clarion is shutting down)`,
      };
    }
    const code = errorCode(error);
    const words = describeNetworkError(code, origin, this.timeoutMs);
    if (words.permanent) return { outcome: { status: 'failed' }, error: words.text };
    return { outcome: { status: 'retry' }, error: words.text };
  }
}

function classifyResponse(response: HttpResponse, target: URL, redactor: SecretRedactor, now: number): AttemptReport {
  const { statusCode } = response;
  const responseExcerpt = excerpt(redactor.redact(response.body));
  const base = { statusCode, responseExcerpt };
  if (statusCode >= 200 && statusCode < 300) return { ...base, outcome: { status: 'sent' } };
  if (statusCode === 410) {
    return {
      ...base,
      outcome: { status: 'gone' },
      error: 'the receiver answered 410 Gone: the endpoint no longer exists',
    };
  }
  if (statusCode >= 300 && statusCode < 400) {
    // Standard Webhooks counts 3xx as a failure; following redirects would also let a receiver
    // steer us past the SSRF check, so the user is told where it points and fixes the URL.
    return {
      ...base,
      outcome: { status: 'retry' },
      error: `redirect to ${describeLocation(response.headers['location'], target)} not followed (set the hook URL to the final address)`,
    };
  }
  const retryAfterMs = parseRetryAfter(response.headers['retry-after'], now);
  const reason = STATUS_CODES[statusCode];
  return {
    ...base,
    outcome: retryAfterMs === undefined ? { status: 'retry' } : { status: 'retry', retryAfterMs },
    error: `the receiver answered ${statusCode}${reason ? ` ${reason}` : ''}`,
  };
}

/**
 * Where a redirect points, reduced to its origin: an http -> https redirect repeats the secret
 * path of the hook URL, so the path is only described, never shown.
 */
function describeLocation(header: string | string[] | undefined, target: URL): string {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return 'an unstated location';
  let location: URL;
  try {
    location = new URL(value.trim(), target);
  } catch {
    return 'an unparsable location';
  }
  if (location.pathname === target.pathname && location.search === target.search) {
    return `${location.origin} (same path)`;
  }
  return location.pathname === '/' && location.search === '' ? location.origin : `${location.origin} (path hidden)`;
}

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

/** An error code in words a user can act on; `permanent` when resending the same request is futile. */
function describeNetworkError(
  code: string | undefined,
  origin: string,
  timeoutMs: number,
): { text: string; permanent: boolean } {
  switch (code) {
    case 'ECONNREFUSED':
      return { text: `connection refused by ${origin} (nothing listening there?)`, permanent: false };
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return { text: `the connection to ${origin} was closed before an answer arrived`, permanent: false };
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return { text: `could not connect to ${origin} in time`, permanent: false };
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'HttpTimeoutError':
    case 'TimeoutError':
      return { text: `no complete answer from ${origin} within ${timeoutMs} ms`, permanent: false };
    case 'ENOTFOUND':
      return { text: `the host name of ${origin} does not resolve`, permanent: false };
    case 'EAI_AGAIN':
      return { text: `looking up the host name of ${origin} failed for now`, permanent: false };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { text: `${origin} is unreachable from Clarion`, permanent: false };
    case 'UND_ERR_ABORTED':
    case 'AbortError':
      return { text: `the request to ${origin} was aborted`, permanent: false };
    case 'UND_ERR_INVALID_ARG':
    case 'ERR_INVALID_URL':
    case 'ERR_INVALID_CHAR':
    case 'ERR_INVALID_HTTP_TOKEN':
      // Our request cannot be built (a header value the event carries, say): it never will be.
      return { text: `the request to ${origin} could not be built (${code})`, permanent: true };
    default:
      if (code !== undefined && TLS_CODES.has(code)) {
        return { text: `the TLS certificate of ${origin} was not accepted (${code})`, permanent: false };
      }
      return { text: `the request to ${origin} failed (${code ?? 'unknown error'})`, permanent: false };
  }
}
