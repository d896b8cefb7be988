import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import type { InboxFeed, InboxState } from './inbox-feed.ts';

/** The member's live inbox; null for a platform operator, who has none. */
export const InboxContext = createContext<InboxFeed | null>(null);

/** The inbox feed and its current state, re-rendered on every change; null for an operator. */
export function useInbox(): { feed: InboxFeed; state: InboxState } | null {
  const feed = useContext(InboxContext);
  const [state, setState] = useState(feed?.current);
  useEffect(() => {
    if (feed === null) return;
    setState(feed.current);
    return feed.subscribe(() => setState(feed.current));
  }, [feed]);
  return feed === null || state === undefined ? null : { feed, state };
}
