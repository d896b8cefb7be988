import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the receiver saw it, recorded once its body has fully arrived. */
export interface ReceivedRequest {
  readonly method: string;
  /** Path and query, as sent on the request line. */
  readonly url: string;
  /** Node's parsed headers: names in lower case. */
  readonly headers: IncomingHttpHeaders;
  /** The body decoded as UTF-8. */
  readonly body: string;
  /** Epoch ms at which the body was complete. */
  readonly receivedAt: number;
}

/** How to answer one request; every field is optional (a bare `{}` is an empty 200). */
export interface ReceiverReply {
  /** Defaults to 200. */
  readonly status?: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** Waits this long before answering (to exceed a client's timeout). */
  readonly delayMs?: number;
}

export type ReceiverHandler = (request: ReceivedRequest) => ReceiverReply | Promise<ReceiverReply>;

/** A real HTTP server on 127.0.0.1 that records every request and answers as its handler says. */
export interface HttpReceiver {
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  readonly url: string;
  /** Every request so far, in arrival order (the handler sees each one after it is recorded). */
  readonly requests: ReceivedRequest[];
  /** Replaces the handler for the requests that arrive from now on. */
  setHandler(handler: ReceiverHandler): void;
  /** Resolves with `requests` once at least `count` have arrived; rejects after `timeoutMs` (10 s). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  /** Stops listening and drops open connections, keep-alive ones included; safe to call twice. */
  close(): Promise<void>;
}

const DEFAULT_WAIT_MS = 10_000;

/**
 * Starts a receiver on 127.0.0.1 with an ephemeral port. Without a handler it answers 200 with
 * an empty body. A handler that throws is answered with 500 (and the request stays recorded), so
 * a failing assertion inside a handler shows up as a failed delivery rather than a hang.
 */
export async function startHttpReceiver(handler: ReceiverHandler = () => ({})): Promise<HttpReceiver> {
  let current = handler;
  const requests: ReceivedRequest[] = [];
  const waiters = new Set<() => void>();
  // Delayed replies keep a timer each; close() clears them so a test run never waits on them.
  const pendingTimers = new Set<NodeJS.Timeout>();

  const reply = (res: ServerResponse, answer: ReceiverReply): void => {
    if (res.destroyed || res.writableEnded) return; // the client gave up (timeout) or we closed
    res.writeHead(answer.status ?? 200, answer.headers ?? {});
    res.end(answer.body ?? '');
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const received: ReceivedRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
      receivedAt: Date.now(),
    };
    requests.push(received);
    for (const wake of waiters) wake();

    let answer: ReceiverReply;
    try {
      answer = await current(received);
    } catch (error) {
      answer = { status: 500, body: `receiver handler threw: ${String(error)}` };
    }
    const delay = answer.delayMs ?? 0;
    if (delay <= 0) {
      reply(res, answer);
      return;
    }
    const timer = setTimeout(() => {
      pendingTimers.delete(timer);
      reply(res, answer);
    }, delay);
    pendingTimers.add(timer);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      // The connection broke while the body was arriving: nothing to record or answer.
      res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setHandler(next) {
      current = next;
    },
    waitFor(count, timeoutMs = DEFAULT_WAIT_MS) {
      if (requests.length >= count) return Promise.resolve(requests);
      return new Promise((resolve, reject) => {
        const wake = (): void => {
          if (requests.length < count) return;
          clearTimeout(timer);
          waiters.delete(wake);
          resolve(requests);
        };
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`expected ${count} request(s) within ${timeoutMs} ms, got ${requests.length}`));
        }, timeoutMs);
        waiters.add(wake);
      });
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const timer of pendingTimers) clearTimeout(timer);
        pendingTimers.clear();
        // close() alone waits for keep-alive sockets to idle out; dropping them makes it prompt.
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
