import type { ComponentChildren } from 'preact';
import { useEffect, useMemo } from 'preact/hooks';
import { BrowserNotifications, BrowserNotificationsContext } from '../lib/browser-notifications.ts';
import { InboxFeed } from '../lib/inbox-feed.ts';
import { useSession } from '../lib/session.ts';
import { InboxContext } from '../lib/use-inbox.ts';

/**
 * A member's live inbox and browser notifications, for every page below: one stream per page.
 * A platform operator has no inbox, so nothing is opened for them (the bell is not shown).
 */
export function InboxProvider({ children }: { children: ComponentChildren }) {
  const session = useSession();
  const userId = session.kind === 'member' ? session.userId : null;
  const parts = useMemo(() => {
    if (userId === null) return null;
    const feed = new InboxFeed();
    return { feed, notifications: new BrowserNotifications(feed, userId) };
  }, [userId]);
  useEffect(() => {
    if (parts === null) return;
    parts.feed.start();
    parts.notifications.start();
    return () => {
      parts.notifications.stop();
      parts.feed.stop();
    };
  }, [parts]);
  return (
    <InboxContext.Provider value={parts?.feed ?? null}>
      <BrowserNotificationsContext.Provider value={parts?.notifications ?? null}>
        {children}
      </BrowserNotificationsContext.Provider>
    </InboxContext.Provider>
  );
}
