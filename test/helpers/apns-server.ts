import { generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import http2, { type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { TEST_TLS } from './push-tls.ts';

/** One notification request as the local APNs saw it, after its own checks. */
export interface ApnsRequest {
  readonly deviceToken: string;
  readonly headers: IncomingHttpHeaders;
  readonly jwt: string;
  /** The JWT's `iat`, in epoch seconds. */
  readonly issuedAt: number;
  readonly body: string;
  readonly payload: { aps?: { alert?: { title?: string; subtitle?: string; body?: string } } } & Record<
    string,
    unknown
  >;
  /** What the server answered. */
  status?: number;
  reason?: string;
}

/** What to answer a request that passed every check; `reason` goes into the JSON body. */
export interface ApnsReply {
  readonly status: number;
  readonly reason?: string;
  readonly headers?: Record<string, string>;
  readonly delayMs?: number;
}

export interface ApnsServer {
  /** `https://127.0.0.1:<port>`. */
  readonly url: string;
  /** Every request that reached the server, answered or not. */
  readonly requests: ApnsRequest[];
  /** A .p8-style signing key (PKCS#8 PEM) and its ids: what Clarion is configured with. */
  readonly key: string;
  readonly keyId: string;
  readonly teamId: string;
  readonly topic: string;
  setHandler(handler: (request: ApnsRequest) => ApnsReply): void;
  close(): Promise<void>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PUSH_TYPES = new Set(['alert', 'background', 'voip', 'location', 'complication', 'fileprovider', 'mdm']);

/**
 * A local APNs provider API: HTTP/2 over TLS on 127.0.0.1 that checks what Apple checks and
 * answers the way Apple does. It verifies the ES256 provider token with the public key of the
 * signing key it hands out (kid, iss, and an `iat` under an hour old on `now`, the test's clock),
 * the path, every apns-* header and the payload size, then lets the handler answer.
 */
export async function startApnsServer(options: { now: () => number; topic?: string }): Promise<ApnsServer> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const keyId = 'ABC123DEFG';
  const teamId = 'DEF123GHIJ';
  const topic = options.topic ?? 'com.example.clarion';
  const requests: ApnsRequest[] = [];
  let handler: (request: ApnsRequest) => ApnsReply = () => ({ status: 200 });
  const timers = new Set<NodeJS.Timeout>();

  const server = http2.createSecureServer({ key: TEST_TLS.key, cert: TEST_TLS.cert });
  server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = String(headers[':path']);
      const jwt = String(headers['authorization'] ?? '').replace(/^bearer /, '');
      const request: ApnsRequest = {
        deviceToken: path.replace(/^\/3\/device\//, ''),
        headers,
        jwt,
        issuedAt: claimsOf(jwt)?.iat ?? 0,
        body,
        payload: parse(body),
      };
      requests.push(request);
      const refusal = check(request, path, { publicKey, keyId, teamId, topic, now: options.now() });
      const reply = refusal ?? handler(request);
      request.status = reply.status;
      if (reply.reason !== undefined) request.reason = reply.reason;
      const answer = () => {
        if (stream.destroyed) return;
        stream.respond({ ':status': reply.status, 'apns-id': String(headers['apns-id']), ...reply.headers });
        stream.end(
          reply.status === 200
            ? ''
            : JSON.stringify({ reason: reply.reason, ...(reply.status === 410 ? { timestamp: options.now() } : {}) }),
        );
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
    stream.on('error', () => {});
  });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    requests,
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    keyId,
    teamId,
    topic,
    setHandler(next) {
      handler = next;
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      for (const session of sessions) session.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function check(
  request: ApnsRequest,
  path: string,
  expected: { publicKey: KeyObject; keyId: string; teamId: string; topic: string; now: number },
): ApnsReply | undefined {
  const { headers } = request;
  if (headers[':method'] !== 'POST') return { status: 405, reason: 'MethodNotAllowed' };
  if (!/^\/3\/device\/[0-9a-f]+$/.test(path)) return { status: 404, reason: 'BadPath' };
  const token = verifyJwt(request.jwt, expected.publicKey);
  if (token === undefined)
    return { status: 403, reason: request.jwt === '' ? 'MissingProviderToken' : 'InvalidProviderToken' };
  if (token.header.kid !== expected.keyId || token.claims.iss !== expected.teamId) {
    return { status: 403, reason: 'InvalidProviderToken' };
  }
  const ageSeconds = expected.now / 1000 - token.claims.iat;
  if (ageSeconds > 3600) return { status: 403, reason: 'ExpiredProviderToken' };
  if (ageSeconds < -60) return { status: 403, reason: 'InvalidProviderToken' };
  if (headers['apns-topic'] === undefined) return { status: 400, reason: 'MissingTopic' };
  if (headers['apns-topic'] !== expected.topic) return { status: 400, reason: 'BadTopic' };
  if (!PUSH_TYPES.has(String(headers['apns-push-type']))) return { status: 400, reason: 'InvalidPushType' };
  if (!['1', '5', '10'].includes(String(headers['apns-priority']))) return { status: 400, reason: 'BadPriority' };
  if (!/^\d+$/.test(String(headers['apns-expiration']))) return { status: 400, reason: 'BadExpirationDate' };
  const collapseId = headers['apns-collapse-id'];
  if (collapseId !== undefined && Buffer.byteLength(String(collapseId)) > 64)
    return { status: 400, reason: 'BadCollapseId' };
  if (headers['apns-id'] !== undefined && !UUID.test(String(headers['apns-id'])))
    return { status: 400, reason: 'BadMessageId' };
  if (request.body === '') return { status: 400, reason: 'PayloadEmpty' };
  if (Buffer.byteLength(request.body) > 4096) return { status: 413, reason: 'PayloadTooLarge' };
  if (typeof request.payload.aps !== 'object') return { status: 400, reason: 'PayloadEmpty' };
  return undefined;
}

function verifyJwt(jwt: string, publicKey: KeyObject) {
  try {
    return verifyJwtParts(jwt, publicKey);
  } catch {
    return undefined;
  }
}

function verifyJwtParts(jwt: string, publicKey: KeyObject) {
  const [header, claims, signature] = jwt.split('.');
  if (header === undefined || claims === undefined || signature === undefined) return undefined;
  const decodedHeader = JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: string; kid?: string };
  if (decodedHeader.alg !== 'ES256') return undefined;
  const ok = verify(
    'sha256',
    Buffer.from(`${header}.${claims}`),
    { key: publicKey, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  const decodedClaims = claimsOf(jwt);
  return ok && decodedClaims ? { header: decodedHeader, claims: decodedClaims } : undefined;
}

function claimsOf(jwt: string): { iss?: string; iat: number } | undefined {
  try {
    return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()) as { iss?: string; iat: number };
  } catch {
    return undefined;
  }
}

function parse(body: string): ApnsRequest['payload'] {
  try {
    return JSON.parse(body) as ApnsRequest['payload'];
  } catch {
    return {};
  }
}
