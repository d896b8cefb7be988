// What the browser notification tests need around a headless Chromium:
// - reading the notifications shown (from the service worker, where both paths show them);
// - delivering a Web Push message to the service worker through the DevTools protocol;
// - two STAND-INS for what a headless browser lacks, each installed only where it is lacking and
//   named as such: a push service (no headless build has one), and a notification platform (only
//   the headless shell lacks one). The dashboard's code runs unchanged on top of them.
import type { BrowserContext, Page, Worker } from 'playwright-core';
import type { WebPushServer } from './web-push-server.ts';

/** A notification as getNotifications() lists it. */
export interface ShownNotification {
  readonly title: string;
  readonly body: string;
  readonly tag: string;
  readonly data: { url?: string; event_id?: string | null; seq?: number | null } | null;
  /** When it was shown (epoch ms): a replacement has a later one. */
  readonly timestamp: number;
}

/** The context's service worker for /sw.js, once the page registered it. */
export async function serviceWorkerOf(context: BrowserContext): Promise<Worker> {
  const existing = context.serviceWorkers().find((worker) => new URL(worker.url()).pathname === '/sw.js');
  if (existing !== undefined) return existing;
  return context.waitForEvent('serviceworker', {
    predicate: (worker) => new URL(worker.url()).pathname === '/sw.js',
    timeout: 10_000,
  });
}

/**
 * STAND-IN NOTIFICATION PLATFORM, for the headless shell only (TestBrowser.showsNotifications
 * false): there `Notification.permission` stays "denied" and showNotification() rejects, so the
 * dashboard's code could not be exercised at all. Installed in the page (before its scripts) and
 * in the service worker, it reports the permission granted and replaces showNotification() and
 * getNotifications() of ServiceWorkerRegistration with a record kept in the origin's Cache
 * Storage, which page and worker share, one entry per tag as the real platform keeps them. With
 * the full browser none of this is installed: the real platform is checked.
 *
 * Plain JavaScript source: tsx's transpiled functions may call helpers (`__name`) that do not
 * exist in the browser.
 */
const STAND_IN_NOTIFICATION_PLATFORM = `(() => {
  if (globalThis.__clarionTestNotificationStandIn) return;
  globalThis.__clarionTestNotificationStandIn = true;
  const CACHE = 'clarion-test-notification-stand-in';
  if (typeof Notification !== 'undefined') {
    Object.defineProperty(Notification, 'permission', { configurable: true, get: () => 'granted' });
    Notification.requestPermission = () => Promise.resolve('granted');
  }
  ServiceWorkerRegistration.prototype.showNotification = async (title, options = {}) => {
    const cache = await caches.open(CACHE);
    const tag = options.tag ?? '';
    const key = tag === '' ? '/untagged/' + crypto.randomUUID() : '/tagged/' + encodeURIComponent(tag);
    const shown = { title, body: options.body ?? '', tag, data: options.data ?? null, timestamp: Date.now(), key };
    await cache.put(key, new Response(JSON.stringify(shown)));
  };
  ServiceWorkerRegistration.prototype.getNotifications = async (filter = {}) => {
    const cache = await caches.open(CACHE);
    const all = await Promise.all((await cache.keys()).map(async (request) => (await cache.match(request)).json()));
    return all
      .filter((shown) => filter.tag === undefined || shown.tag === filter.tag)
      .sort((a, b) => a.timestamp - b.timestamp)
      .map((shown) => ({ ...shown, close: () => void cache.delete(shown.key) }));
  };
})();`;

/** Where the notifications of a context are shown and read: the real platform, or the stand-in. */
export class NotificationPlatform {
  private constructor(
    private readonly context: BrowserContext,
    /** True when the stand-in replaces the missing platform (headless shell). */
    readonly standIn: boolean,
  ) {}

  /** With a full browser, nothing is installed; with the headless shell, the stand-in (pages first). */
  static async of(context: BrowserContext, showsNotifications: boolean): Promise<NotificationPlatform> {
    if (!showsNotifications) await context.addInitScript({ content: STAND_IN_NOTIFICATION_PLATFORM });
    return new NotificationPlatform(context, !showsNotifications);
  }

  /** The service worker, with the stand-in installed in it when one is used (again, if it restarted). */
  async worker(): Promise<Worker> {
    const worker = await serviceWorkerOf(this.context);
    if (this.standIn) await worker.evaluate(STAND_IN_NOTIFICATION_PLATFORM);
    return worker;
  }

  /** Every notification shown on the origin, oldest first. */
  async list(): Promise<ShownNotification[]> {
    const worker = await this.worker();
    return worker.evaluate(async () => {
      const registration = (self as unknown as { registration: ServiceWorkerRegistration }).registration;
      return (await registration.getNotifications()).map((n) => ({
        title: n.title,
        body: n.body,
        tag: n.tag,
        data: n.data as ShownNotification['data'],
        timestamp: (n as Notification & { timestamp: number }).timestamp,
      }));
    });
  }

  async clear(): Promise<void> {
    const worker = await this.worker();
    await worker.evaluate(async () => {
      const registration = (self as unknown as { registration: ServiceWorkerRegistration }).registration;
      for (const n of await registration.getNotifications()) n.close();
    });
    await waitUntil(async () => (await this.list()).length === 0, 'notifications to close');
  }

  /**
   * Clicks the notification tagged `tag`, as the platform reports a click: a `notificationclick`
   * event dispatched in the service worker, resolving once the promises its handler passed to
   * waitUntil have settled (no DevTools command clicks a notification). Only the platform's own
   * click carries the user activation that lets the handler focus or open a window, so that part
   * of the handler fails here; its outcome is returned, not thrown.
   */
  async click(tag: string): Promise<PromiseSettledResult<unknown>[]> {
    const worker = await this.worker();
    return worker.evaluate(`(async () => {
      const [notification] = await self.registration.getNotifications({ tag: ${JSON.stringify(tag)} });
      if (notification === undefined) throw new Error('no notification is shown with the tag ' + ${JSON.stringify(tag)});
      const event = new ExtendableEvent('notificationclick');
      const extensions = [];
      Object.defineProperty(event, 'notification', { value: notification });
      Object.defineProperty(event, 'waitUntil', { value: (promise) => extensions.push(promise) });
      self.dispatchEvent(event);
      return (await Promise.allSettled(extensions)).map((result) =>
        result.status === 'fulfilled' ? { status: 'fulfilled' } : { status: 'rejected', reason: String(result.reason) });
    })()`);
  }

  /** Resolves with the notifications once `done` holds for them. */
  async waitFor(
    done: (shown: ShownNotification[]) => boolean,
    what: string,
    timeoutMs = 10_000,
  ): Promise<ShownNotification[]> {
    let last: ShownNotification[] = [];
    await waitUntil(
      async () => done((last = await this.list())),
      () => `${what}; shown: ${JSON.stringify(last)}`,
      timeoutMs,
    );
    return last;
  }
}

/**
 * STAND-IN PUSH SERVICE. No headless Chromium has one: in a test context (an off-the-record
 * profile) pushManager.subscribe() rejects "Registration failed - permission denied" in both
 * builds (and with a real profile the full build waits forever for Google's push service, which
 * this closed network cannot reach). So the page's pushManager.subscribe() and getSubscription()
 * are answered with a subscription of the local push service (test/helpers/web-push-server.ts),
 * made for the applicationServerKey the page passes. Clarion then really delivers to it (VAPID,
 * aes128gcm), and the test hands the decrypted message to the service worker through the DevTools
 * protocol (deliverPush), as a browser's push service would.
 */
export async function installStandInPushService(context: BrowserContext, push: WebPushServer): Promise<void> {
  await context.exposeBinding('__clarionTestPushSubscribe', (_source, applicationServerKey: string) =>
    push.subscribe(applicationServerKey),
  );
  await context.addInitScript({ content: STAND_IN_PUSH_SERVICE });
}

/** The page side of installStandInPushService (plain JavaScript, as above). */
const STAND_IN_PUSH_SERVICE = `(() => {
  const STORED = 'clarion-test-push-subscription';
  const toBase64Url = (bytes) =>
    btoa(String.fromCharCode(...bytes)).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  const fromBase64Url = (text) =>
    Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
  const subscription = (made) => ({
    endpoint: made.endpoint,
    expirationTime: null,
    options: { userVisibleOnly: true, applicationServerKey: fromBase64Url(made.serverKey).buffer },
    getKey: (name) => fromBase64Url(made.keys[name]).buffer,
    toJSON: () => ({ endpoint: made.endpoint, expirationTime: null, keys: made.keys }),
    unsubscribe: () => {
      localStorage.removeItem(STORED);
      return Promise.resolve(true);
    },
  });
  PushManager.prototype.subscribe = async (options = {}) => {
    const key = options.applicationServerKey;
    const serverKey =
      typeof key === 'string' ? key : toBase64Url(new Uint8Array(key instanceof ArrayBuffer ? key : key.buffer));
    const made = { ...(await window.__clarionTestPushSubscribe(serverKey)), serverKey };
    localStorage.setItem(STORED, JSON.stringify(made));
    return subscription(made);
  };
  PushManager.prototype.getSubscription = () => {
    const stored = localStorage.getItem(STORED);
    return Promise.resolve(stored === null ? null : subscription(JSON.parse(stored)));
  };
})();`;

/**
 * Delivers `payload` to the origin's service worker as a push message, through the DevTools
 * protocol (ServiceWorker.deliverPushMessage): what a browser does when its push service hands it
 * a message. `page` is any page of the context (it carries the DevTools session).
 */
export async function deliverPush(
  context: BrowserContext,
  page: Page,
  origin: string,
  payload: unknown,
): Promise<void> {
  const cdp = await context.newCDPSession(page);
  try {
    const registrationId = new Promise<string>((resolve) => {
      cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
        const registration = registrations.find((r) => !r.isDeleted && r.scopeURL.startsWith(origin));
        if (registration !== undefined) resolve(registration.registrationId);
      });
    });
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.deliverPushMessage', {
      origin,
      registrationId: await registrationId,
      data: JSON.stringify(payload),
    });
  } finally {
    await cdp.detach();
  }
}

/** Polls `check` until it holds; rejects after `timeoutMs` saying what it waited for. */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  what: string | (() => string),
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
