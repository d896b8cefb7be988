// How a Clarion notification is shown, by the page (an inbox item from its stream) and by the
// service worker (a Web Push message) alike: both call showNotification on the service worker's
// registration with the same title, body and tag, so the same event shown by both is one
// notification. Bundled into the page and into /sw.js.

/** What a notification shows: the inbox item's `notification`, or the `browser` channel's push payload. */
export interface ClarionNotification {
  readonly title: string;
  readonly body: string;
  /** The server's tag for the event (its pair's topic, else its id): equal tags replace each other. Empty: none. */
  readonly tag: string;
  readonly eventId: string | undefined;
  readonly organization: string | undefined;
  /** The member's inbox item (the event's sequence number), marked read by a click. */
  readonly seq: number | undefined;
}

/** What the notification keeps for its click (the service worker's notificationclick). */
export interface NotificationData {
  readonly url: string;
  readonly event_id: string | null;
  readonly seq: number | null;
}

/** The event's page in the dashboard, where a click on its notification leads. */
export function eventPageOf(organization: string | undefined, eventId: string | undefined): string {
  if (organization === undefined || eventId === undefined) return '/inbox';
  return `/organizations/${encodeURIComponent(organization)}/events/${encodeURIComponent(eventId)}`;
}

/** `renotify` is in the Notifications standard and Chromium, not yet in TypeScript's DOM types. */
interface ShowOptions extends NotificationOptions {
  renotify?: boolean;
}

/**
 * Shows `notification` through the registration (the API the push path uses, so both are listed by
 * getNotifications()). The same event shown again (the page and the push, or two open pages)
 * replaces itself silently; another event with the same tag ("back on" after "failed") replaces
 * it and alerts again (`renotify`).
 */
export async function showClarionNotification(
  registration: ServiceWorkerRegistration,
  notification: ClarionNotification,
): Promise<void> {
  const eventId = notification.eventId ?? null;
  const data: NotificationData = {
    url: eventPageOf(notification.organization, notification.eventId),
    event_id: eventId,
    seq: notification.seq ?? null,
  };
  const options: ShowOptions = { body: notification.body, data };
  if (notification.tag !== '') {
    const shown = await registration.getNotifications({ tag: notification.tag });
    options.tag = notification.tag;
    options.renotify = shown.some((other) => (other.data as Partial<NotificationData> | null)?.event_id !== eventId);
  }
  await registration.showNotification(notification.title, options);
}
