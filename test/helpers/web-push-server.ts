import { createECDH, createPublicKey, randomBytes, verify, type ECDH } from 'node:crypto';
import https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
// @ts-expect-error http_ece ships no types; decrypt(buffer, {version, privateKey, authSecret}) -> Buffer
import ece from 'http_ece';
import { TEST_TLS } from './push-tls.ts';

/** A subscription as a browser's PushSubscription.toJSON() gives it, for this push service. */
export interface TestSubscription {
  readonly endpoint: string;
  readonly expirationTime: null;
  readonly keys: { readonly p256dh: string; readonly auth: string };
}

/** One message the push service accepted for checking: VAPID verified, payload decrypted. */
export interface WebPushRequest {
  /** The endpoint's last path segment. */
  readonly subscription: string;
  readonly headers: IncomingHttpHeaders;
  /** The VAPID JWT's claims. */
  readonly vapid: { aud?: string; exp?: number; sub?: string } | undefined;
  /** The decrypted payload, parsed as JSON (undefined when it could not be decrypted). */
  readonly payload: Record<string, unknown> | undefined;
  status?: number;
}

export interface WebPushReply {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly delayMs?: number;
}

export interface WebPushServer {
  /** `https://127.0.0.1:<port>`: the VAPID `aud` it expects. */
  readonly origin: string;
  readonly requests: WebPushRequest[];
  /** A new subscription made with `applicationServerKey` (what a page does with the VAPID public key). */
  subscribe(applicationServerKey: string): TestSubscription;
  setHandler(handler: (request: WebPushRequest) => WebPushReply): void;
  close(): Promise<void>;
}

/**
 * A local push service (RFC 8030) over HTTPS on 127.0.0.1. Like a real one it refuses a message
 * without TTL (400), without VAPID (401), or signed with another key than the subscription was
 * made with or for another audience (403), and decrypts the aes128gcm body with the
 * subscription's private key before the handler answers (default 201 Created).
 */
export async function startWebPushServer(): Promise<WebPushServer> {
  const subscriptions = new Map<string, { ecdh: ECDH; auth: Buffer; serverKey: string }>();
  const requests: WebPushRequest[] = [];
  let handler: (request: WebPushRequest) => WebPushReply = () => ({ status: 201 });
  const timers = new Set<NodeJS.Timeout>();
  let origin = '';

  const server = https.createServer({ key: TEST_TLS.key, cert: TEST_TLS.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const id = (req.url ?? '').replace(/^\/push\//, '');
      const subscription = subscriptions.get(id);
      const body = Buffer.concat(chunks);
      const auth = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(String(req.headers.authorization ?? ''));
      const claims = auth ? verifyVapid(auth[1]!, auth[2]!) : undefined;
      const request: WebPushRequest = {
        subscription: id,
        headers: req.headers,
        vapid: claims,
        payload: subscription === undefined ? undefined : decrypt(body, subscription),
      };
      requests.push(request);
      let reply: WebPushReply;
      if (req.method !== 'POST' || subscription === undefined) reply = { status: 404, body: 'no such subscription' };
      else if (!/^\d+$/.test(String(req.headers['ttl']))) reply = { status: 400, body: 'TTL header missing' };
      else if (req.headers['content-encoding'] !== 'aes128gcm') reply = { status: 400, body: 'not aes128gcm' };
      else if (
        !['very-low', 'low', 'normal', 'high', undefined].includes(req.headers['urgency'] as string | undefined)
      ) {
        reply = { status: 400, body: 'bad Urgency' };
      } else if (auth === undefined || auth === null) reply = { status: 401, body: 'VAPID required' };
      else if (claims === undefined || auth[2] !== subscription.serverKey)
        reply = { status: 403, body: 'VAPID key mismatch' };
      else if (claims.aud !== origin) reply = { status: 403, body: `VAPID aud must be ${origin}` };
      else if (!validExpiry(claims.exp) || !/^(mailto:|https:)/.test(claims.sub ?? '')) {
        reply = { status: 403, body: 'VAPID exp or sub invalid' };
      } else if (request.payload === undefined) reply = { status: 400, body: 'could not decrypt the payload' };
      else reply = handler(request);
      request.status = reply.status;
      const answer = () => {
        if (res.destroyed) return;
        res.writeHead(reply.status, {
          ...(reply.status === 201 ? { location: `${origin}/message/${randomBytes(8).toString('hex')}` } : {}),
          ...reply.headers,
        });
        res.end(reply.body ?? '');
      };
      if (reply.delayMs === undefined) answer();
      else {
        const timer = setTimeout(() => {
          timers.delete(timer);
          answer();
        }, reply.delayMs);
        timers.add(timer);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    origin,
    requests,
    subscribe(applicationServerKey) {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16);
      const id = randomBytes(24).toString('base64url');
      subscriptions.set(id, { ecdh, auth, serverKey: applicationServerKey });
      return {
        endpoint: `${origin}/push/${id}`,
        expirationTime: null,
        keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') },
      };
    },
    setHandler(next) {
      handler = next;
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** The JWT's claims when it is ES256-signed by the raw P-256 public key `k`; undefined otherwise. */
function verifyVapid(jwt: string, k: string): WebPushRequest['vapid'] {
  try {
    const [header, claims, signature] = jwt.split('.') as [string, string, string];
    const decodedHeader = JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: string };
    if (decodedHeader.alg !== 'ES256') return undefined;
    const raw = Buffer.from(k, 'base64url');
    const key = createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: raw.subarray(1, 33).toString('base64url'),
        y: raw.subarray(33, 65).toString('base64url'),
      },
      format: 'jwk',
    });
    const ok = verify(
      'sha256',
      Buffer.from(`${header}.${claims}`),
      { key, dsaEncoding: 'ieee-p1363' },
      Buffer.from(signature, 'base64url'),
    );
    return ok ? (JSON.parse(Buffer.from(claims, 'base64url').toString()) as WebPushRequest['vapid']) : undefined;
  } catch {
    return undefined;
  }
}

/** RFC 8292: `exp` in the future and no more than 24 hours ahead (on the real clock: web-push signs with Date.now). */
function validExpiry(exp: number | undefined): boolean {
  const nowSeconds = Date.now() / 1000;
  return exp !== undefined && exp > nowSeconds && exp <= nowSeconds + 24 * 3600;
}

function decrypt(body: Buffer, subscription: { ecdh: ECDH; auth: Buffer }): Record<string, unknown> | undefined {
  try {
    const plaintext = (ece as { decrypt: (b: Buffer, p: object) => Buffer }).decrypt(body, {
      version: 'aes128gcm',
      privateKey: subscription.ecdh,
      authSecret: subscription.auth.toString('base64url'),
    });
    return JSON.parse(plaintext.toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
