import pino from 'pino';
import type { LightMyRequestResponse } from 'fastify';
import { createClarion, type Clarion, type ClarionDependencies } from '../../src/clarion.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { freshStoreLocation, type StoreKind, type TestStoreLocation } from './stores.ts';

export const TEST_PLATFORM_KEY = 'test-platform-key-0123456789';

export interface TestClarion {
  readonly clarion: Clarion;
  readonly location: TestStoreLocation;
  /** Calls the API in-process with the platform key. */
  request(method: string, url: string, body?: unknown): Promise<LightMyRequestResponse>;
  /** Like request, and parses the JSON answer. */
  json<T = any>(method: string, url: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** Creates organization `id` (named after it unless `name` is given); throws if refused. */
  createOrganization(id: string, name?: string): Promise<void>;
  /** Adds a webhook hook to `org` and answers it as the API does; throws if refused. */
  createWebhook(org: string, hook: WebhookFields): Promise<{ id: string; [field: string]: any }>;
  close(): Promise<void>;
}

/** What a test says of a webhook hook (any other field of the API's hook body may be added). */
export interface WebhookFields {
  readonly name: string;
  readonly url: string;
  readonly events: readonly string[];
  readonly [field: string]: unknown;
}

/**
 * A whole Clarion (API and workers) on a fresh store, with private targets allowed so it can
 * deliver to receivers on 127.0.0.1. Dependencies (fake clock, resolver) can be replaced.
 */
export async function startTestClarion(
  kind: StoreKind,
  options: { config?: Partial<Config>; deps?: ClarionDependencies; start?: boolean } = {},
): Promise<TestClarion> {
  const location = await freshStoreLocation(kind);
  const config = loadConfig(
    {},
    {
      dataDir: location.dataDir,
      databaseUrl: location.databaseUrl,
      platformKey: TEST_PLATFORM_KEY,
      secretKey: 'test-secret-key-0123456789-0123456789',
      allowPrivateTargets: true,
      host: '127.0.0.1',
      port: 0,
      shutdownTimeoutMs: 2000,
      ...options.config,
    },
  );
  const clarion = await createClarion(config, { logger: pino({ level: 'silent' }), ...options.deps });
  if (options.start !== false) await clarion.start();
  const request = (method: string, url: string, body?: unknown) =>
    clarion.app!.inject({
      method: method as 'GET',
      url,
      headers: { authorization: `Bearer ${TEST_PLATFORM_KEY}` },
      ...(body === undefined ? {} : { payload: body as object }),
    });
  const json = async (method: string, url: string, body?: unknown) => {
    const response = await request(method, url, body);
    return { status: response.statusCode, body: (response.body === '' ? undefined : response.json()) as never };
  };
  const created = async (url: string, body: unknown) => {
    const answer = await json('POST', url, body);
    if (answer.status !== 201) throw new Error(`POST ${url} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  return {
    clarion,
    location,
    request,
    json,
    async createOrganization(id, name = id) {
      await created('/v1/organizations', { id, name });
    },
    createWebhook: (org, hook) => created(`/v1/organizations/${org}/hooks`, { kind: 'webhook', ...hook }),
    async close() {
      await clarion.close();
      await location.cleanup();
    },
  };
}
