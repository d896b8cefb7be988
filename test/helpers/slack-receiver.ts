import { startHttpReceiver } from './http-receiver.ts';
import type { HttpReceiver, ReceivedRequest, ReceiverReply } from './http-receiver.ts';

/**
 * A local stand-in for Slack's incoming webhooks (docs/channels.md, Slack section): each webhook
 * is a path `/services/T…/B…/<secret>`; it validates a body as Slack does and answers `200 ok`,
 * or whatever `answerNext` / `rateLimit` tell it to.
 */
export interface SlackReceiver {
  readonly receiver: HttpReceiver;
  /** A new webhook URL on this server (each call gives a different secret). */
  webhookUrl(): string;
  /** Requests to one webhook URL, in arrival order. */
  requestsTo(url: string): ReceivedRequest[];
  /** Bodies Slack would have posted (valid ones only), parsed. */
  readonly posted: { url: string; body: Record<string, unknown> }[];
  /** Answers the next valid request to `url` (or to any URL) with a Slack error token. */
  answerNext(token: string, status: number, url?: string): void;
  /** Answers every request to `url` with 429 and this Retry-After (seconds) until `rateLimit(url, null)`. */
  rateLimit(url: string, retryAfterSeconds: number | null): void;
  /** Answers every request after `delayMs` (to exceed a client's timeout). */
  delayEvery(delayMs: number): void;
  /** Answers requests to one URL after `delayMs` (0 to stop). */
  slowDown(url: string, delayMs: number): void;
  close(): Promise<void>;
}

let counter = 0;

/** Why Slack would refuse this body, as its token, or null when it would post it. */
export function validateSlackBody(raw: string): string | null {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return 'invalid_payload';
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'invalid_payload';
  const { text, blocks, attachments } = body as Record<string, unknown>;
  if (typeof text !== 'string' || text.trim() === '') return 'no_text';
  if (!escapedForSlack(text)) return 'invalid_payload';
  if (blocks !== undefined && !validBlocks(blocks)) return 'invalid_payload';
  if (attachments !== undefined) {
    if (!Array.isArray(attachments)) return 'invalid_payload';
    if (attachments.length > 100) return 'too_many_attachments';
    for (const attachment of attachments as Record<string, unknown>[]) {
      const { color, blocks: inner, fallback } = attachment;
      if (
        color !== undefined &&
        (typeof color !== 'string' || !/^(good|warning|danger|#[0-9a-fA-F]{6})$/.test(color))
      ) {
        return 'invalid_payload';
      }
      if (fallback !== undefined && (typeof fallback !== 'string' || !escapedForSlack(fallback))) {
        return 'invalid_payload';
      }
      if (inner !== undefined && !validBlocks(inner)) return 'invalid_payload';
    }
  }
  return null;
}

/**
 * Every `&`, `<` and `>` is an entity or part of a control sequence (`<@U1>`, `<#C1>`,
 * `<!here>`, `<http…|label>`): Slack reads anything else as a broken sequence.
 */
function escapedForSlack(text: string): boolean {
  const withoutSequences = text.replace(/<(?:[@#!][^<>]+|https?:\/\/[^<>]+)>/g, '');
  if (/[<>]/.test(withoutSequences)) return false;
  return !/&(?!amp;|lt;|gt;)/.test(withoutSequences);
}

const BLOCK_TYPES = new Set(['section', 'context', 'divider', 'header', 'actions', 'image']);

function validText(value: unknown, limit = 3000): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const { type, text } = value as Record<string, unknown>;
  if (type !== 'mrkdwn' && type !== 'plain_text') return false;
  if (typeof text !== 'string' || text.length < 1 || text.length > limit) return false;
  return type === 'plain_text' || escapedForSlack(text);
}

function validBlocks(blocks: unknown): boolean {
  if (!Array.isArray(blocks) || blocks.length > 50) return false;
  for (const block of blocks as Record<string, unknown>[]) {
    if (typeof block !== 'object' || block === null || !BLOCK_TYPES.has(block['type'] as string)) return false;
    if (block['type'] === 'section') {
      const { text, fields } = block;
      if (text === undefined && fields === undefined) return false;
      if (text !== undefined && !validText(text)) return false;
      if (fields !== undefined) {
        if (!Array.isArray(fields) || fields.length > 10) return false;
        if (!fields.every((field) => validText(field, 2000))) return false;
      }
    }
    if (block['type'] === 'context') {
      const { elements } = block;
      if (!Array.isArray(elements) || elements.length === 0 || elements.length > 10) return false;
      if (!elements.every((element) => validText(element))) return false;
    }
  }
  return true;
}

export async function startSlackReceiver(): Promise<SlackReceiver> {
  const scripted: { token: string; status: number; url: string | undefined }[] = [];
  const limited = new Map<string, number>();
  const posted: { url: string; body: Record<string, unknown> }[] = [];
  const slow = new Map<string, number>();
  let delayMs = 0;

  const answer = (request: ReceivedRequest): ReceiverReply => {
    const delay = slow.get(request.url) ?? delayMs;
    const reply = (status: number, body: string, headers: Record<string, string> = {}): ReceiverReply => ({
      status,
      body,
      headers: { 'content-type': 'text/html', ...headers },
      ...(delay > 0 ? { delayMs: delay } : {}),
    });
    if (request.method !== 'POST' || !/^\/services\/T\w+\/B\w+\/\w+$/.test(request.url)) {
      return reply(404, 'no_service');
    }
    const retryAfter = limited.get(request.url);
    if (retryAfter !== undefined) return reply(429, 'rate_limited', { 'retry-after': String(retryAfter) });
    if (!String(request.headers['content-type']).startsWith('application/json')) return reply(400, 'invalid_payload');
    const problem = validateSlackBody(request.body);
    if (problem !== null) return reply(400, problem);
    const index = scripted.findIndex((entry) => entry.url === undefined || entry.url === request.url);
    if (index >= 0) {
      const [entry] = scripted.splice(index, 1);
      return reply(entry!.status, entry!.token);
    }
    posted.push({ url: request.url, body: JSON.parse(request.body) as Record<string, unknown> });
    return reply(200, 'ok');
  };

  const receiver = await startHttpReceiver(answer);
  const pathOf = (url: string) => new URL(url).pathname;
  return {
    receiver,
    posted,
    webhookUrl() {
      counter += 1;
      return `${receiver.url}/services/T0CLARION/B0${counter}/SlackSecret${counter}x${Math.random().toString(36).slice(2, 10)}`;
    },
    requestsTo(url) {
      return receiver.requests.filter((request) => request.url === pathOf(url));
    },
    answerNext(token, status, url) {
      scripted.push({ token, status, url: url === undefined ? undefined : pathOf(url) });
    },
    rateLimit(url, retryAfterSeconds) {
      if (retryAfterSeconds === null) limited.delete(pathOf(url));
      else limited.set(pathOf(url), retryAfterSeconds);
    },
    delayEvery(ms) {
      delayMs = ms;
    },
    slowDown(url, ms) {
      if (ms > 0) slow.set(pathOf(url), ms);
      else slow.delete(pathOf(url));
    },
    close: () => receiver.close(),
  };
}
