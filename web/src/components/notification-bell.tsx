import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { enc } from '../lib/api.ts';
import type { InboxItem } from '../lib/inbox-feed.ts';
import { useInbox } from '../lib/use-inbox.ts';
import { BrowserNotificationsSwitch } from './browser-notifications-switch.tsx';
import { InboxEntry } from './inbox-entry.tsx';
import { StatusLine } from './status.tsx';

function BellIcon() {
  return (
    <svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d="M6 16V11a6 6 0 0 1 12 0v5l2 2H4z M10 20a2 2 0 0 0 4 0" />
    </svg>
  );
}

/**
 * The header's bell: the member's unread count, live from the inbox stream, and a panel of the
 * newest notifications (opening one marks it read), "mark all read", and the switch for browser
 * notifications. Not shown to a platform operator, who has no inbox.
 */
export function NotificationBell({ org }: { org: string | undefined }) {
  const inbox = useInbox();
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  // The panel closes on Escape (focus back on the bell) and on a click elsewhere. A layout
  // effect, so the listeners are there as soon as the panel is: a plain effect runs after the
  // next frame, and an Escape pressed in between was lost (seen in CI).
  useLayoutEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      setOpen(false);
      button.current?.focus();
    };
    const onPointer = (event: PointerEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('pointerdown', onPointer);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('pointerdown', onPointer);
    };
  }, [open]);

  if (inbox === null) return null;
  const { unread } = inbox.state;
  return (
    <div class="bell" ref={root}>
      <button
        type="button"
        ref={button}
        class="bell-button"
        aria-expanded={open}
        aria-controls="bell-panel"
        aria-label={unread === null ? 'Notifications' : `Notifications, ${unread} unread`}
        data-unread={unread ?? undefined}
        onClick={() => setOpen(!open)}
      >
        <BellIcon />
        {unread !== null && unread > 0 && (
          <span class="bell-count" aria-hidden="true">
            {unread > 99 ? '99+' : unread}
          </span>
        )}
      </button>
      {open && <BellPanel org={org} onNavigate={() => setOpen(false)} />}
    </div>
  );
}

function BellPanel({ org, onNavigate }: { org: string | undefined; onNavigate: () => void }) {
  const inbox = useInbox()!;
  const [failure, setFailure] = useState<string | null>(null);
  const { state, feed } = inbox;
  const open = (item: InboxItem) => {
    onNavigate();
    if (!item.read) feed.markRead(item.seq).catch((error: Error) => setFailure(error.message));
  };
  const markAll = () => {
    setFailure(null);
    feed.markAllRead().catch((error: Error) => setFailure(error.message));
  };

  return (
    <section id="bell-panel" class="bell-panel" aria-label="Notifications">
      <header class="bell-panel-header">
        <h2>Notifications</h2>
        <button type="button" class="link" disabled={state.unread === 0 || state.unread === null} onClick={markAll}>
          Mark all read
        </button>
      </header>
      {!state.live && state.unread !== null && (
        <p class="hint" role="status">
          Reconnecting… new notifications will appear when Clarion answers again.
        </p>
      )}
      {state.error !== null && <StatusLine message={state.error} tone="error" />}
      {failure !== null && <StatusLine message={failure} tone="error" />}
      {state.unread === null && state.error === null ? (
        <p class="loading">Loading…</p>
      ) : state.recent.length === 0 ? (
        <p class="bell-empty">
          Nothing yet. Events whose <strong>Browser</strong> icon is on in{' '}
          {org === undefined ? (
            'your notification settings'
          ) : (
            <a href={`/organizations/${enc(org)}/notifications`} onClick={onNavigate}>
              Notifications
            </a>
          )}{' '}
          appear here.
        </p>
      ) : (
        <ul class="inbox-list">
          {state.recent.map((item) => (
            <li key={item.seq}>
              <InboxEntry item={item} onOpen={open} />
            </li>
          ))}
        </ul>
      )}
      <footer class="bell-panel-footer">
        <a href="/inbox" onClick={onNavigate}>
          See all notifications
        </a>
        <BrowserNotificationsSwitch />
      </footer>
    </section>
  );
}
