// The dashboard's service worker: shows Web Push messages as notifications when no Clarion page
// is open (an open page shows them itself, from its inbox stream), and opens the event's page
// on a click. Bundled on its own as /sw.js, so its scope is the whole dashboard.

/** What Clarion's `browser` channel sends (src/channels/web-push/web-push-format.ts). */
interface PushPayload {
  title: string;
  body?: string;
  /** The same event's notification shown twice (page and push) collapses into one. */
  tag?: string;
  data?: { event_id?: string; organization?: string };
}

/** The event's page in the dashboard, where a click on its notification leads. */
function pageOf(payload: PushPayload): string {
  const { event_id: event, organization } = payload.data ?? {};
  if (event === undefined || organization === undefined) return '/';
  return `/organizations/${encodeURIComponent(organization)}/events/${encodeURIComponent(event)}`;
}

interface ServiceWorkerScope {
  registration: ServiceWorkerRegistration;
  clients: {
    matchAll(options: {
      type: 'window';
      includeUncontrolled: boolean;
    }): Promise<{ url: string; focused: boolean; visibilityState: string; focus(): Promise<unknown> }[]>;
    openWindow(url: string): Promise<unknown>;
  };
  skipWaiting(): Promise<void>;
  addEventListener(
    type: 'push',
    listener: (event: {
      data: { json(): unknown; text(): string } | null;
      waitUntil(p: Promise<unknown>): void;
    }) => void,
  ): void;
  addEventListener(
    type: 'notificationclick',
    listener: (event: { notification: Notification; waitUntil(p: Promise<unknown>): void }) => void,
  ): void;
  addEventListener(
    type: 'install' | 'activate',
    listener: (event: { waitUntil(p: Promise<unknown>): void }) => void,
  ): void;
}

const worker = self as unknown as ServiceWorkerScope;

worker.addEventListener('install', (event) => event.waitUntil(worker.skipWaiting()));

function parse(data: { json(): unknown; text(): string } | null): PushPayload {
  if (data === null) return { title: 'Clarion' };
  try {
    const payload = data.json() as Partial<PushPayload>;
    return { ...payload, title: payload.title ?? 'Clarion' };
  } catch {
    return { title: 'Clarion', body: data.text() };
  }
}

worker.addEventListener('push', (event) => {
  const payload = parse(event.data);
  event.waitUntil(
    worker.registration.showNotification(payload.title, {
      body: payload.body ?? '',
      ...(payload.tag === undefined ? {} : { tag: payload.tag }),
      data: { url: pageOf(payload) },
    }),
  );
});

worker.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = (event.notification.data as { url?: string } | null)?.url ?? '/';
  event.waitUntil(
    worker.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((windows) => {
      const open = windows.find((w) => new URL(w.url).pathname === url);
      return open !== undefined ? open.focus() : worker.clients.openWindow(url);
    }),
  );
});
