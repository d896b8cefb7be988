import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { TestClarion } from './test-clarion.ts';
import { WebSocket } from 'ws';

/** One message as a stream client parsed it. */
export interface StreamedMessage {
  /** SSE `event:` (or the JSON's `kind` on WebSocket). */
  readonly event: string;
  /** SSE `id:`; undefined when the message had none. */
  readonly id: string | undefined;
  readonly data: any;
}

/** A stream connection read by a test: messages as they arrive, comments, and how it ended. */
export interface StreamConnection {
  readonly status: number;
  readonly messages: StreamedMessage[];
  /** SSE comment lines (heartbeats) or WebSocket pings received. */
  readonly heartbeats: number;
  readonly closed: boolean;
  /** Resolves once `count` messages of kind `event` (or `predicate`) have arrived; rejects after `timeoutMs`. */
  waitFor(predicate: (messages: StreamedMessage[]) => boolean, timeoutMs?: number, what?: string): Promise<void>;
  waitForEvents(count: number, timeoutMs?: number): Promise<StreamedMessage[]>;
  /** Resolves once the server closed the connection. */
  waitClosed(timeoutMs?: number): Promise<void>;
  /** The `event` messages received so far. */
  events(): StreamedMessage[];
  close(): void;
}

abstract class BaseConnection implements StreamConnection {
  status = 0;
  readonly messages: StreamedMessage[] = [];
  heartbeats = 0;
  closed = false;
  private readonly listeners = new Set<() => void>();

  changed(): void {
    for (const listener of [...this.listeners]) listener();
  }

  waitFor(predicate: (messages: StreamedMessage[]) => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (predicate(this.messages)) {
          done();
          resolve();
        } else if (this.closed && what !== 'close') {
          done();
          reject(new Error(`stream closed before ${what}; got ${this.messages.length} messages`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${what}; got ${this.messages.length} messages`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }

  async waitForEvents(count: number, timeoutMs?: number): Promise<StreamedMessage[]> {
    await this.waitFor(() => this.events().length >= count, timeoutMs, `${count} events`);
    return this.events();
  }

  waitClosed(timeoutMs = 10_000): Promise<void> {
    return this.waitFor(() => this.closed, timeoutMs, 'close');
  }

  events(): StreamedMessage[] {
    return this.messages.filter((message) => message.event === 'event');
  }

  abstract close(): void;
}

class SseConnection extends BaseConnection {
  request: http.ClientRequest | undefined;
  response: http.IncomingMessage | undefined;
  body = '';
  private buffer = '';

  feed(chunk: string): void {
    this.buffer += chunk;
    // Messages end with a blank line; a line is field ":" value.
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end === -1) break;
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let event = 'message';
      let id: string | undefined;
      const data: string[] = [];
      let fields = 0;
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) {
          if (line.startsWith(': heartbeat')) this.heartbeats++;
          continue;
        }
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'id') id = value;
        else if (field === 'data') data.push(value);
        else continue;
        fields++;
      }
      if (fields > 0 && data.length > 0) this.messages.push({ event, id, data: JSON.parse(data.join('\n')) });
    }
    this.changed();
  }

  close(): void {
    this.request?.destroy();
  }
}

/**
 * Opens a Server-Sent Events stream over real HTTP and parses it as EventSource does. Resolves
 * once the response headers arrived (for a 200, the stream is subscribed by then).
 */
export function openSse(
  url: string,
  options: { headers?: Record<string, string>; paused?: boolean } = {},
): Promise<SseConnection> {
  const connection = new SseConnection();
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers: { accept: 'text/event-stream', ...options.headers } }, (response) => {
      connection.response = response;
      connection.status = response.statusCode ?? 0;
      response.setEncoding('utf8');
      if (options.paused) response.pause();
      const ended = () => {
        connection.closed = true;
        connection.changed();
      };
      response.on('end', ended);
      response.on('close', ended);
      response.on('error', ended);
      if (connection.status !== 200) {
        response.on('data', (chunk: string) => (connection.body += chunk));
        response.on('end', () => resolve(connection));
        return;
      }
      response.on('data', (chunk: string) => connection.feed(chunk));
      // The first bytes (retry and a comment) mean the server subscribed us.
      resolve(connection);
    });
    connection.request = request;
    request.on('error', (error) => {
      connection.closed = true;
      connection.changed();
      if (connection.status === 0) reject(error);
    });
  });
}

class WsConnection extends BaseConnection {
  socket: WebSocket | undefined;
  closeCode: number | undefined;
  closeReason = '';

  close(): void {
    this.socket?.terminate();
  }
}

/** Opens a WebSocket stream; resolves once open (or with the HTTP status of a refusal). */
export function openWs(
  url: string,
  options: { headers?: Record<string, string>; autoPong?: boolean } = {},
): Promise<WsConnection> {
  const connection = new WsConnection();
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { headers: options.headers ?? {}, autoPong: options.autoPong ?? true });
    connection.socket = socket;
    socket.on('open', () => {
      connection.status = 101;
      resolve(connection);
    });
    socket.on('unexpected-response', (request, response) => {
      connection.status = response.statusCode ?? 0;
      connection.closed = true;
      // Handling this event means aborting the request ourselves (ws documents it); a socket
      // left open would hold the server's close.
      request.destroy();
      resolve(connection);
    });
    socket.on('ping', () => {
      connection.heartbeats++;
      connection.changed();
    });
    socket.on('message', (raw) => {
      const data = JSON.parse((raw as Buffer).toString('utf8')) as { kind: string; seq?: number };
      connection.messages.push({ event: data.kind, id: data.seq === undefined ? undefined : String(data.seq), data });
      connection.changed();
    });
    socket.on('close', (code, reason) => {
      connection.closeCode = code;
      connection.closeReason = String(reason);
      connection.closed = true;
      connection.changed();
    });
    socket.on('error', () => {
      connection.closed = true;
      connection.changed();
      resolve(connection);
    });
  });
}

/**
 * Sends a WebSocket upgrade over a plain TCP socket and reads the refusal: the status line, and
 * whether the server then closed the connection itself (a refused upgrade must not leave the
 * socket open). The client never closes first; it gives up after `timeoutMs`.
 */
export function refusedUpgrade(
  url: string,
  headers: Record<string, string> = {},
  timeoutMs = 5_000,
): Promise<{ status: number; serverClosed: boolean }> {
  const target = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(target.port), target.hostname);
    let received = '';
    const finish = (serverClosed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0), serverClosed });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('end', () => finish(true));
    socket.on('error', () => finish(true));
    const lines = [
      `GET ${target.pathname}${target.search} HTTP/1.1`,
      `Host: ${target.host}`,
      'Connection: Upgrade',
      'Upgrade: websocket',
      'Sec-WebSocket-Version: 13',
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    ];
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  });
}

/** The listening address of a test Clarion. */
export function baseUrl(t: TestClarion, scheme: 'http' | 'ws' = 'http'): string {
  const { port } = t.clarion.app!.server.address() as AddressInfo;
  return `${scheme}://127.0.0.1:${port}`;
}

/** Ingests the ids in order, 20 at a time (concurrent submissions share commits); returns their seqs. */
export async function ingest(t: TestClarion, ids: string[], extra: Record<string, unknown> = {}): Promise<number[]> {
  const seqs: number[] = [];
  for (let i = 0; i < ids.length; i += 20) {
    const answers = await Promise.all(
      ids
        .slice(i, i + 20)
        .map((id) =>
          t.json('POST', '/v1/events', { id, type: 'job.fail', organization: 'acme', data: { n: id }, ...extra }),
        ),
    );
    for (const response of answers) {
      assert.equal(response.status, 202, JSON.stringify(response.body));
      seqs.push(response.body.seq);
    }
  }
  return seqs;
}
