import pino, { type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import { Credentials } from './access/credentials.ts';
import { PreferenceService } from './preferences/preference-service.ts';
import { Catalog } from './catalog/catalog.ts';
import { CatalogEditor } from './catalog/catalog-editor.ts';
import { applyCatalogFile } from './catalog/catalog-file.ts';
import { CatalogSync } from './catalog/catalog-sync.ts';
import { EmailChannel } from './channels/email/email-channel.ts';
import type { Channel } from './channels/channel.ts';
import { ChannelRegistry } from './channels/registry.ts';
import { WebhookChannel } from './channels/webhook/webhook-channel.ts';
import { systemClock, type Clock } from './clock.ts';
import type { Config } from './config.ts';
import { DeliveryWorker } from './delivery/delivery-worker.ts';
import { HookService } from './hooks/hook-service.ts';
import { HookSettingsCodec } from './hooks/hook-settings.ts';
import { EventIngest } from './ingest/event-ingest.ts';
import { Metrics } from './metrics.ts';
import { RetentionSweeper } from './retention/retention-sweeper.ts';
import { systemResolver, type Resolver } from './net/guarded-lookup.ts';
import { HttpClient } from './net/http-client.ts';
import { resolvePlatformKey } from './security/platform-key.ts';
import { loadOrCreateSecretKeyFile, SecretBox } from './security/secret-box.ts';
import { Store } from './store/store.ts';
import { StreamHub } from './stream/stream-hub.ts';
import { StreamTokens } from './stream/stream-token.ts';

/** What tests and embedders may replace; production uses the defaults. */
export interface ClarionDependencies {
  readonly clock?: Clock;
  readonly resolver?: Resolver;
  readonly logger?: Logger;
  readonly random?: () => number;
  readonly pollIntervalMs?: number;
  /** Extra or replacement channels (by name). */
  readonly channels?: readonly Channel[];
}

/** One running Clarion: the API and/or the workers over one store. */
export interface Clarion {
  readonly config: Config;
  readonly store: Store;
  readonly app: FastifyInstance | undefined;
  readonly worker: DeliveryWorker | undefined;
  readonly ingest: EventIngest;
  /** Keeps the event catalog in step with changes made by other processes. */
  readonly catalogSync: CatalogSync;
  readonly logger: Logger;
  /** A platform key generated on this start (first start without CLARION_PLATFORM_KEY). */
  readonly generatedPlatformKey: string | undefined;
  /** Starts the workers and, for the API role, listens; resolves with the address. */
  start(): Promise<string | undefined>;
  /** Stops taking requests, drains ingest, lets in-flight sends finish (until the deadline), closes. */
  close(): Promise<void>;
}

/** Wires a Clarion instance from its config: the one place that knows every part. */
export async function createClarion(config: Config, deps: ClarionDependencies = {}): Promise<Clarion> {
  const logger = deps.logger ?? pino({ level: config.logLevel });
  const clock = deps.clock ?? systemClock;
  const resolver = deps.resolver ?? systemResolver;
  const store = Store.open(config);
  await store.migrate();

  const secretKey = config.secretKey ?? loadOrCreateSecretKeyFile(config.dataDir);
  const hookSettings = new HookSettingsCodec(new SecretBox(secretKey));
  const platformKey = await resolvePlatformKey(store.settings, config.platformKey);
  const catalog = new Catalog();
  const catalogSync = new CatalogSync({ repository: store.catalog, catalog, clock, logger });
  try {
    // The file's entries are in the store before anything reads the catalog.
    if (config.catalogFile !== undefined) {
      await applyCatalogFile(config.catalogFile, new CatalogEditor({ repository: store.catalog, catalog, clock }));
    }
    await catalogSync.load();
  } catch (error) {
    await store.close();
    throw error;
  }
  const metrics = new Metrics(() => store.queue.depth(clock.now()));
  const http = new HttpClient({ allowPrivateTargets: config.allowPrivateTargets, resolver });

  const builtIn: Channel[] = [new WebhookChannel({ http, timeoutMs: config.sendTimeoutMs })];
  if (config.smtpUrl !== undefined) {
    builtIn.push(
      new EmailChannel({
        smtpUrl: config.smtpUrl,
        from: config.mailFrom,
        publicUrl: config.publicUrl,
        timeoutMs: config.sendTimeoutMs,
      }),
    );
  }
  const replaced = new Set((deps.channels ?? []).map((channel) => channel.name));
  const channels = new ChannelRegistry([
    ...builtIn.filter((channel) => !replaced.has(channel.name)),
    ...(deps.channels ?? []),
  ]);

  const runsWorkers = config.role !== 'api';
  const runsApi = config.role !== 'worker';
  const worker = runsWorkers
    ? new DeliveryWorker({
        store,
        catalog,
        channels,
        hookSettings,
        clock,
        logger,
        metrics,
        concurrency: config.workerConcurrency,
        sendTimeoutMs: config.sendTimeoutMs,
        ...(deps.pollIntervalMs !== undefined ? { pollIntervalMs: deps.pollIntervalMs } : {}),
        ...(deps.random !== undefined ? { random: deps.random } : {}),
      })
    : undefined;
  const sweeper = runsWorkers
    ? new RetentionSweeper({ store, clock, logger, retentionDays: config.retentionDays })
    : undefined;
  // The local worker starts at once; workers of other processes hear it from the store.
  const wakeWorkers = () => {
    worker?.wake();
    store.wakeups.notify();
  };
  const streams = new StreamHub({
    clock,
    logger,
    heartbeatMs: config.streamHeartbeatMs,
    pollMs: config.streamPollMs,
    maxBufferBytes: config.streamMaxBufferBytes,
  });
  // Local streams look at once; other processes' streams hear it from the store (NOTIFY), and
  // all of them poll in case a notification is lost.
  const wakeStreams = (feeds: string[]) => {
    streams.wake(feeds);
    const payload = feeds.join(' ');
    store.eventWakeups.notify(payload.length < 7000 ? payload : '*');
  };
  const ingest = new EventIngest({
    store,
    catalog,
    clock,
    onDeliveriesQueued: wakeWorkers,
    onEventsCommitted: wakeStreams,
  });
  let stopListening: (() => Promise<void>) | undefined;
  const hooks = new HookService({
    store,
    catalog,
    clock,
    codec: hookSettings,
    resolver,
    allowPrivateTargets: config.allowPrivateTargets,
  });

  const credentials = new Credentials(store.credentials, clock, config.publicUrl);

  let ready = false;
  const app = runsApi
    ? await buildApp({
        logger,
        platformKeyHash: platformKey.hash,
        credentials,
        preferences: new PreferenceService({ store, catalog, clock }),
        secureCookies: config.publicUrl.startsWith('https:'),
        store,
        catalog,
        clock,
        ingest,
        hooks,
        hookSettings,
        channels,
        metrics,
        onDeliveriesQueued: wakeWorkers,
        streams,
        streamTokens: new StreamTokens(secretKey, clock),
        isReady: () => ready,
      })
    : undefined;

  return {
    config,
    store,
    app,
    worker,
    ingest,
    catalogSync,
    logger,
    generatedPlatformKey: platformKey.generated,
    async start() {
      await worker?.start();
      sweeper?.start();
      catalogSync.start();
      if (app !== undefined) {
        streams.start();
        stopListening = await store.eventWakeups.listen((payload) => streams.wake(payload.split(' ')));
      }
      ready = true;
      return app?.listen({ port: config.port, host: config.host });
    },
    async close() {
      ready = false;
      streams.stop();
      await stopListening?.();
      await app?.close();
      await ingest.drain();
      await worker?.stop(config.shutdownTimeoutMs);
      await sweeper?.stop();
      await catalogSync.stop();
      await channels.close();
      await http.close();
      await store.close();
    },
  };
}
