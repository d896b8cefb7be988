// What the three chat channels (Slack, Hipchat, Flowdock) share: a per-target pacer, one way to make a request and turn a network failure into words, HTML
// escaping and the parts of a message they all show.
import { createHash } from 'node:crypto';
import type { AttemptReport, ChannelMessage } from './channel.ts';
import { errorCode, findInCauses } from '../net/error-causes.ts';
import { TargetRefusedError } from '../net/http-client.ts';
import type { HttpClient, HttpRequest, HttpResponse } from '../net/http-client.ts';

/** A target's secret, reduced to a key for maps and logs: the secret itself is never kept there. */
export function pacingKey(...parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('base64url').slice(0, 22);
}

/**
 * Paces targets in this process only (N worker processes may each send at the target's pace).
 * Keys are `pacingKey` hashes, never URLs or tokens.
 *
 * A send that comes early is given its own future slot (`ticket` is the delivery id), and the
 * next early one the slot after: deferred deliveries come back one per interval instead of all
 * at once, each finding the target busy again. A target can also be closed until a time (a 429);
 * sends then wait for that time, holding no slot.
 */
export class Pacer {
  /** The first time no slot is taken or promised, by key. */
  private readonly nextFree = new Map<string, number>();
  private readonly closedUntil = new Map<string, number>();
  /** Slots promised to deferred sends, by key and ticket. */
  private readonly promised = new Map<string, number>();

  /**
   * Lets the send go (and holds the target for `intervalMs`), or names the time it may go.
   * Synchronous, so concurrent sends to one target cannot take the same slot.
   */
  take(key: string, ticket: string, now: number, intervalMs: number): { ok: true } | { ok: false; until: number } {
    this.sweep(now);
    const closed = this.closedUntil.get(key) ?? 0;
    const promiseKey = `${key} ${ticket}`;
    const promise = this.promised.get(promiseKey);
    if (promise !== undefined && now >= promise && now >= closed) {
      this.promised.delete(promiseKey);
      return { ok: true };
    }
    if (promise !== undefined && now < promise && promise >= closed) return { ok: false, until: promise };
    const free = this.nextFree.get(key) ?? 0;
    if (promise === undefined && free <= now && closed <= now) {
      this.nextFree.set(key, now + intervalMs);
      return { ok: true };
    }
    // A new slot: after the last one promised, and after the target reopens.
    const slot = Math.max(free, closed, now);
    this.nextFree.set(key, slot + intervalMs);
    this.promised.set(promiseKey, slot);
    return { ok: false, until: slot };
  }

  /** When the target is closed at `now`, the time it reopens. */
  closedAt(key: string, now: number): number | undefined {
    const closed = this.closedUntil.get(key);
    return closed !== undefined && closed > now ? closed : undefined;
  }

  /** Closes the target until `until` (a 429's Retry-After): later sends defer instead of trying. */
  close(key: string, until: number): void {
    if ((this.closedUntil.get(key) ?? 0) < until) this.closedUntil.set(key, until);
  }

  /**
   * Drops what lies in the past. Bounded work: only once the maps have grown, in one pass. A
   * promise whose delivery went to another process is dropped a minute after its slot.
   */
  private sweep(now: number): void {
    if (this.nextFree.size + this.closedUntil.size + this.promised.size < 1024) return;
    for (const [key, free] of this.nextFree) if (free <= now) this.nextFree.delete(key);
    for (const [key, until] of this.closedUntil) if (until <= now) this.closedUntil.delete(key);
    for (const [key, slot] of this.promised) if (slot + 60_000 <= now) this.promised.delete(key);
  }
}

/** HTML escaping for the chat services that take HTML (Hipchat messages, Flowdock titles and fields). */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** What a chat message is about: the application, or the organization for account events. */
export function subjectOf(message: ChannelMessage): string {
  return message.application?.name ?? message.organization.name;
}

/** Top-level scalar fields of the event's data, for a few lines of detail (at most `limit`). */
export function scalarDetails(message: ChannelMessage, limit = 4): { label: string; value: string }[] {
  const details: { label: string; value: string }[] = [];
  for (const [label, value] of Object.entries(message.event.data)) {
    if (details.length >= limit) break;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      const text = String(value);
      if (text !== '') details.push({ label, value: text.length > 200 ? `${text.slice(0, 200)}…` : text });
    }
  }
  return details;
}

/** The response, or the attempt report a request that got no answer comes to. */
export type ServiceAnswer = { readonly response: HttpResponse } | { readonly report: AttemptReport };

/**
 * Makes one request to a chat service. A request that gets no answer becomes a report whose
 * error names the service (`what`, e.g. "Slack at https://hooks.slack.com") and never the URL's
 * path or query: undici's own messages can quote them, so only error codes are read.
 */
export async function callService(
  http: HttpClient,
  url: URL,
  request: HttpRequest & { readonly timeoutMs: number; readonly signal: AbortSignal },
  what: string,
): Promise<ServiceAnswer> {
  try {
    return { response: await http.request(url, request) };
  } catch (error) {
    return { report: describeFailure(error, what, request.signal, request.timeoutMs) };
  }
}

function describeFailure(error: unknown, what: string, signal: AbortSignal, timeoutMs: number): AttemptReport {
  const refused = findInCauses(error, (e): e is TargetRefusedError => e instanceof TargetRefusedError);
  if (refused) {
    return { outcome: { status: 'failed' }, error: `Clarion does not deliver to ${what}: ${refused.reason}` };
  }
  if (signal.aborted) {
    return {
      outcome: { status: 'retry' },
      error: `the attempt to ${what} was cut short (its deadline passed or Clarion is shutting down)`,
    };
  }
  const code = errorCode(error);
  switch (code) {
    case 'ECONNREFUSED':
      return retry(`connection refused by ${what} (nothing listening there?)`);
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
    case 'ERR_STREAM_PREMATURE_CLOSE':
      return retry(`the connection to ${what} was closed before an answer arrived`);
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return retry(`could not connect to ${what} in time`);
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'HttpTimeoutError':
    case 'TimeoutError':
      return retry(`no complete answer from ${what} within ${timeoutMs} ms`);
    case 'ENOTFOUND':
      return retry(`the host name of ${what} does not resolve`);
    case 'EAI_AGAIN':
      return retry(`looking up the host name of ${what} failed for now`);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return retry(`${what} is unreachable from Clarion`);
    case 'UND_ERR_INVALID_ARG':
    case 'ERR_INVALID_URL':
    case 'ERR_INVALID_CHAR':
    case 'ERR_INVALID_HTTP_TOKEN':
      // The request cannot be built (a token with a line break, say): it never will be.
      return { outcome: { status: 'failed' }, error: `the request to ${what} could not be built (${code})` };
    default:
      return retry(`the request to ${what} failed (${code ?? 'unknown error'})`);
  }
}

function retry(error: string): AttemptReport {
  return { outcome: { status: 'retry' }, error };
}

/** One header's value as a string (Node gives arrays for repeated headers). */
export function header(response: HttpResponse, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
