// The webhook receiver every delivery scenario sends to, in its own process so that answering
// does not share an event loop with the sender being measured. It counts requests, remembers
// each webhook-id (duplicates = requests - distinct ids) and, when asked, the arrival times
// per clarion-event-id. Times are performance.timeOrigin + performance.now(): epoch
// milliseconds with sub-millisecond precision, comparable with the harness's clock.
import http from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { serveIpc } from '../lib/ipc.ts';

type Mode = 'ok' | 'unavailable' | 'down';

interface EventArrivals {
  first: number;
  last: number;
  count: number;
}

const now = () => performance.timeOrigin + performance.now();

let mode: Mode = 'ok';
let requests = 0;
let firstAt = 0;
let lastAt = 0;
let ids = new Set<string>();
let withoutId = 0;
let recording = false;
let events = new Map<string, EventArrivals>();
const sockets = new Set<Socket>();

const server = http.createServer((request, response) => {
  request.resume();
  request.once('end', () => {
    const at = now();
    requests += 1;
    if (firstAt === 0) firstAt = at;
    lastAt = at;
    const id = request.headers['webhook-id'];
    if (typeof id === 'string') ids.add(id);
    else withoutId += 1;
    if (recording) {
      const eventId = String(request.headers['clarion-event-id']);
      const seen = events.get(eventId);
      if (seen) {
        seen.last = at;
        seen.count += 1;
      } else events.set(eventId, { first: at, last: at, count: 1 });
    }
    if (mode === 'unavailable') {
      response.writeHead(503, { 'content-type': 'text/plain' }).end('unavailable');
      return;
    }
    response.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' }).end('ok');
  });
});
server.keepAliveTimeout = 60_000;
server.on('connection', (socket) => {
  sockets.add(socket);
  socket.once('close', () => sockets.delete(socket));
});

function listen(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as { port: number }).port);
    });
  });
}

const port = await listen(0);

serveIpc({
  stats: () => ({
    requests,
    distinct: ids.size,
    duplicates: requests - withoutId - ids.size,
    firstAt,
    lastAt,
    now: now(),
    rss: process.memoryUsage.rss(),
  }),
  reset: () => {
    requests = 0;
    firstAt = 0;
    lastAt = 0;
    ids = new Set();
    withoutId = 0;
    events = new Map();
    return true;
  },
  record: (on: boolean) => {
    recording = on;
    return true;
  },
  /** Arrivals of the given event ids (all recorded ones when none are given). */
  arrivals: (wanted?: string[]) =>
    (wanted ?? [...events.keys()]).map((id) => {
      const seen = events.get(id);
      return [id, seen?.first ?? null, seen?.last ?? null, seen?.count ?? 0] as const;
    }),
  /** ok: 200; unavailable: 503; down: refuses connections (listening stops, open ones are cut). */
  mode: async (next: Mode) => {
    if (next === 'down' && mode !== 'down') {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    } else if (next !== 'down' && mode === 'down') {
      await listen(port);
    }
    mode = next;
    return true;
  },
});
process.send?.({ ready: port });
