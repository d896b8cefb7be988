import { startHttpReceiver } from './http-receiver.ts';
import type { HttpReceiver, ReceiverReply } from './http-receiver.ts';

/**
 * A local stand-in for Flowdock's Messages API (docs/channels.md, Flowdock section):
 * `POST /messages` with a flow token, validated as Flowdock did (event, title with only `a`
 * tags, author.name, external_thread_id, thread fields and status colour), answering `200 {}`,
 * `400` validation errors, or `401` for an unknown token; `answerNext` and `delayEvery` change that.
 */
export interface FlowdockReceiver {
  readonly receiver: HttpReceiver;
  /** `http://127.0.0.1:<port>`: CLARION_FLOWDOCK_API_URL. */
  readonly url: string;
  readonly tokens: Set<string>;
  /** Accepted messages, parsed. */
  readonly posted: Record<string, any>[];
  answerNext(reply: ReceiverReply): void;
  delayEvery(delayMs: number): void;
  close(): Promise<void>;
}

const EVENTS = new Set(['message', 'activity', 'discussion', 'comment', 'status', 'file']);
const COLOURS = new Set(['red', 'green', 'yellow', 'cyan', 'orange', 'grey', 'black', 'lime', 'purple', 'blue']);

/** Only `a` tags, and every `<` part of one. */
function onlyLinks(html: string): boolean {
  return !/<(?!\/?a[\s>])/i.test(html);
}

/** Flowdock's validation errors for this body, by field; empty when it would accept it. */
export function flowdockErrors(body: Record<string, any>): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  const add = (field: string, problem: string) => (errors[field] ??= []).push(problem);
  if (!EVENTS.has(body['event'])) add('event', 'is not included in the list');
  if (body['event'] === 'activity' || body['event'] === 'discussion') {
    if (typeof body['title'] !== 'string' || body['title'] === '') add('title', "can't be blank");
    else if (!onlyLinks(body['title'])) add('title', 'may contain only <a> tags');
    if (typeof body['author']?.name !== 'string' || body['author'].name === '') add('author.name', "can't be blank");
  }
  if (typeof body['external_thread_id'] !== 'string' || body['external_thread_id'] === '') {
    add('external_thread_id', "can't be blank");
  }
  const thread = body['thread'];
  if (thread !== undefined) {
    if (typeof thread !== 'object' || thread === null) add('thread', 'must be an object');
    else {
      if (typeof thread.title !== 'string' || thread.title === '') add('thread.title', "can't be blank");
      if (thread.status !== undefined) {
        if (!COLOURS.has(thread.status?.color)) add('thread.status.color', 'is not included in the list');
        if (typeof thread.status?.value !== 'string' || thread.status.value === '') {
          add('thread.status.value', "can't be blank");
        }
      }
      if (thread.fields !== undefined) {
        const valid =
          Array.isArray(thread.fields) &&
          thread.fields.every(
            (field: any) =>
              typeof field?.label === 'string' && typeof field?.value === 'string' && onlyLinks(field.value),
          );
        if (!valid) add('thread.fields', 'must be a list of {label, value}');
      }
    }
  }
  return errors;
}

export async function startFlowdockReceiver(): Promise<FlowdockReceiver> {
  const tokens = new Set<string>();
  const posted: Record<string, any>[] = [];
  const scripted: ReceiverReply[] = [];
  let delayMs = 0;
  const json = (status: number, body: unknown): ReceiverReply => ({
    status,
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });

  const answer = (method: string, url: string, raw: string, contentType: string): ReceiverReply => {
    if (method !== 'POST' || url !== '/messages') return json(404, { message: 'Not found' });
    if (!contentType.startsWith('application/json')) return json(415, { message: 'Unsupported media type' });
    let body: Record<string, any>;
    try {
      body = JSON.parse(raw) as Record<string, any>;
    } catch {
      return json(400, { message: 'Invalid JSON' });
    }
    if (typeof body['flow_token'] !== 'string' || !tokens.has(body['flow_token'])) {
      return json(401, { message: 'Unauthorized' });
    }
    const errors = flowdockErrors(body);
    if (Object.keys(errors).length > 0) return json(400, { message: 'Validation error', errors });
    const next = scripted.shift();
    if (next) return next;
    posted.push(body);
    return json(200, {});
  };

  const receiver = await startHttpReceiver((request) => {
    const reply = answer(request.method, request.url, request.body, String(request.headers['content-type']));
    return delayMs > 0 ? { ...reply, delayMs } : reply;
  });
  return {
    receiver,
    url: receiver.url,
    tokens,
    posted,
    answerNext(reply) {
      scripted.push(reply);
    },
    delayEvery(ms) {
      delayMs = ms;
    },
    close: () => receiver.close(),
  };
}
