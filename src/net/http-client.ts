import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { Agent } from 'undici';
import { forbiddenRange, isIpLiteral } from './address-policy.ts';
import { createGuardedLookup, systemResolver, TargetRefusedError } from './guarded-lookup.ts';
import type { Resolver } from './guarded-lookup.ts';

export { TargetRefusedError };

/** How much of a response body is read; the rest is never downloaded. */
const MAX_BODY_BYTES = 64 * 1024;
const DEFAULT_TIMEOUT_MS = 15_000;

export interface HttpRequest {
  /** Defaults to POST: the client exists to deliver webhooks. */
  method?: 'POST' | 'GET' | 'PUT';
  headers?: Record<string, string>;
  body?: string | Buffer;
  signal?: AbortSignal;
  /** Bounds the whole request, from connecting to the last body byte read. Defaults to 15 000. */
  timeoutMs?: number;
}

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  /** At most the first 64 KiB of the body, decoded as UTF-8 (a character cut in half is dropped). */
  body: string;
}

export interface HttpClientOptions {
  /** When false, every connection to a non-public address is refused before it is made. */
  allowPrivateTargets: boolean;
  /** Defaults to the system resolver. */
  resolver?: Resolver;
  /** Defaults to 5000. */
  connectTimeoutMs?: number;
  /** Defaults to 32. */
  connectionsPerOrigin?: number;
}

/** The request did not complete within its `timeoutMs`. */
export class HttpTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no complete response within ${timeoutMs} ms`);
    this.name = 'HttpTimeoutError';
  }
}

/** Reads at most `limit` bytes of `body`, then destroys it so its connection is never left half-read. */
async function readPrefix(body: Readable, limit: number): Promise<string> {
  const decoder = new StringDecoder('utf8');
  let text = '';
  let remaining = limit;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      text += decoder.write(chunk.length > remaining ? chunk.subarray(0, remaining) : chunk);
      remaining -= Math.min(remaining, chunk.length);
      // Leaving the loop destroys the stream, which closes the connection instead of draining it.
      if (remaining === 0) return text;
    }
    return text + decoder.end();
  } finally {
    if (!body.destroyed) body.destroy();
  }
}

/**
 * An HTTP/1.1 client for untrusted URLs: connects only to addresses that pass the address policy
 * (checked on the address actually connected to, so DNS rebinding cannot slip through), never
 * follows redirects and never reads more than 64 KiB of an answer. Connections are pooled per origin.
 */
export class HttpClient {
  readonly #agent: Agent;
  readonly #allowPrivateTargets: boolean;

  constructor(options: HttpClientOptions) {
    this.#allowPrivateTargets = options.allowPrivateTargets;
    const lookup = createGuardedLookup({
      resolver: options.resolver ?? systemResolver,
      allowPrivate: options.allowPrivateTargets,
    });
    this.#agent = new Agent({
      connect: { lookup, timeout: options.connectTimeoutMs ?? 5000 },
      connections: options.connectionsPerOrigin ?? 32,
      keepAliveTimeout: 10_000,
      headersTimeout: DEFAULT_TIMEOUT_MS,
      bodyTimeout: DEFAULT_TIMEOUT_MS,
    });
  }

  /** Rejects on network errors, timeouts, abort and SSRF refusal (TargetRefusedError); resolves for every HTTP status. Redirects are never followed. */
  async request(url: string, request: HttpRequest): Promise<HttpResponse> {
    const target = this.#target(url);
    const timeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    // One signal for both the caller's abort and the deadline; undici rejects with its reason.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new HttpTimeoutError(timeoutMs)), timeoutMs);
    const onAbort = (): void => controller.abort(request.signal?.reason);
    if (request.signal?.aborted === true) onAbort();
    else request.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const response = await this.#agent.request({
        origin: target.origin,
        path: `${target.pathname}${target.search}`,
        method: request.method ?? 'POST',
        headers: request.headers ?? null,
        body: request.body ?? null,
        signal: controller.signal,
        // Backstops only: the deadline above fires first, so callers see one kind of timeout error.
        headersTimeout: timeoutMs + 1000,
        bodyTimeout: timeoutMs + 1000,
      });
      const body = await readPrefix(response.body, MAX_BODY_BYTES);
      return { statusCode: response.statusCode, headers: response.headers, body };
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Waits for requests in flight, then closes every pooled connection. */
  async close(): Promise<void> {
    await this.#agent.close();
  }

  #target(url: string): URL {
    const target = new URL(url);
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      throw new TypeError(`unsupported URL scheme "${target.protocol}"`);
    }
    // Node connects to an IP literal without calling `lookup`, so literals are checked here.
    if (!this.#allowPrivateTargets && isIpLiteral(target.hostname)) {
      const reason = forbiddenRange(target.hostname);
      if (reason !== null) throw new TargetRefusedError(target.hostname, reason);
    }
    return target;
  }
}
