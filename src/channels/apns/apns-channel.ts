import http2, { type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import tls from 'node:tls';
import { excerpt, parseRetryAfter, resolveAlways } from '../channel.ts';
import type { AttemptReport, Channel, ChannelMessage, SendOptions } from '../channel.ts';
import { apnsMessageHeaders, MAX_PAYLOAD_BYTES, renderApnsPayload } from './apns-format.ts';
import { ApnsProviderToken } from './apns-token.ts';

export interface ApnsChannelOptions {
  /** The .p8 signing key (PEM), its Key ID and the Team ID. */
  readonly key: string;
  readonly keyId: string;
  readonly teamId: string;
  /** The app's bundle id (`apns-topic`). */
  readonly topic: string;
  /** `https://api.push.apple.com`, `https://api.sandbox.push.apple.com`, or another origin. */
  readonly url: string;
  /** Extra trusted CA certificates (PEM): a private gateway, or a test server. */
  readonly ca?: string;
  /** Bound on one request, answer included. Default 15 000. */
  readonly timeoutMs?: number;
  /** Told about answers that need the operator (wrong key, team or topic): they fail every send. */
  readonly alert?: (problem: string) => void;
}

/** Apple: "retry 5xx after 15 minutes at least". */
export const SERVER_ERROR_DELAY_MS = 15 * 60_000;
const DEFAULT_TIMEOUT_MS = 15_000;
const MAX_ANSWER_BYTES = 4096;

/** Reasons that mean the operator's APNs settings are wrong, and what to change. */
const CONFIGURATION_REASONS: Readonly<Record<string, string>> = {
  InvalidProviderToken: 'check CLARION_APNS_KEY_ID, CLARION_APNS_TEAM_ID and the .p8 key (they must belong together)',
  MissingProviderToken: 'check CLARION_APNS_KEY_ID, CLARION_APNS_TEAM_ID and the .p8 key',
  BadCertificate: 'check the APNs key: token authentication needs the .p8 key, not a certificate',
  BadCertificateEnvironment: 'check CLARION_APNS_HOST (production or sandbox)',
  Forbidden: 'check that the key in CLARION_APNS_KEY_FILE is enabled for APNs in the Apple developer account',
  BadTopic: 'check CLARION_APNS_TOPIC (the app bundle id)',
  MissingTopic: 'check CLARION_APNS_TOPIC (the app bundle id)',
  TopicDisallowed: 'check CLARION_APNS_TOPIC: the key may not push to this bundle id',
  DeviceTokenNotForTopic:
    'the device registered for another app or environment: check CLARION_APNS_TOPIC and CLARION_APNS_HOST',
  TooManyProviderTokenUpdates: 'APNs says the provider token is renewed too often: run one Clarion key per team',
};

/** What APNs answered, as far as classification needs it. */
interface ApnsAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly reason: string | undefined;
  readonly body: string;
}

/**
 * Sends iOS notifications through the APNs provider API: HTTP/2 to one configured origin, token
 * authentication with an ES256 JWT shared by every send and renewed inside Apple's 20-60 minute
 * window by the injectable clock. One connection, reopened when APNs closes it (GOAWAY, idle).
 *
 * `send` always resolves. Outcomes: 200 `sent`; 410 Unregistered / ExpiredToken and 400
 * BadDeviceToken `gone` (the worker deletes the device); 403 ExpiredProviderToken renews the token
 * and tries once more; 429 `retry`; 5xx `retry` no sooner than 15 minutes; configuration errors
 * (InvalidProviderToken, BadTopic, ...) and request errors `failed`. The device token is in the
 * request path only: it never reaches an error, excerpt or log.
 */
export class ApnsChannel implements Channel {
  readonly name = 'ios';
  private readonly token: ApnsProviderToken;
  private readonly timeoutMs: number;
  private session: ClientHttp2Session | undefined;

  constructor(private readonly options: ApnsChannelOptions) {
    this.token = new ApnsProviderToken({ key: options.key, keyId: options.keyId, teamId: options.teamId });
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  send(message: ChannelMessage, options: SendOptions): Promise<AttemptReport> {
    return resolveAlways('APNs', () => this.attempt(message, options));
  }

  close(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    if (session === undefined || session.closed) return Promise.resolve();
    return new Promise((resolve) => session.close(() => resolve()));
  }

  private async attempt(message: ChannelMessage, { signal, now }: SendOptions): Promise<AttemptReport> {
    const deviceToken = message.settings['token'];
    if (typeof deviceToken !== 'string' || !/^[0-9a-f]{64,200}$/.test(deviceToken)) {
      return { outcome: { status: 'failed' }, error: 'the stored iOS device token is not a hex token' };
    }
    const payload = renderApnsPayload(message);
    if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) {
      return { outcome: { status: 'failed' }, error: `the notification does not fit in ${MAX_PAYLOAD_BYTES} bytes` };
    }
    const headers = {
      'apns-topic': this.options.topic,
      'apns-push-type': 'alert',
      // Kept a day when the device is off: older news about an event is better read on the dashboard.
      'apns-expiration': String(Math.floor(now / 1000) + 24 * 3600),
      ...apnsMessageHeaders(message),
    };
    let jwt = this.token.current(now);
    let answer: ApnsAnswer;
    try {
      answer = await this.post(deviceToken, jwt, headers, payload, signal);
      if (answer.status === 403 && answer.reason === 'ExpiredProviderToken') {
        const renewed = this.token.renewAfterExpired(jwt, now);
        if (renewed === undefined) {
          return {
            ...report(answer),
            outcome: { status: 'retry' },
            error: `APNs called a provider token of ${Math.round((this.token.ageAt(now) ?? 0) / 60_000)} minutes expired: check this server's clock`,
          };
        }
        jwt = renewed;
        answer = await this.post(deviceToken, jwt, headers, payload, signal);
      }
    } catch (error) {
      return this.classifyError(error, signal);
    }
    return this.classify(answer, now);
  }

  private classify(answer: ApnsAnswer, now: number): AttemptReport {
    const { status, reason } = answer;
    const base = report(answer);
    const said = `APNs answered ${status}${reason ? ` ${reason}` : ''}`;
    if (status === 200) {
      const id = answer.headers['apns-id'];
      return {
        ...base,
        outcome: typeof id === 'string' ? { status: 'sent', providerMessageId: id } : { status: 'sent' },
      };
    }
    if (status === 410 || (status === 400 && reason === 'BadDeviceToken')) {
      const why =
        reason === 'BadDeviceToken'
          ? 'the token is not valid here (a sandbox token sent to production, or the reverse)'
          : 'the app was removed from the device or its token expired';
      return { ...base, outcome: { status: 'gone' }, error: `${said}: ${why}; the device is removed` };
    }
    const configuration = reason === undefined ? undefined : CONFIGURATION_REASONS[reason];
    if (configuration !== undefined) {
      this.options.alert?.(`${said}: ${configuration}`);
      const outcome = status === 429 ? ({ status: 'retry' } as const) : ({ status: 'failed' } as const);
      return { ...base, outcome, error: `${said}: ${configuration}` };
    }
    if (status === 429) {
      const retryAfterMs = parseRetryAfter(answer.headers['retry-after'], now);
      return {
        ...base,
        outcome: retryAfterMs === undefined ? { status: 'retry' } : { status: 'retry', retryAfterMs },
        error: `${said}: too many notifications to this device for now`,
      };
    }
    if (status >= 500) {
      if (reason === 'Shutdown') this.dropSession();
      return {
        ...base,
        outcome: { status: 'retry', minDelayMs: SERVER_ERROR_DELAY_MS },
        error: `${said}: APNs is unavailable; trying again in 15 minutes or more`,
      };
    }
    if (status === 403 && reason === 'ExpiredProviderToken') {
      // Refused again right after renewal: the clocks disagree; a later attempt may fare better.
      return { ...base, outcome: { status: 'retry' }, error: `${said}: even a new token; check this server's clock` };
    }
    if (status === 400 && reason === 'IdleTimeout') {
      this.dropSession();
      return { ...base, outcome: { status: 'retry' }, error: `${said}: the connection idled out; reconnecting` };
    }
    if (status === 413) {
      return { ...base, outcome: { status: 'failed' }, error: `${said}: the notification is too large` };
    }
    // BadCollapseId, BadExpirationDate, BadPriority, PayloadEmpty, BadPath...: our request is wrong.
    return { ...base, outcome: { status: 'failed' }, error: `${said}: APNs refused the request as sent` };
  }

  private classifyError(error: unknown, signal: AbortSignal): AttemptReport {
    const origin = new URL(this.options.url).origin;
    if (signal.aborted) {
      return {
        outcome: { status: 'retry' },
        error: `the attempt to ${origin} was cut short (its deadline passed or Clarion is shutting down)`,
      };
    }
    // A stream cancelled because its connection failed carries the connection's error as cause.
    const cause = (error as { code?: unknown; cause?: unknown }).cause;
    const code =
      (error as { code?: unknown }).code === 'ERR_HTTP2_STREAM_CANCEL' && cause !== undefined
        ? (cause as { code?: unknown }).code
        : (error as { code?: unknown }).code;
    const name = typeof code === 'string' && /^[A-Z0-9_]+$/.test(code) ? code : (error as Error).name;
    if (name === 'TimeoutError') {
      return { outcome: { status: 'retry' }, error: `no complete answer from ${origin} within ${this.timeoutMs} ms` };
    }
    // Only the code: messages of TLS and socket errors are not ours to vouch for.
    return { outcome: { status: 'retry' }, error: `the request to ${origin} failed (${name})` };
  }

  private post(
    deviceToken: string,
    jwt: string,
    headers: Record<string, string>,
    payload: string,
    signal: AbortSignal,
  ): Promise<ApnsAnswer> {
    const session = this.connect();
    const deadline = AbortSignal.any([signal, AbortSignal.timeout(this.timeoutMs)]);
    return new Promise<ApnsAnswer>((resolve, reject) => {
      const stream = session.request(
        {
          ':method': 'POST',
          ':path': `/3/device/${deviceToken}`,
          authorization: `bearer ${jwt}`,
          'content-type': 'application/json',
          ...headers,
        },
        { signal: deadline },
      );
      let responseHeaders: IncomingHttpHeaders = {};
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('response', (received) => (responseHeaders = received));
      stream.on('data', (chunk: Buffer) => {
        if (size < MAX_ANSWER_BYTES) chunks.push(chunk);
        size += chunk.length;
      });
      stream.on('end', () => {
        const body = Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES).toString('utf8');
        resolve({
          status: Number(responseHeaders[':status'] ?? 0),
          headers: responseHeaders,
          reason: reasonOf(body),
          body,
        });
      });
      stream.on('error', (error: Error) => reject(deadline.aborted && !signal.aborted ? timeoutError() : error));
      stream.end(payload);
    });
  }

  /** The open connection, or a new one: APNs wants connections kept and reused. */
  private connect(): ClientHttp2Session {
    if (this.session !== undefined && !this.session.closed && !this.session.destroyed) return this.session;
    // Node's `ca` replaces the bundled roots: keep them, and add the extra one.
    const ca = this.options.ca === undefined ? undefined : [...tls.rootCertificates, this.options.ca];
    const session = http2.connect(this.options.url, ca === undefined ? {} : { ca });
    // Errors reach the streams; a closed or going-away session is replaced at the next send.
    session.on('error', () => this.forget(session));
    session.on('goaway', () => this.forget(session));
    session.on('close', () => this.forget(session));
    this.session = session;
    return session;
  }

  private forget(session: ClientHttp2Session): void {
    if (this.session === session) this.session = undefined;
  }

  private dropSession(): void {
    const session = this.session;
    this.session = undefined;
    session?.close();
  }
}

function report(answer: ApnsAnswer): Pick<AttemptReport, 'statusCode' | 'responseExcerpt'> {
  return answer.body === ''
    ? { statusCode: answer.status }
    : { statusCode: answer.status, responseExcerpt: excerpt(answer.body) };
}

function reasonOf(body: string): string | undefined {
  try {
    const reason = (JSON.parse(body) as { reason?: unknown }).reason;
    return typeof reason === 'string' && /^[A-Za-z]{1,64}$/.test(reason) ? reason : undefined;
  } catch {
    return undefined;
  }
}

function timeoutError(): Error {
  return Object.assign(new Error('timeout'), { name: 'TimeoutError' });
}
