import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import tls from 'node:tls';
import { Agent } from 'undici';
import { forbiddenRange, isIpLiteral } from './address-policy.ts';
import { createGuardedLookup, systemResolver, TargetRefusedError } from './guarded-lookup.ts';
import type { Resolver } from './guarded-lookup.ts';
import { RequestDeadlines } from './request-deadline.ts';

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
  /** Keep-alive connections open at most to one origin (scheme, host, port); defaults to 64. */
  connectionsPerOrigin?: number;
  /** Extra CA certificates (PEM) trusted besides the system's: a private push gateway, tests. */
  extraCa?: string;
}

/** The request did not complete within its `timeoutMs`. */
export class HttpTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no complete response within ${timeoutMs} ms`);
    this.name = 'HttpTimeoutError';
  }
}

/**
 * Reads at most `limit` bytes of `body`, then destroys it so its connection is never left
 * half-read. Stream events rather than `for await`: the async iterator's machinery cost more
 * than the typical two-byte answer it read. (No named closures here: tsx's keepNames wraps each
 * in a `__name` call, which cost 1.5% of the worker's CPU when this ran once per request.)
 */
function readPrefix(body: Readable, limit: number): Promise<string> {
  // Failed or cut short before we got to it: its events have been emitted already.
  if (body.errored) return Promise.reject(body.errored);
  if (body.destroyed) return Promise.reject(prematureClose());
  return new Promise((resolve, reject) => {
    const decoder = new StringDecoder('utf8');
    let text = '';
    let remaining = limit;
    let settled = false;
    body.on('data', (chunk: Buffer) => {
      if (settled) return;
      text += decoder.write(chunk.length > remaining ? chunk.subarray(0, remaining) : chunk);
      remaining -= Math.min(remaining, chunk.length);
      if (remaining === 0) {
        settled = true;
        resolve(text);
        // Destroying closes the connection instead of draining the rest of the answer.
        body.destroy();
      }
    });
    body.on('end', () => {
      settled = true;
      resolve(text + decoder.end());
    });
    body.on('error', (error) => {
      settled = true;
      reject(error);
    });
    // A stream that closes without ending or failing was cut short (`for await` reports it so).
    body.on('close', () => {
      if (!settled) reject(prematureClose());
    });
  });
}

/** What `for await` over a stream reports when it closes without ending or failing. */
function prematureClose(): Error {
  return Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
}

/**
 * An HTTP/1.1 client for untrusted URLs: connects only to addresses that pass the address policy
 * (checked on the address actually connected to, so DNS rebinding cannot slip through), never
 * follows redirects and never reads more than 64 KiB of an answer. Connections are pooled per origin.
 */
export class HttpClient {
  readonly #agent: Agent;
  readonly #allowPrivateTargets: boolean;
  readonly #deadlines = new RequestDeadlines((timeoutMs) => new HttpTimeoutError(timeoutMs));

  constructor(options: HttpClientOptions) {
    this.#allowPrivateTargets = options.allowPrivateTargets;
    const lookup = createGuardedLookup({
      resolver: options.resolver ?? systemResolver,
      allowPrivate: options.allowPrivateTargets,
    });
    this.#agent = new Agent({
      connect: {
        lookup,
        timeout: options.connectTimeoutMs ?? 5000,
        // Node's `ca` replaces the bundled roots: keep them, and add the extra ones.
        ...(options.extraCa === undefined ? {} : { ca: [...tls.rootCertificates, options.extraCa] }),
      },
      connections: options.connectionsPerOrigin ?? 64,
      keepAliveTimeout: 10_000,
      headersTimeout: DEFAULT_TIMEOUT_MS,
      bodyTimeout: DEFAULT_TIMEOUT_MS,
    });
  }

  /** Rejects on network errors, timeouts, abort and SSRF refusal (TargetRefusedError); resolves for every HTTP status. Redirects are never followed. */
  async request(url: string | URL, request: HttpRequest): Promise<HttpResponse> {
    const target = this.#target(url);
    const timeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    // One signal for both the caller's abort and the deadline; undici rejects with its reason.
    const deadline = this.#deadlines.acquire(request.signal, timeoutMs);
    try {
      const response = await this.#agent.request({
        origin: target.origin,
        path: `${target.pathname}${target.search}`,
        method: request.method ?? 'POST',
        headers: request.headers ?? null,
        body: request.body ?? null,
        signal: deadline.signal,
        // Backstops only: the deadline above fires first, so callers see one kind of timeout error.
        headersTimeout: timeoutMs + 1000,
        bodyTimeout: timeoutMs + 1000,
      });
      const body = await readPrefix(response.body, MAX_BODY_BYTES);
      return { statusCode: response.statusCode, headers: response.headers, body };
    } finally {
      deadline.release();
    }
  }

  /** Waits for requests in flight, then closes every pooled connection. */
  async close(): Promise<void> {
    await this.#agent.close();
  }

  #target(url: string | URL): URL {
    const target = typeof url === 'string' ? new URL(url) : url;
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
