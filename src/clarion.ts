import fs from 'node:fs';
import pino, { type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import { Credentials } from './access/credentials.ts';
import { PreferenceService } from './preferences/preference-service.ts';
import { UnsubscribeTokens } from './preferences/unsubscribe-token.ts';
import { Catalog } from './catalog/catalog.ts';
import { CatalogEditor } from './catalog/catalog-editor.ts';
import { applyCatalogFile } from './catalog/catalog-file.ts';
import { CatalogSync } from './catalog/catalog-sync.ts';
import { ApnsChannel } from './channels/apns/apns-channel.ts';
import { EmailChannel } from './channels/email/email-channel.ts';
import type { Channel } from './channels/channel.ts';
import { ChannelRegistry } from './channels/registry.ts';
import { FlowdockChannel } from './channels/flowdock/flowdock-channel.ts';
import { HipchatChannel } from './channels/hipchat/hipchat-channel.ts';
import { HipchatTokenCheck } from './channels/hipchat/hipchat-token-check.ts';
import { SlackChannel } from './channels/slack/slack-channel.ts';
import { WebhookChannel } from './channels/webhook/webhook-channel.ts';
import { WebPushChannel } from './channels/web-push/web-push-channel.ts';
import { systemClock, type Clock } from './clock.ts';
import type { Config } from './config.ts';
import { DeliveryWorker } from './delivery/delivery-worker.ts';
import { targetDisabledEvent } from './delivery/target-disabled-notice.ts';
import { HookService } from './hooks/hook-service.ts';
import { HookSettingsCodec } from './hooks/hook-settings.ts';
import { EventIngest } from './ingest/event-ingest.ts';
import { FANOUT_WAKEUP, FanoutExpander } from './ingest/fanout-expander.ts';
import { Metrics } from './metrics.ts';
import { RetentionSweeper } from './retention/retention-sweeper.ts';
import { systemResolver, type Resolver } from './net/guarded-lookup.ts';
import { HttpClient } from './net/http-client.ts';
import { resolvePlatformKey } from './security/platform-key.ts';
import { loadOrCreateSecretKeyFile, SecretBox } from './security/secret-box.ts';
import { Store } from './store/store.ts';
import { PushTargetService } from './push/push-target-service.ts';
import { PushTargetCodec } from './push/push-targets.ts';
import { resolveVapidKeys, type VapidKeys } from './push/vapid-keys.ts';
import { InboxReadNews } from './stream/inbox-read-news.ts';
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
  const store = Store.open(config, (error) =>
    logger.warn({ err: error }, 'a PostgreSQL connection was lost; a new one is opened on next use'),
  );
  await store.migrate();

  const secretKey = config.secretKey ?? loadOrCreateSecretKeyFile(config.dataDir);
  const secretBox = new SecretBox(secretKey);
  const hookSettings = new HookSettingsCodec(secretBox);
  const pushCodec = new PushTargetCodec(secretBox);
  const unsubscribeTokens = new UnsubscribeTokens(secretKey);
  const platformKey = await resolvePlatformKey(store.settings, config.platformKey);
  const catalog = new Catalog();
  const catalogSync = new CatalogSync({ repository: store.catalog, catalog, clock, logger });
  let vapidKeys: VapidKeys;
  let pushCa: string | undefined;
  let apnsChannel: ApnsChannel | undefined;
  try {
    // The file's entries are in the store before anything reads the catalog.
    if (config.catalogFile !== undefined) {
      await applyCatalogFile(config.catalogFile, new CatalogEditor({ repository: store.catalog, catalog, clock }));
    }
    await catalogSync.load();
    vapidKeys = await resolveVapidKeys(store.settings, secretBox, config.vapid);
    pushCa = config.pushCaFile === undefined ? undefined : fs.readFileSync(config.pushCaFile, 'utf8');
    apnsChannel = config.apns === undefined ? undefined : createApnsChannel(config, pushCa, logger);
  } catch (error) {
    await store.close();
    throw error;
  }
  const metrics = new Metrics({
    queueDepth: () => store.queue.depth(clock.now()),
    unwrittenFanoutDeliveries: () => store.fanouts.unwrittenCount(),
    pausedTargets: () => store.targetHealth.pausedCount(clock.now()),
    // The hub is built further down, with the ingest that wakes it; scrapes come after start.
    openStreams: () => streams.connectionsByFeed(),
  });
  // As many connections to an origin as sends the worker may have in flight to one target: a
  // send over the connection count waits inside undici for another's answer, and in a busy
  // process each answer takes a turn of its event loop. With 32 connections and a cap of 64, a
  // cold process fell behind one fast hook at 930 events/s and took seconds to catch up.
  const http = new HttpClient({
    allowPrivateTargets: config.allowPrivateTargets,
    resolver,
    connectionsPerOrigin: config.targetConcurrency,
  });

  const builtIn: Channel[] = [
    new WebhookChannel({ http, timeoutMs: config.sendTimeoutMs }),
    new SlackChannel({ http, timeoutMs: config.sendTimeoutMs }),
    new HipchatChannel({ http, timeoutMs: config.sendTimeoutMs }),
    new FlowdockChannel({ http, apiUrl: config.flowdockApiUrl, timeoutMs: config.sendTimeoutMs }),
  ];
  if (config.smtpUrl !== undefined) {
    builtIn.push(
      new EmailChannel({
        smtpUrl: config.smtpUrl,
        from: config.mailFrom,
        publicUrl: config.publicUrl,
        timeoutMs: config.sendTimeoutMs,
        unsubscribeTokens,
      }),
    );
  }
  if (apnsChannel !== undefined) builtIn.push(apnsChannel);
  // Web Push needs no account anywhere: with the VAPID pair in the store it is always on.
  const pushHttp = new HttpClient({
    allowPrivateTargets: config.allowPrivateTargets,
    resolver,
    connectionsPerOrigin: config.targetConcurrency,
    ...(pushCa === undefined ? {} : { extraCa: pushCa }),
  });
  builtIn.push(
    new WebPushChannel({
      vapid: { ...vapidKeys, subject: config.vapidSubject },
      http: pushHttp,
      timeoutMs: config.sendTimeoutMs,
      alert: (problem) => logger.error({ channel: 'browser' }, `Web Push configuration problem: ${problem}`),
    }),
  );
  const replaced = new Set((deps.channels ?? []).map((channel) => channel.name));
  const channels = new ChannelRegistry([
    ...builtIn.filter((channel) => !replaced.has(channel.name)),
    ...(deps.channels ?? []),
  ]);

  const runsWorkers = config.role !== 'api';
  const runsApi = config.role !== 'worker';
  const worker: DeliveryWorker | undefined = runsWorkers
    ? new DeliveryWorker({
        store,
        catalog,
        channels,
        hookSettings,
        pushTargets: pushCodec,
        clock,
        logger,
        metrics,
        concurrency: config.workerConcurrency,
        targetConcurrency: config.targetConcurrency,
        sendTimeoutMs: config.sendTimeoutMs,
        // The organization hears of a hook Clarion disabled through its other channels.
        announceDisabled: async (trx, disabledHooks) => {
          const { refused, announce } = await ingest.ingestWithin(trx, disabledHooks.map(targetDisabledEvent));
          for (const error of refused) logger.error({ err: error }, 'could not store notification.target.disabled');
          return announce;
        },
        ...(deps.pollIntervalMs !== undefined ? { pollIntervalMs: deps.pollIntervalMs } : {}),
        ...(deps.random !== undefined ? { random: deps.random } : {}),
      })
    : undefined;
  // The local worker starts at once; workers of other processes hear it from the store.
  const wakeWorkers = () => {
    worker?.wake();
    store.wakeups.notify();
  };
  const expander = runsWorkers
    ? new FanoutExpander({
        store,
        clock,
        logger,
        onDeliveriesQueued: wakeWorkers,
        ...(worker !== undefined ? { dispatch: worker } : {}),
        ...(deps.pollIntervalMs !== undefined ? { pollIntervalMs: deps.pollIntervalMs } : {}),
      })
    : undefined;
  const wakeExpanders = () => {
    expander?.wake();
    store.wakeups.notify(FANOUT_WAKEUP);
  };
  const sweeper = runsWorkers
    ? new RetentionSweeper({ store, clock, logger, retentionDays: config.retentionDays })
    : undefined;
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
    inlineDeliveryLimit: config.inlineDeliveryLimit,
    onFanoutsQueued: wakeExpanders,
    onEventsCommitted: wakeStreams,
    ...(worker !== undefined ? { dispatch: worker } : {}),
  });
  const inboxReads = new InboxReadNews(streams, store.inboxReadWakeups);
  const stopListening: (() => Promise<void>)[] = [];
  const hooks = new HookService({
    store,
    catalog,
    clock,
    codec: hookSettings,
    resolver,
    allowPrivateTargets: config.allowPrivateTargets,
    verifiers: { hipchat: new HipchatTokenCheck({ http, timeoutMs: config.sendTimeoutMs }) },
  });

  const credentials = new Credentials(store.credentials, clock, config.publicUrl);

  let ready = false;
  const app = runsApi
    ? await buildApp({
        logger,
        platformKeyHash: platformKey.hash,
        credentials,
        preferences: new PreferenceService({ store, catalog, clock }),
        unsubscribeTokens,
        pushTargets: new PushTargetService({
          store,
          codec: pushCodec,
          clock,
          resolver,
          allowPrivateTargets: config.allowPrivateTargets,
        }),
        vapidPublicKey: vapidKeys.publicKey,
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
        inboxReads,
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
      await expander?.start();
      sweeper?.start();
      catalogSync.start();
      if (app !== undefined) {
        streams.start();
        stopListening.push(
          await store.eventWakeups.listen((payload) => streams.wake(payload.split(' '))),
          await inboxReads.listen(),
        );
      }
      ready = true;
      return app?.listen({ port: config.port, host: config.host });
    },
    async close() {
      ready = false;
      streams.stop();
      for (const stop of stopListening.splice(0)) await stop();
      await app?.close();
      await ingest.drain();
      await expander?.stop();
      await worker?.stop(config.shutdownTimeoutMs);
      await sweeper?.stop();
      await catalogSync.stop();
      await channels.close();
      await http.close();
      await pushHttp.close();
      await store.close();
    },
  };
}

/** The `ios` channel from the APNs settings (reads the .p8 file; throws when the key is unusable). */
function createApnsChannel(config: Config, ca: string | undefined, logger: Logger): ApnsChannel {
  const apns = config.apns!;
  return new ApnsChannel({
    key: apns.key ?? fs.readFileSync(apns.keyFile!, 'utf8'),
    keyId: apns.keyId,
    teamId: apns.teamId,
    topic: apns.topic,
    url: apns.url,
    timeoutMs: config.sendTimeoutMs,
    ...(ca === undefined ? {} : { ca }),
    // Every send fails until the operator fixes the settings: say so where they look.
    alert: (problem) => logger.error({ channel: 'ios' }, `APNs configuration problem: ${problem}`),
  });
}
