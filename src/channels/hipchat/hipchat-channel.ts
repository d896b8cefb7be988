import { excerpt, parseRetryAfter, resolveAlways } from '../channel.ts';
import type { AttemptReport, Channel, ChannelMessage, SendOptions, SendResult } from '../channel.ts';
import { callService, header, Pacer } from '../chat-common.ts';
import type { HttpClient, HttpResponse } from '../../net/http-client.ts';
import { formatHipchatV1, formatHipchatV2 } from './hipchat-format.ts';
import { hipchatUrl, parseHipchatSettings } from './hipchat-settings.ts';
import type { HipchatTarget } from './hipchat-settings.ts';

export interface HipchatChannelOptions {
  /** Shared with other channels; its owner closes it. */
  readonly http: HttpClient;
  /** Bound on one attempt's request. Default 15 000. */
  readonly timeoutMs?: number;
  /** Time between two messages to one room (v2 flood control: 30 a minute). Default 2000. */
  readonly roomIntervalMs?: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_ROOM_INTERVAL_MS = 2000;
/** A 429 that says nothing of when to come back closes the token for this long. */
const DEFAULT_RATE_LIMIT_PAUSE_MS = 60_000;

/**
 * Posts room notifications to Hipchat Cloud or a self-hosted Hipchat Server, API v1
 * (`rooms/message`, form-encoded) or v2 (room notification, JSON, Bearer token).
 *
 * v2 is paced in this process: one message every 2 s per room (its flood control), and a token
 * whose rate limit is spent (`X-Ratelimit-Remaining: 0`, or a 429) is closed until the reset
 * the server names; sends in the meantime are deferred, not tried.
 */
export class HipchatChannel implements Channel {
  readonly name = 'hipchat';
  private readonly http: HttpClient;
  private readonly timeoutMs: number;
  private readonly roomIntervalMs: number;
  private readonly pacer = new Pacer();
  private readonly prepared = new WeakMap<object, HipchatTarget | { error: string }>();

  constructor(options: HipchatChannelOptions) {
    this.http = options.http;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.roomIntervalMs = options.roomIntervalMs ?? DEFAULT_ROOM_INTERVAL_MS;
  }

  send(message: ChannelMessage, options: SendOptions): Promise<SendResult> {
    return resolveAlways('Hipchat', () => this.attempt(message, options));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private prepare(settings: ChannelMessage['settings']): HipchatTarget | { error: string } {
    let prepared = this.prepared.get(settings);
    if (prepared === undefined) {
      prepared = parseHipchatSettings(settings);
      this.prepared.set(settings, prepared);
    }
    return prepared;
  }

  private async attempt(message: ChannelMessage, { signal, now }: SendOptions): Promise<SendResult> {
    const target = this.prepare(message.settings);
    if ('error' in target) return { outcome: { status: 'failed' }, error: target.error };
    if (target.version === 2) {
      const closed = this.pacer.closedAt(target.tokenKey, now);
      if (closed !== undefined) {
        return { deferredUntil: closed, reason: 'the Hipchat token’s rate limit is spent until then' };
      }
      const room = this.pacer.take(target.roomKey, message.deliveryId, now, this.roomIntervalMs);
      if (!room.ok) {
        return {
          deferredUntil: room.until,
          reason: 'waiting for its turn: Hipchat takes 30 messages a minute per room',
        };
      }
    }
    const request =
      target.version === 1
        ? {
            url: hipchatUrl(target, '/v1/rooms/message?format=json'),
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            // The token goes in the body (Hipchat allows it there), so no URL carries it.
            body: new URLSearchParams({
              ...formatHipchatV1(message, target.room),
              auth_token: target.token,
            }).toString(),
          }
        : {
            url: hipchatUrl(target, `/v2/room/${encodeURIComponent(target.room)}/notification`),
            headers: { 'content-type': 'application/json', authorization: `Bearer ${target.token}` },
            body: JSON.stringify(formatHipchatV2(message)),
          };
    const answer = await callService(
      this.http,
      request.url,
      {
        method: 'POST',
        headers: { ...request.headers, 'user-agent': 'Clarion/0.1' },
        body: request.body,
        signal,
        timeoutMs: this.timeoutMs,
      },
      target.what,
    );
    if ('report' in answer) return answer.report;
    if (target.version === 2) this.notePace(answer.response, target, now);
    return classify(answer.response, target, now);
  }

  /** A spent token or room closes it until the reset the server names (Unix seconds). */
  private notePace(response: HttpResponse, target: HipchatTarget, now: number): void {
    const until = spentUntil(response, now);
    if (until !== undefined) this.pacer.close(target.tokenKey, until);
    if (response.statusCode === 429) {
      this.pacer.close(target.tokenKey, until ?? now + (retryAfterMs(response, now) ?? DEFAULT_RATE_LIMIT_PAUSE_MS));
    }
  }
}

/** The latest reset among the limits the answer says are spent, as epoch ms. */
function spentUntil(response: HttpResponse, now: number): number | undefined {
  let until: number | undefined;
  for (const prefix of ['x-ratelimit', 'x-floodcontrol']) {
    const remaining = header(response, `${prefix}-remaining`);
    const reset = Number(header(response, `${prefix}-reset`));
    const spent = remaining !== undefined && Number(remaining) <= 0;
    if ((spent || response.statusCode === 429) && Number.isFinite(reset) && reset > 0) {
      const at = Math.max(now, reset * 1000);
      until = until === undefined ? at : Math.max(until, at);
    }
  }
  return until;
}

function retryAfterMs(response: HttpResponse, now: number): number | undefined {
  return parseRetryAfter(header(response, 'retry-after'), now);
}

function classify(response: HttpResponse, target: HipchatTarget, now: number): AttemptReport {
  const { statusCode } = response;
  const base = { statusCode, responseExcerpt: excerpt(target.redactor.redact(response.body)) };
  const api = `Hipchat API v${target.version}`;
  if (target.version === 1 && statusCode === 200 && /"status"\s*:\s*"sent"/.test(response.body)) {
    return { ...base, outcome: { status: 'sent' } };
  }
  if (target.version === 2 && statusCode === 204) return { ...base, outcome: { status: 'sent' } };
  if (statusCode === 429 || (target.version === 1 && statusCode === 403)) {
    // v1 answers 403 when its rate limit is exceeded; v2 answers 429.
    const until = spentUntil(response, now);
    const wait = until !== undefined ? until - now : (retryAfterMs(response, now) ?? DEFAULT_RATE_LIMIT_PAUSE_MS);
    return {
      ...base,
      outcome: { status: 'retry', retryAfterMs: wait },
      error: `the Hipchat server is rate limiting this token; waiting ${Math.ceil(wait / 1000)} s`,
    };
  }
  if (statusCode === 401) {
    return {
      ...base,
      outcome: { status: 'failed' },
      error: `the Hipchat server refused the token (401): set a valid token on the hook`,
    };
  }
  if (statusCode === 403) {
    return {
      ...base,
      outcome: { status: 'failed' },
      error: 'the Hipchat token may not send notifications to this room (403): give it the send_notification scope',
    };
  }
  if (statusCode === 404 && /room/i.test(response.body)) {
    return { ...base, outcome: { status: 'gone' }, error: `the Hipchat room "${target.room}" no longer exists (404)` };
  }
  if (statusCode >= 500 || statusCode === 408) {
    const wait = retryAfterMs(response, now);
    return {
      ...base,
      outcome: wait === undefined ? { status: 'retry' } : { status: 'retry', retryAfterMs: wait },
      error: `the Hipchat server answered ${statusCode}`,
    };
  }
  if (statusCode >= 200 && statusCode < 300) {
    return {
      ...base,
      outcome: { status: 'failed' },
      error: `the server answered ${statusCode}, not what ${api} answers: check server_url and api_version`,
    };
  }
  // 400 (a body it refuses), a 404 that names no room (not a Hipchat API there), redirects.
  return {
    ...base,
    outcome: { status: 'failed' },
    error: `the Hipchat server answered ${statusCode} to ${api}: check server_url, api_version and room`,
  };
}
