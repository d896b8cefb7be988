import { startHttpReceiver } from './http-receiver.ts';
import type { HttpReceiver, ReceivedRequest, ReceiverReply } from './http-receiver.ts';

/**
 * A local stand-in for a self-hosted Hipchat Server (docs/channels.md, Hipchat section), API v1
 * (`rooms/message`, `rooms/show`) and v2 (room notification, `auth_test=true`). It checks tokens,
 * rooms and every field as Hipchat does, and answers like it; `answerNext`, `rateLimit` and
 * `delayEvery` make it answer otherwise.
 */
export interface HipchatReceiver {
  readonly receiver: HttpReceiver;
  /** `http://127.0.0.1:<port>`: a hook's server_url. */
  readonly url: string;
  /** Tokens the server accepts; add or remove to taste. */
  readonly tokens: Set<string>;
  /** Rooms by id and by name. */
  readonly rooms: Map<string, { id: number; name: string }>;
  /** Accepted messages, by API version, with their fields. */
  readonly posted: { version: 1 | 2; room: string; fields: Record<string, unknown> }[];
  /** Answers the next valid message (not token checks) this way. */
  answerNext(reply: ReceiverReply): void;
  /** v2 answers 429 with X-Ratelimit-Reset this many seconds ahead until `rateLimit(null)`. */
  rateLimit(resetInSeconds: number | null): void;
  delayEvery(delayMs: number): void;
  close(): Promise<void>;
}

const COLOURS = new Set(['yellow', 'green', 'red', 'purple', 'gray', 'random']);

function json(status: number, body: unknown, headers: Record<string, string> = {}): ReceiverReply {
  return { status, body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } };
}

function error(code: number, type: string, message: string): ReceiverReply {
  return json(code, { error: { code, type, message } });
}

/** Why Hipchat v1 refuses these `rooms/message` fields, or null. */
export function v1FieldProblem(fields: URLSearchParams): string | null {
  const from = fields.get('from');
  if (from === null || from === '') return 'Required field: from';
  if (from.length >= 15) return 'From name may be no more than 15 characters';
  if (!/^[A-Za-z0-9_\- ]+$/.test(from)) return 'From name contains invalid characters';
  const message = fields.get('message');
  if (message === null || message === '') return 'Required field: message';
  if (message.length > 10_000) return 'Message may be no more than 10000 characters';
  const format = fields.get('message_format');
  if (format !== null && format !== 'html' && format !== 'text') return 'Invalid message_format';
  const notify = fields.get('notify');
  if (notify !== null && notify !== '0' && notify !== '1') return 'notify must be 0 or 1';
  const color = fields.get('color');
  if (color !== null && !COLOURS.has(color)) return 'Invalid color';
  return null;
}

/** Why Hipchat v2 refuses this notification body, or null. */
export function v2BodyProblem(body: unknown): string | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'Request body must be a JSON object';
  const { message, message_format: format, color, notify, from } = body as Record<string, unknown>;
  if (typeof message !== 'string' || message.length < 1 || message.length > 10_000) {
    return 'message: must be between 1 and 10000 characters';
  }
  if (format !== undefined && format !== 'html' && format !== 'text') return 'message_format: invalid value';
  if (color !== undefined && (typeof color !== 'string' || !COLOURS.has(color))) return 'color: invalid value';
  if (notify !== undefined && typeof notify !== 'boolean') return 'notify: must be a boolean';
  if (from !== undefined && (typeof from !== 'string' || from.length > 64)) return 'from: invalid value';
  return null;
}

export async function startHipchatReceiver(): Promise<HipchatReceiver> {
  const tokens = new Set<string>();
  const rooms = new Map<string, { id: number; name: string }>();
  const posted: HipchatReceiver['posted'] = [];
  const scripted: ReceiverReply[] = [];
  let resetIn: number | null = null;
  let delayMs = 0;

  const room = (idOrName: string | null) => (idOrName === null ? undefined : rooms.get(idOrName));

  const v1 = (request: ReceivedRequest, url: URL): ReceiverReply => {
    const form = new URLSearchParams(request.method === 'POST' ? request.body : '');
    const token = url.searchParams.get('auth_token') ?? form.get('auth_token');
    if (token === null || !tokens.has(token)) return error(401, 'Unauthorized', 'Auth token not found');
    if (url.pathname === '/v1/rooms/show' && request.method === 'GET') {
      const found = room(url.searchParams.get('room_id'));
      if (!found) return error(404, 'Not Found', 'Room not found');
      return json(200, { room: { room_id: found.id, name: found.name } });
    }
    if (url.pathname !== '/v1/rooms/message' || request.method !== 'POST')
      return error(404, 'Not Found', 'Unknown method');
    if (!String(request.headers['content-type']).startsWith('application/x-www-form-urlencoded')) {
      return error(400, 'Bad Request', 'Send the fields form-encoded');
    }
    const roomId = form.get('room_id');
    if (roomId === null) return error(400, 'Bad Request', 'Required field: room_id');
    const problem = v1FieldProblem(form);
    if (problem !== null) return error(400, 'Bad Request', problem);
    if (!room(roomId)) return error(404, 'Not Found', 'Room not found');
    const next = scripted.shift();
    if (next) return next;
    posted.push({ version: 1, room: roomId, fields: Object.fromEntries(form) });
    return json(200, { status: 'sent' });
  };

  const v2 = (request: ReceivedRequest, url: URL): ReceiverReply => {
    const match = /^\/v2\/room\/([^/]+)\/notification$/.exec(url.pathname);
    if (!match || request.method !== 'POST') return error(404, 'Not Found', 'Unknown resource');
    const auth = request.headers['authorization'];
    const token =
      typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : url.searchParams.get('auth_token');
    if (token === null || !tokens.has(token)) return error(401, 'Unauthorized', 'Invalid OAuth session');
    if (url.searchParams.get('auth_test') === 'true') {
      return json(202, {
        success: { code: 202, type: 'Accepted', message: 'This auth_token has access to use this method.' },
      });
    }
    const limits = { 'x-ratelimit-limit': '500' };
    if (resetIn !== null) {
      const reset = String(Math.ceil(Date.now() / 1000) + resetIn);
      return {
        ...error(429, 'Too Many Requests', 'Rate limit exceeded'),
        headers: {
          'content-type': 'application/json',
          ...limits,
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': reset,
        },
      };
    }
    const found = room(decodeURIComponent(match[1]!));
    if (!found) return error(404, 'Not Found', 'Room not found');
    if (!String(request.headers['content-type']).startsWith('application/json')) {
      return error(400, 'Bad Request', 'Send JSON');
    }
    let body: unknown;
    try {
      body = JSON.parse(request.body);
    } catch {
      return error(400, 'Bad Request', 'Invalid JSON');
    }
    const problem = v2BodyProblem(body);
    if (problem !== null) return error(400, 'Bad Request', problem);
    const next = scripted.shift();
    if (next) return next;
    posted.push({ version: 2, room: decodeURIComponent(match[1]!), fields: body as Record<string, unknown> });
    return { status: 204, headers: { ...limits, 'x-ratelimit-remaining': '499' } };
  };

  const receiver = await startHttpReceiver((request) => {
    const url = new URL(request.url, 'http://hipchat.local');
    const reply = url.pathname.startsWith('/v1/') ? v1(request, url) : v2(request, url);
    return delayMs > 0 ? { ...reply, delayMs } : reply;
  });
  return {
    receiver,
    url: receiver.url,
    tokens,
    rooms,
    posted,
    answerNext(reply) {
      scripted.push(reply);
    },
    rateLimit(seconds) {
      resetIn = seconds;
    },
    delayEvery(ms) {
      delayMs = ms;
    },
    close: () => receiver.close(),
  };
}
