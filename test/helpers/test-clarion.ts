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
  close(): Promise<void>;
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
  return {
    clarion,
    location,
    request,
    async json(method, url, body) {
      const response = await request(method, url, body);
      return { status: response.statusCode, body: (response.body === '' ? undefined : response.json()) as never };
    },
    async close() {
      await clarion.close();
      await location.cleanup();
    },
  };
}
