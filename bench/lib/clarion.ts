import { Pool } from 'undici';
import { baseEnv, spawnNode, type Child } from './children.ts';
import { freePort } from './postgres.ts';
import type { BenchStore } from './stores.ts';
import { EVENT_TYPE } from './body.ts';
import type { RequestSpec } from './load.ts';

export const PLATFORM_KEY = 'clarion-bench-platform-key-0123456789';
/** Fixed so that API and worker processes over one store decrypt the same hook secrets. */
export const SECRET_KEY = 'clarion-bench-secret-key-0123456789-0123456789';

export type Role = 'all' | 'api' | 'worker';

let profileDir: string | undefined;

/** Every Clarion started from now on writes a V8 CPU profile into `dir` when it stops (--profile). */
export function profileClarionInto(dir: string | undefined): void {
  profileDir = dir;
}

/** One `clarion serve` child process. */
export interface ClarionProcess {
  readonly child: Child;
  readonly role: Role;
  readonly pid: number;
  /** `http://127.0.0.1:<port>`; undefined for a worker-only process, which does not listen. */
  readonly url: string | undefined;
  /** SIGTERM: Clarion drains ingest and settles in-flight sends before it exits. */
  stop(): Promise<void>;
}

/**
 * Starts Clarion the way an operator would (`node --import tsx src/main.ts serve`), on
 * 127.0.0.1 with an environment built from scratch, and waits until it is ready: /readyz for
 * processes that serve the API, the start log line for worker-only ones (they log at info for
 * that line alone; Clarion logs nothing per request or per delivery at info).
 */
export async function startClarion(
  store: BenchStore,
  role: Role,
  env: Readonly<Record<string, string>> = {},
  nodeArgs: readonly string[] = [],
): Promise<ClarionProcess> {
  const port = role === 'worker' ? 0 : await freePort();
  const child = spawnNode(`clarion-${role}`, ['src/main.ts', 'serve'], {
    nodeArgs: [...nodeArgs, ...(profileDir !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])],
    env: {
      ...baseEnv(),
      PORT: String(port),
      HOST: '127.0.0.1',
      CLARION_DATA_DIR: store.dataDir,
      CLARION_PLATFORM_KEY: PLATFORM_KEY,
      CLARION_SECRET_KEY: SECRET_KEY,
      CLARION_ALLOW_PRIVATE_TARGETS: 'true',
      CLARION_ROLE: role,
      CLARION_LOG_LEVEL: role === 'worker' ? 'info' : 'warn',
      ...(store.databaseUrl !== undefined ? { DATABASE_URL: store.databaseUrl } : {}),
      ...env,
    },
  });
  const url = role === 'worker' ? undefined : `http://127.0.0.1:${port}`;
  try {
    if (url === undefined) await child.waitForOutput(/Clarion is running/, 60_000);
    else await waitReady(child, url);
  } catch (error) {
    await child.stop(2000);
    throw error;
  }
  return { child, role, pid: child.pid, url, stop: () => child.stop(30_000) };
}

async function waitReady(child: Child, url: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (!child.running) throw new Error(`clarion exited before it was ready:\n${child.output().slice(-4000)}`);
    try {
      const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) });
      await response.body?.cancel();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`clarion was not ready within 60 s:\n${child.output().slice(-4000)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The platform's side of the API, for setting up organizations and hooks before a measurement. */
export class ClarionApi {
  readonly pool: Pool;

  constructor(readonly url: string) {
    this.pool = new Pool(url, { connections: 32 });
  }

  async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const response = await this.pool.request({
      method,
      path,
      headers: {
        authorization: `Bearer ${PLATFORM_KEY}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? null : JSON.stringify(body),
      headersTimeout: 60_000,
      bodyTimeout: 60_000,
    });
    const text = await response.body.text();
    return { status: response.statusCode, body: text === '' ? undefined : JSON.parse(text) };
  }

  async createOrganization(id: string): Promise<void> {
    const answer = await this.call('POST', '/v1/organizations', { id, name: `Bench ${id}` });
    if (answer.status !== 201)
      throw new Error(`creating organization ${id}: ${answer.status} ${JSON.stringify(answer.body)}`);
  }

  /** Creates `count` webhook hooks for the bench event type, all pointing at `target`. */
  async createHooks(
    organization: string,
    count: number,
    target: string,
    progress?: (done: number) => void,
  ): Promise<void> {
    let next = 0;
    let done = 0;
    const worker = async () => {
      while (next < count) {
        const n = next++;
        const answer = await this.call('POST', `/v1/organizations/${organization}/hooks`, {
          name: `bench hook ${n}`,
          kind: 'webhook',
          url: `${target}/hooks/${n}`,
          events: [EVENT_TYPE],
        });
        if (answer.status !== 201)
          throw new Error(`creating hook ${n}: ${answer.status} ${JSON.stringify(answer.body)}`);
        done += 1;
        if (done % 2000 === 0) progress?.(done);
      }
    };
    await Promise.all(Array.from({ length: Math.min(16, count) }, worker));
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

/** A Clarion with an organization and `hooks` webhook hooks to `target`, ready for events. */
export async function setUpOrganization(
  url: string,
  organization: string,
  hooks: number,
  target: string,
  progress?: (done: number) => void,
): Promise<void> {
  const api = new ClarionApi(url);
  try {
    await api.createOrganization(organization);
    await api.createHooks(organization, hooks, target, progress);
  } finally {
    await api.close();
  }
}

/**
 * Delivery attempts so far by outcome (`sent`, `retry`, ...), all channels, read from the
 * process's Prometheus metrics: a latency tail made of retries shows up here.
 */
export async function attemptOutcomes(url: string): Promise<Record<string, number>> {
  const api = new ClarionApi(url);
  try {
    const response = await api.pool.request({
      method: 'GET',
      path: '/metrics',
      headers: { authorization: `Bearer ${PLATFORM_KEY}` },
    });
    const text = await response.body.text();
    const outcomes: Record<string, number> = {};
    for (const match of text.matchAll(/^clarion_delivery_attempts_total\{[^}]*outcome="(\w+)"[^}]*\} (\d+)/gm)) {
      outcomes[match[1]!] = (outcomes[match[1]!] ?? 0) + Number(match[2]);
    }
    return outcomes;
  } finally {
    await api.close();
  }
}

/** POST /v1/events with the 1 KiB body: what the ingest figures and the Fastify ceiling both send. */
export function ingestRequest(body: Buffer): RequestSpec {
  return {
    method: 'POST',
    path: '/v1/events',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${PLATFORM_KEY}` },
    body,
  };
}
