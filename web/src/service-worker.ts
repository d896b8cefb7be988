// The dashboard's service worker: shows the `browser` channel's Web Push messages as
// notifications; a click marks the member's inbox item read and opens the event's page. Bundled on its own as /sw.js, so its
// scope is the whole dashboard.
//
// It shows every push, even while a Clarion page is open and shows the same item from its inbox
// stream: pages subscribe with `userVisibleOnly`, and a push that shows nothing makes Chromium
// show its own "site updated in the background" notice. Both use the server's tag for the event,
// so the second showing replaces the first: one notification either way.
import { showClarionNotification, type NotificationData } from './lib/notification-display.ts';

/** What Clarion's `browser` channel sends (src/channels/web-push/web-push-format.ts). */
interface PushPayload {
  title: string;
  body?: string;
  /** The same event's notification shown twice (page and push) collapses into one. */
  tag?: string;
  data?: { seq?: number; event_id?: string; organization?: string };
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
    showClarionNotification(worker.registration, {
      title: payload.title,
      body: payload.body ?? '',
      tag: payload.tag ?? payload.data?.event_id ?? '',
      eventId: payload.data?.event_id,
      organization: payload.data?.organization,
      seq: payload.data?.seq,
    }),
  );
});

worker.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const data = (event.notification.data as Partial<NotificationData> | null) ?? {};
  // allSettled, not all: a window that may not be focused must not end the service worker's
  // extension while the read is still on its way.
  event.waitUntil(Promise.allSettled([markRead(data.seq), show(data.url ?? '/inbox')]));
});

/**
 * The member has seen the item: read on every device, as a click in the bell makes it. The
 * session cookie goes with the request; signed out, or the item gone, it stays as it is.
 */
async function markRead(seq: number | null | undefined): Promise<void> {
  if (typeof seq !== 'number') return;
  await fetch(`/v1/me/notifications/${seq}/read`, { method: 'POST', credentials: 'same-origin' }).catch(() => {});
}

/** Focuses the dashboard window showing `url`, or opens one. */
async function show(url: string): Promise<void> {
  const windows = await worker.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const open = windows.find((w) => new URL(w.url).pathname === url);
  await (open !== undefined ? open.focus() : worker.clients.openWindow(url));
}
