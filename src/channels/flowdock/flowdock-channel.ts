import { excerpt, parseRetryAfter, resolveAlways } from '../channel.ts';
import type { AttemptReport, Channel, ChannelMessage, SendOptions, SendResult } from '../channel.ts';
import { callService, header } from '../chat-common.ts';
import { SecretRedactor } from '../secret-redactor.ts';
import type { HttpClient, HttpResponse } from '../../net/http-client.ts';
import { formatFlowdockActivity } from './flowdock-format.ts';

export interface FlowdockChannelOptions {
  /** Shared with other channels; its owner closes it. */
  readonly http: HttpClient;
  /** The Messages API's base URL (CLARION_FLOWDOCK_API_URL), without a trailing slash. */
  readonly apiUrl: string;
  /** Bound on one attempt's request. Default 15 000. */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * Posts `activity` messages to Flowdock's Messages API (`POST {apiUrl}/messages`) with a flow
 * (source) token, threaded per application. Flowdock shut down in 2022; the channel serves
 * receivers that speak its API. The token goes in the JSON body, never in a URL.
 */
export class FlowdockChannel implements Channel {
  readonly name = 'flowdock';
  private readonly http: HttpClient;
  private readonly endpoint: URL;
  private readonly what: string;
  private readonly timeoutMs: number;

  constructor(options: FlowdockChannelOptions) {
    this.http = options.http;
    this.endpoint = new URL(`${options.apiUrl.replace(/\/+$/, '')}/messages`);
    this.what = `Flowdock at ${this.endpoint.origin}`;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  send(message: ChannelMessage, options: SendOptions): Promise<SendResult> {
    return resolveAlways('Flowdock', () => this.attempt(message, options));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private async attempt(message: ChannelMessage, { signal, now }: SendOptions): Promise<AttemptReport> {
    const token = message.settings['flow_token'];
    if (typeof token !== 'string' || token === '') {
      return { outcome: { status: 'failed' }, error: 'flowdock settings: "flow_token" must be a string' };
    }
    const redactor = new SecretRedactor([token]);
    const body = JSON.stringify({ flow_token: token, ...formatFlowdockActivity(message) });
    const answer = await callService(
      this.http,
      this.endpoint,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Clarion/0.1' },
        body,
        signal,
        timeoutMs: this.timeoutMs,
      },
      this.what,
    );
    if ('report' in answer) return answer.report;
    return classify(answer.response, redactor, now);
  }
}

function classify(response: HttpResponse, redactor: SecretRedactor, now: number): AttemptReport {
  const { statusCode } = response;
  const text = redactor.redact(response.body);
  const base = { statusCode, responseExcerpt: excerpt(text) };
  if (statusCode >= 200 && statusCode < 300) return { ...base, outcome: { status: 'sent' } };
  if (statusCode === 400 || statusCode === 422) {
    return { ...base, outcome: { status: 'failed' }, error: `Flowdock refused the message: ${validationErrors(text)}` };
  }
  if (statusCode === 401 || statusCode === 403) {
    return {
      ...base,
      outcome: { status: 'failed' },
      error: `Flowdock refused the flow token (${statusCode}): set the source's flow token on the hook`,
    };
  }
  if (statusCode === 404 || statusCode === 410) {
    return {
      ...base,
      outcome: { status: 'gone' },
      error: `Flowdock knows no flow for this token (${statusCode}): the flow or its source was removed`,
    };
  }
  if (statusCode === 429 || statusCode === 408 || statusCode >= 500) {
    const wait = parseRetryAfter(header(response, 'retry-after'), now);
    return {
      ...base,
      outcome: wait === undefined ? { status: 'retry' } : { status: 'retry', retryAfterMs: wait },
      error: `Flowdock answered ${statusCode}`,
    };
  }
  return {
    ...base,
    outcome: { status: 'failed' },
    error: `Flowdock answered ${statusCode}: check CLARION_FLOWDOCK_API_URL`,
  };
}

/** Flowdock's `{"message":"Validation error","errors":{"field":["…"]}}`, as one line. */
function validationErrors(text: string): string {
  try {
    const parsed = JSON.parse(text) as { message?: unknown; errors?: Record<string, unknown> };
    const errors = Object.entries(parsed.errors ?? {}).map(
      ([field, problems]) => `${field} ${Array.isArray(problems) ? problems.join(', ') : String(problems)}`,
    );
    const summary = typeof parsed.message === 'string' ? parsed.message : 'invalid message';
    return excerpt(errors.length > 0 ? `${summary} (${errors.join('; ')})` : summary, 300);
  } catch {
    return 'invalid message';
  }
}
