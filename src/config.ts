import path from 'node:path';

/** Token-based APNs access (docs/channels.md, "iOS push"); undefined leaves the `ios` channel off. */
export interface ApnsConfig {
  /** The .p8 signing key as PEM, when given inline (CLARION_APNS_KEY). */
  readonly key: string | undefined;
  /** Where the .p8 key is (CLARION_APNS_KEY_FILE), when not given inline. */
  readonly keyFile: string | undefined;
  /** The key's 10-character Key ID. */
  readonly keyId: string;
  /** The 10-character Team ID (the JWT's `iss`). */
  readonly teamId: string;
  /** The app's bundle id (`apns-topic`). */
  readonly topic: string;
  /** `https://api.push.apple.com` (production), the sandbox, or another https URL (a gateway, tests). */
  readonly url: string;
}

/** Which parts a process runs: the HTTP API, the delivery workers, or both (the default). */
export type ProcessRole = 'all' | 'api' | 'worker';

export interface Config {
  readonly port: number;
  readonly host: string;
  /** Where the SQLite file and generated keys live. */
  readonly dataDir: string;
  /** `postgres://...` to run on PostgreSQL; undefined runs on the embedded SQLite file. */
  readonly databaseUrl: string | undefined;
  /** The platform's API key; when undefined one is generated on first start. */
  readonly platformKey: string | undefined;
  /** Encrypts stored secrets; generated into the data directory on SQLite when undefined. */
  readonly secretKey: string | undefined;
  /** `smtp://user:pass@host:port` (or smtps://); undefined means e-mail is not configured. */
  readonly smtpUrl: string | undefined;
  readonly mailFrom: string;
  /** The dashboard's address, used in links inside messages. */
  readonly publicUrl: string;
  /** Lets hooks target loopback and private networks: for local use and tests only. */
  readonly allowPrivateTargets: boolean;
  readonly role: ProcessRole;
  readonly logLevel: string;
  /** Days events and attempts are kept. */
  readonly retentionDays: number;
  /** Deliveries a worker process sends at once. */
  readonly workerConcurrency: number;
  /** Sends a worker process has in flight to one target (a hook, or a channel and address) at most. */
  readonly targetConcurrency: number;
  /** Time one send may take before it counts as a timeout (`retry`). */
  readonly sendTimeoutMs: number;
  /** Deliveries an event may have written before its 202; a larger fan-out is written after it. */
  readonly inlineDeliveryLimit: number;
  /** How long SIGTERM waits for in-flight sends before the process exits. */
  readonly shutdownTimeoutMs: number;
  /** How far V8 lets the heap grow past its live size before collecting (percent; 0: V8 decides). */
  readonly heapGrowthPercent: number;
  /** A JSON file of event types and groups applied to the store at start (docs/catalog.md). */
  readonly catalogFile: string | undefined;
  /** Base URL of the Flowdock Messages API (Flowdock itself is gone; a compatible receiver may answer). */
  readonly flowdockApiUrl: string;
  /** APNs credentials; undefined when not configured (the `ios` channel is then not registered). */
  readonly apns: ApnsConfig | undefined;
  /** A configured VAPID key pair; undefined generates one on first start and keeps it in the store. */
  readonly vapid: { readonly publicKey: string; readonly privateKey: string } | undefined;
  /** The VAPID `sub` claim: a mailto: or https: contact for push services. */
  readonly vapidSubject: string;
  /** Extra CA certificates (PEM file) trusted for APNs and Web Push connections: a private gateway, tests. */
  readonly pushCaFile: string | undefined;
  /** How often event streams send a heartbeat (SSE comment, WebSocket ping); a connection that answered none of the last two is closed. */
  readonly streamHeartbeatMs: number;
  /** How often event streams look at the store without a wake-up (covers a lost notification). */
  readonly streamPollMs: number;
  /** Bytes a stream may have waiting for a slow client before it is disconnected (it can resume). */
  readonly streamMaxBufferBytes: number;
}

const APNS_HOSTS: Readonly<Record<string, string>> = {
  production: 'https://api.push.apple.com',
  sandbox: 'https://api.sandbox.push.apple.com',
};

/** Every default in one place; each CLARION_* variable maps to one field. */
const DEFAULTS = {
  port: 8080,
  host: '0.0.0.0',
  dataDir: './data',
  mailFrom: 'Clarion <notifications@localhost>',
  allowPrivateTargets: false,
  role: 'all',
  logLevel: 'info',
  retentionDays: 30,
  workerConcurrency: 256, // in-flight sends per worker process
  targetConcurrency: 64, // one slow target never holds more than a quarter of the slots
  sendTimeoutMs: 15_000, // Standard Webhooks advises 15-30 s
  inlineDeliveryLimit: 1_000, // a 1,000-delivery event commits in tens of ms on PostgreSQL
  shutdownTimeoutMs: 10_000,
  // V8 alone let a busy ingest process's heap reach four times its live size (RSS 250-350 MB
  // for a 50 MB live set); 30% keeps it near 220 MB at the same throughput (docs/performance.md).
  heapGrowthPercent: 30,
  flowdockApiUrl: 'https://api.flowdock.com',
  streamHeartbeatMs: 15_000, // under the 30-60 s idle timeouts of common proxies
  streamPollMs: 1_000,
  streamMaxBufferBytes: 1024 * 1024,
} as const satisfies Partial<Config>;

const KNOWN_CLARION_KEYS = new Set([
  'CLARION_DATA_DIR',
  'CLARION_PLATFORM_KEY',
  'CLARION_SECRET_KEY',
  'CLARION_SMTP_URL',
  'CLARION_MAIL_FROM',
  'CLARION_FLOWDOCK_API_URL',
  'CLARION_PUBLIC_URL',
  'CLARION_ALLOW_PRIVATE_TARGETS',
  'CLARION_ROLE',
  'CLARION_LOG_LEVEL',
  'CLARION_RETENTION_DAYS',
  'CLARION_WORKER_CONCURRENCY',
  'CLARION_TARGET_CONCURRENCY',
  'CLARION_SEND_TIMEOUT_MS',
  'CLARION_INLINE_DELIVERY_LIMIT',
  'CLARION_SHUTDOWN_TIMEOUT_MS',
  'CLARION_HEAP_GROWTH_PERCENT',
  'CLARION_CATALOG_FILE',
  'CLARION_APNS_KEY',
  'CLARION_APNS_KEY_FILE',
  'CLARION_APNS_KEY_ID',
  'CLARION_APNS_TEAM_ID',
  'CLARION_APNS_TOPIC',
  'CLARION_APNS_HOST',
  'CLARION_VAPID_PUBLIC_KEY',
  'CLARION_VAPID_PRIVATE_KEY',
  'CLARION_VAPID_SUBJECT',
  'CLARION_PUSH_CA_FILE',
  'CLARION_STREAM_HEARTBEAT_MS',
  'CLARION_STREAM_POLL_MS',
  'CLARION_STREAM_MAX_BUFFER_BYTES',
]);

/** A configuration problem, reported at start with what to change. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Turns the environment into a validated, frozen Config. Pure apart from reading `env`
 * (process.env by default): nothing happens at import time.
 */
export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const unknown = Object.keys(env).filter((key) => key.startsWith('CLARION_') && !KNOWN_CLARION_KEYS.has(key));
  if (unknown.length > 0) {
    throw new ConfigError(`Unknown setting ${unknown.join(', ')}; known ones: ${[...KNOWN_CLARION_KEYS].join(', ')}`);
  }
  const port = integer(env, 'PORT', DEFAULTS.port, 0, 65535);
  const databaseUrl = blankToUndefined(env['DATABASE_URL']);
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with postgres:// (leave it unset to use the embedded SQLite file)');
  }
  const secretKey = blankToUndefined(env['CLARION_SECRET_KEY']);
  if (databaseUrl !== undefined && secretKey === undefined && overrides.secretKey === undefined) {
    throw new ConfigError(
      'CLARION_SECRET_KEY must be set when DATABASE_URL is: every process must encrypt with the same key',
    );
  }
  if (secretKey !== undefined && secretKey.length < 32) {
    throw new ConfigError('CLARION_SECRET_KEY must be at least 32 characters long');
  }
  const role = env['CLARION_ROLE'] ?? DEFAULTS.role;
  if (role !== 'all' && role !== 'api' && role !== 'worker') {
    throw new ConfigError(`CLARION_ROLE must be all, api or worker, not "${role}"`);
  }
  const publicUrl = (env['CLARION_PUBLIC_URL'] ?? `http://localhost:${port}`).replace(/\/+$/, '');
  const mailFrom = env['CLARION_MAIL_FROM'] ?? DEFAULTS.mailFrom;
  const config: Config = {
    port,
    host: env['HOST'] ?? DEFAULTS.host,
    dataDir: path.resolve(env['CLARION_DATA_DIR'] ?? DEFAULTS.dataDir),
    databaseUrl,
    platformKey: blankToUndefined(env['CLARION_PLATFORM_KEY']),
    secretKey,
    smtpUrl: blankToUndefined(env['CLARION_SMTP_URL']),
    mailFrom,
    publicUrl,
    allowPrivateTargets: boolean(env, 'CLARION_ALLOW_PRIVATE_TARGETS', DEFAULTS.allowPrivateTargets),
    role,
    logLevel: env['CLARION_LOG_LEVEL'] ?? DEFAULTS.logLevel,
    retentionDays: integer(env, 'CLARION_RETENTION_DAYS', DEFAULTS.retentionDays, 1, 3650),
    workerConcurrency: integer(env, 'CLARION_WORKER_CONCURRENCY', DEFAULTS.workerConcurrency, 1, 10_000),
    targetConcurrency: integer(env, 'CLARION_TARGET_CONCURRENCY', DEFAULTS.targetConcurrency, 1, 10_000),
    sendTimeoutMs: integer(env, 'CLARION_SEND_TIMEOUT_MS', DEFAULTS.sendTimeoutMs, 100, 120_000),
    inlineDeliveryLimit: integer(env, 'CLARION_INLINE_DELIVERY_LIMIT', DEFAULTS.inlineDeliveryLimit, 1, 1_000_000),
    shutdownTimeoutMs: integer(env, 'CLARION_SHUTDOWN_TIMEOUT_MS', DEFAULTS.shutdownTimeoutMs, 0, 600_000),
    heapGrowthPercent: integer(env, 'CLARION_HEAP_GROWTH_PERCENT', DEFAULTS.heapGrowthPercent, 0, 1_000),
    catalogFile: optionalPath(env, 'CLARION_CATALOG_FILE'),
    flowdockApiUrl: httpUrl(env, 'CLARION_FLOWDOCK_API_URL', DEFAULTS.flowdockApiUrl),
    apns: apnsConfig(env),
    vapid: vapidConfig(env),
    vapidSubject: vapidSubject(env, publicUrl, mailFrom),
    pushCaFile: optionalPath(env, 'CLARION_PUSH_CA_FILE'),
    streamHeartbeatMs: integer(env, 'CLARION_STREAM_HEARTBEAT_MS', DEFAULTS.streamHeartbeatMs, 1000, 600_000),
    streamPollMs: integer(env, 'CLARION_STREAM_POLL_MS', DEFAULTS.streamPollMs, 100, 60_000),
    streamMaxBufferBytes: integer(
      env,
      'CLARION_STREAM_MAX_BUFFER_BYTES',
      DEFAULTS.streamMaxBufferBytes,
      16 * 1024,
      256 * 1024 * 1024,
    ),
    ...overrides,
  };
  return Object.freeze(config);
}

/** All of the APNs settings, or none: a half-configured channel would fail every delivery. */
function apnsConfig(env: Env): ApnsConfig | undefined {
  const key = blankToUndefined(env['CLARION_APNS_KEY']);
  const keyFile = optionalPath(env, 'CLARION_APNS_KEY_FILE');
  const keyId = blankToUndefined(env['CLARION_APNS_KEY_ID']);
  const teamId = blankToUndefined(env['CLARION_APNS_TEAM_ID']);
  const topic = blankToUndefined(env['CLARION_APNS_TOPIC']);
  const host = blankToUndefined(env['CLARION_APNS_HOST']);
  const given = [key ?? keyFile, keyId, teamId, topic, host].filter((value) => value !== undefined);
  if (given.length === 0) return undefined;
  if (
    (key === undefined && keyFile === undefined) ||
    keyId === undefined ||
    teamId === undefined ||
    topic === undefined
  ) {
    throw new ConfigError(
      'APNs needs CLARION_APNS_KEY_FILE (or CLARION_APNS_KEY), CLARION_APNS_KEY_ID, CLARION_APNS_TEAM_ID and CLARION_APNS_TOPIC together; set them all or none',
    );
  }
  if (key !== undefined && keyFile !== undefined) {
    throw new ConfigError('Set CLARION_APNS_KEY_FILE or CLARION_APNS_KEY, not both');
  }
  if (key !== undefined && !key.includes('-----BEGIN PRIVATE KEY-----')) {
    throw new ConfigError('CLARION_APNS_KEY must be the PEM text of the .p8 key (-----BEGIN PRIVATE KEY-----...)');
  }
  const url = APNS_HOSTS[host ?? 'production'] ?? host!;
  if (!/^https:\/\/[^/]+\/?$/.test(url)) {
    throw new ConfigError(`CLARION_APNS_HOST must be production, sandbox or an https:// origin, not "${host}"`);
  }
  return { key, keyFile, keyId, teamId, topic, url: url.replace(/\/$/, '') };
}

function vapidConfig(env: Env): Config['vapid'] {
  const publicKey = blankToUndefined(env['CLARION_VAPID_PUBLIC_KEY']);
  const privateKey = blankToUndefined(env['CLARION_VAPID_PRIVATE_KEY']);
  if (publicKey === undefined && privateKey === undefined) return undefined;
  if (publicKey === undefined || privateKey === undefined) {
    throw new ConfigError(
      'Set CLARION_VAPID_PUBLIC_KEY and CLARION_VAPID_PRIVATE_KEY together (or neither, to generate a pair)',
    );
  }
  if (Buffer.from(publicKey, 'base64url').length !== 65 || Buffer.from(privateKey, 'base64url').length !== 32) {
    throw new ConfigError(
      'The VAPID keys must be base64url: a 65-byte public key and a 32-byte private key (npx web-push generate-vapid-keys)',
    );
  }
  return { publicKey, privateKey };
}

/** The configured contact, else the public URL when it is https, else the mail sender's address. */
function vapidSubject(env: Env, publicUrl: string, mailFrom: string): string {
  const configured = blankToUndefined(env['CLARION_VAPID_SUBJECT']);
  if (configured !== undefined) {
    if (!/^(mailto:|https:\/\/)/.test(configured)) {
      throw new ConfigError(`CLARION_VAPID_SUBJECT must be a mailto: address or an https:// URL, not "${configured}"`);
    }
    return configured;
  }
  if (publicUrl.startsWith('https://')) return publicUrl;
  const address = /<([^>]+)>/.exec(mailFrom)?.[1] ?? mailFrom.trim();
  return `mailto:${address}`;
}

function blankToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** An http(s) base URL, without its trailing slash. */
function httpUrl(env: Env, key: string, fallback: string): string {
  const raw = blankToUndefined(env[key]) ?? fallback;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${key} must be a URL, not "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${key} must start with https:// (or http://), not "${url.protocol}"`);
  }
  return raw.replace(/\/+$/, '');
}

function optionalPath(env: Env, key: string): string | undefined {
  const raw = blankToUndefined(env[key]);
  return raw === undefined ? undefined : path.resolve(raw);
}

function integer(env: Env, key: string, fallback: number, min: number, max: number): number {
  const raw = blankToUndefined(env[key]);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${key} must be a whole number from ${min} to ${max}, not "${raw}"`);
  }
  return value;
}

function boolean(env: Env, key: string, fallback: boolean): boolean {
  const raw = blankToUndefined(env[key]);
  if (raw === undefined) return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(`${key} must be true or false, not "${raw}"`);
}
