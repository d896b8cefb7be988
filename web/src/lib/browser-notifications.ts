// HTML5 notifications of the member's inbox (docs/dashboard.md, "Browser notifications").
// Once the member turns them on (Notification.requestPermission from a click):
// - while a Clarion page is open, each new inbox item from the stream is shown by the page;
// - the page subscribes this browser to Web Push, so the service worker shows them when none is.
// Both show through the service worker's registration with the server's tag for the event, so
// the same event shown by both is one notification (lib/notification-display.ts).
import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import { api, ApiError, enc } from './api.ts';
import type { InboxFeed, InboxItem } from './inbox-feed.ts';
import { showClarionNotification } from './notification-display.ts';
import { beforeSigningOut } from './session.ts';

/** Whether this browser also gets notifications when no Clarion page is open. */
export type PushState =
  | { readonly kind: 'subscribing' }
  | { readonly kind: 'subscribed' }
  | { readonly kind: 'unavailable'; readonly reason: string };

export type BrowserNotificationState =
  /** This browser (or an http:// page) cannot show notifications at all. */
  | { readonly kind: 'unsupported'; readonly reason: string }
  /** The member (or the browser's policy) refused: only the browser's site settings can undo it. */
  | { readonly kind: 'blocked' }
  /** Not turned on in this browser; `dismissed` when the browser's question was closed unanswered. */
  | { readonly kind: 'off'; readonly dismissed: boolean }
  | { readonly kind: 'on'; readonly push: PushState };

/** pushManager.subscribe() can wait forever on a push service it cannot reach. */
const SUBSCRIBE_TIMEOUT_MS = 20_000;

/**
 * One member's browser notifications in this browser. The choice is kept per member in
 * localStorage (another member signing in on the same browser starts with them off), and the
 * Web Push subscription is removed when they turn them off or sign out.
 */
export class BrowserNotifications {
  private state: BrowserNotificationState = { kind: 'off', dismissed: false };
  private readonly listeners = new Set<() => void>();
  /** Bumped by every turnOn/turnOff: a subscription finishing after a later choice is dropped. */
  private generation = 0;
  private readonly stops: (() => void)[] = [];

  constructor(
    private readonly feed: InboxFeed,
    private readonly userId: string,
  ) {}

  get current(): BrowserNotificationState {
    return this.state;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    const unsupported = unsupportedReason();
    if (unsupported !== null) {
      this.set({ kind: 'unsupported', reason: unsupported });
      return;
    }
    navigator.serviceWorker.register('/sw.js').catch((error: Error) => {
      this.set({ kind: 'unsupported', reason: `The notification worker could not start: ${error.message}` });
    });
    this.stops.push(this.feed.onArrival((item) => void this.show(item)));
    this.stops.push(beforeSigningOut(() => this.forgetPush()));
    this.set(this.fromPermission(false));
    // Turned on earlier: make sure the server still has this browser's subscription (a push
    // service may have dropped it, and Clarion deletes subscriptions it answers gone for).
    if (this.state.kind === 'on') void this.ensurePush(this.generation);
  }

  stop(): void {
    for (const stop of this.stops.splice(0)) stop();
  }

  /**
   * From a click: asks the browser's permission (a browser only asks from a user gesture, so
   * nothing may be awaited before it), then subscribes to Web Push.
   */
  async turnOn(): Promise<void> {
    const generation = ++this.generation;
    const answer = await Notification.requestPermission();
    if (generation !== this.generation) return;
    if (answer !== 'granted') {
      this.set(answer === 'denied' ? { kind: 'blocked' } : { kind: 'off', dismissed: true });
      return;
    }
    localStorage.setItem(this.preferenceKey, 'on');
    await this.ensurePush(generation);
  }

  async turnOff(): Promise<void> {
    ++this.generation;
    localStorage.setItem(this.preferenceKey, 'off');
    this.set({ kind: 'off', dismissed: false });
    await this.forgetPush();
  }

  private get preferenceKey(): string {
    return `clarion:browser-notifications:${this.userId}`;
  }

  private get subscriptionKey(): string {
    return `clarion:web-push-subscription:${this.userId}`;
  }

  private fromPermission(dismissed: boolean): BrowserNotificationState {
    if (Notification.permission === 'denied') return { kind: 'blocked' };
    if (Notification.permission === 'granted' && localStorage.getItem(this.preferenceKey) === 'on') {
      return { kind: 'on', push: { kind: 'subscribing' } };
    }
    return { kind: 'off', dismissed };
  }

  /** Shows a new inbox item while this page is open, with the tag the push of the same event carries. */
  private async show(item: InboxItem): Promise<void> {
    if (this.state.kind !== 'on') return;
    try {
      const registration = await navigator.serviceWorker.ready;
      await showClarionNotification(registration, {
        ...item.notification,
        eventId: item.id,
        organization: item.organization,
        seq: item.seq,
      });
    } catch {
      // The permission was withdrawn in the browser's settings since: say so. (Otherwise the
      // notification is lost, and the item is still in the bell.)
      if (Notification.permission !== 'granted') this.set(this.fromPermission(false));
    }
  }

  private async ensurePush(generation: number): Promise<void> {
    this.set({ kind: 'on', push: { kind: 'subscribing' } });
    let push: PushState;
    try {
      const registration = await navigator.serviceWorker.ready;
      const { public_key: publicKey } = await api<{ public_key: string }>('GET', '/v1/web-push/vapid-public-key');
      const key = fromBase64Url(publicKey);
      let subscription = await registration.pushManager.getSubscription();
      if (subscription !== null && !sameBytes(subscription.options.applicationServerKey, key)) {
        // Made with another server key (the operator replaced the VAPID pair): pushes would be refused.
        await subscription.unsubscribe();
        subscription = null;
      }
      subscription ??= await withTimeout(
        registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }),
        SUBSCRIBE_TIMEOUT_MS,
      );
      const saved = await api<{ id: string }>('POST', '/v1/users/me/web-push-subscriptions', subscription.toJSON());
      localStorage.setItem(this.subscriptionKey, saved.id);
      push = { kind: 'subscribed' };
    } catch (error) {
      push = { kind: 'unavailable', reason: pushFailure(error) };
    }
    if (generation === this.generation && this.state.kind === 'on') this.set({ kind: 'on', push });
  }

  /** Stops pushes to this browser: unsubscribes it, and removes the subscription from Clarion. */
  private async forgetPush(): Promise<void> {
    const id = localStorage.getItem(this.subscriptionKey);
    localStorage.removeItem(this.subscriptionKey);
    try {
      const registration = await navigator.serviceWorker.getRegistration();
      await (await registration?.pushManager.getSubscription())?.unsubscribe();
    } catch {
      // Nothing to unsubscribe in this browser; the server side below still matters.
    }
    if (id === null) return;
    try {
      await api('DELETE', `/v1/users/me/web-push-subscriptions/${enc(id)}`);
    } catch (error) {
      // Already gone (the push service said so, or another tab removed it): that is the goal.
      if (!(error instanceof ApiError && error.status === 404)) throw error;
    }
  }

  private set(next: BrowserNotificationState): void {
    this.state = next;
    for (const listener of this.listeners) listener();
  }
}

function unsupportedReason(): string | null {
  if (!window.isSecureContext) return 'Browser notifications need Clarion to be served over https.';
  if (!('Notification' in window) || !('serviceWorker' in navigator) || !('PushManager' in window)) {
    return 'This browser cannot show notifications.';
  }
  return null;
}

/** Why this browser has no push subscription, in words for the member. */
function pushFailure(error: unknown): string {
  const detail = error instanceof Error ? error.message : String(error);
  return `This browser could not subscribe to push messages (${detail}), so notifications show only while a Clarion page is open.`;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the browser's push service did not answer")), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

function sameBytes(buffer: ArrayBuffer | null, bytes: Uint8Array): boolean {
  if (buffer === null) return false;
  const other = new Uint8Array(buffer);
  return other.length === bytes.length && other.every((byte, i) => byte === bytes[i]);
}

/** The member's browser notifications; null for a platform operator. */
export const BrowserNotificationsContext = createContext<BrowserNotifications | null>(null);

export function useBrowserNotifications(): { control: BrowserNotifications; state: BrowserNotificationState } | null {
  const control = useContext(BrowserNotificationsContext);
  const [state, setState] = useState(control?.current);
  useEffect(() => {
    if (control === null) return;
    setState(control.current);
    return control.subscribe(() => setState(control.current));
  }, [control]);
  return control === null || state === undefined ? null : { control, state };
}
