import { useEffect, useState } from 'preact/hooks';
import { BrowserNotificationsSwitch } from '../components/browser-notifications-switch.tsx';
import { InboxEntry } from '../components/inbox-entry.tsx';
import { Loading, StatusLine } from '../components/status.tsx';
import { api, query, type Page } from '../lib/api.ts';
import { marksRead, type InboxItem } from '../lib/inbox-feed.ts';
import { useInbox } from '../lib/use-inbox.ts';

const PAGE_SIZE = 25;

/**
 * `/inbox`: every browser notification of the member, newest first, page after page (unread only
 * on request), kept current by the same stream as the bell: new ones appear on top, and reads
 * made on any device show at once.
 */
export function InboxPage() {
  const inbox = useInbox();
  const [unreadOnly, setUnreadOnly] = useState(false);
  const [items, setItems] = useState<InboxItem[] | undefined>(undefined);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);

  const load = async (from: string | null) => {
    const page = await api<Page<InboxItem>>(
      'GET',
      `/v1/me/notifications${query({ limit: PAGE_SIZE, cursor: from, unread: unreadOnly || undefined })}`,
    );
    setItems((shown) => (from === null ? page.data : [...(shown ?? []), ...page.data]));
    setCursor(page.next_cursor);
  };

  useEffect(() => {
    if (inbox === null) return;
    setItems(undefined);
    load(null).then(
      () => setError(null),
      (failed: Error) => setError(failed.message),
    );
  }, [inbox === null, unreadOnly]);

  // Live: new items on top, read marks from any device.
  useEffect(() => {
    if (inbox === null) return;
    const stopArrivals = inbox.feed.onArrival((item) =>
      setItems((shown) => (shown === undefined || shown.some((s) => s.seq === item.seq) ? shown : [item, ...shown])),
    );
    const stopReads = inbox.feed.onRead((change) =>
      setItems((shown) =>
        shown?.map((item) => (!item.read && marksRead(change, item.seq) ? { ...item, read: true } : item)),
      ),
    );
    return () => {
      stopArrivals();
      stopReads();
    };
  }, [inbox?.feed]);

  if (inbox === null) {
    return (
      <main>
        <h1>Notifications</h1>
        <p>Platform operators have no inbox: notifications are sent to members.</p>
      </main>
    );
  }
  const { unread } = inbox.state;
  const act = (action: Promise<void>) => {
    setFailure(null);
    action.catch((failed: Error) => setFailure(failed.message));
  };

  return (
    <main class="inbox-page">
      <h1>Notifications</h1>
      <p class="lede">
        What reaches you in the browser: the events whose Browser icon is on in your notification settings.
        {unread !== null && ` ${unread} unread.`}
      </p>
      <div class="inbox-tools">
        <label>
          <input
            type="checkbox"
            checked={unreadOnly}
            onChange={(event) => setUnreadOnly((event.target as HTMLInputElement).checked)}
          />{' '}
          Unread only
        </label>
        <button type="button" disabled={unread === 0 || unread === null} onClick={() => act(inbox.feed.markAllRead())}>
          Mark all read
        </button>
      </div>
      <StatusLine message={failure} tone="error" />
      {items === undefined ? (
        <Loading error={error} />
      ) : items.length === 0 ? (
        <p>{unreadOnly ? 'Nothing unread.' : 'No notifications yet.'}</p>
      ) : (
        <ul class="inbox-list inbox-list-page">
          {items.map((item) => (
            <li key={item.seq}>
              <InboxEntry item={item} onOpen={(opened) => !opened.read && act(inbox.feed.markRead(opened.seq))} />
            </li>
          ))}
        </ul>
      )}
      {cursor !== null && (
        <button
          type="button"
          disabled={loadingMore}
          onClick={() => {
            setLoadingMore(true);
            load(cursor)
              .catch((failed: Error) => setFailure(failed.message))
              .finally(() => setLoadingMore(false));
          }}
        >
          {loadingMore ? 'Loading…' : 'Show older'}
        </button>
      )}
      <section class="inbox-browser">
        <h2>In this browser</h2>
        <BrowserNotificationsSwitch />
      </section>
    </main>
  );
}
