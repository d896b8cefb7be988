import { useState } from 'preact/hooks';
import { useBrowserNotifications } from '../lib/browser-notifications.ts';
import { StatusLine } from './status.tsx';

/**
 * "Turn on browser notifications": asks the browser's permission from the click, then says what
 * this browser will do (show notifications while a Clarion page is open, and through Web Push
 * when none is), or why it cannot.
 */
export function BrowserNotificationsSwitch() {
  const notifications = useBrowserNotifications();
  const [failure, setFailure] = useState<string | null>(null);
  if (notifications === null) return null;
  const { control, state } = notifications;
  const act = (action: () => Promise<void>) => {
    setFailure(null);
    action().catch((error: Error) => setFailure(error.message));
  };

  let content;
  switch (state.kind) {
    case 'unsupported':
      content = <p class="hint">{state.reason}</p>;
      break;
    case 'blocked':
      content = (
        <p class="hint">
          Notifications are blocked for this site in your browser. Allow them in the browser’s site settings, then
          reload this page.
        </p>
      );
      break;
    case 'off':
      content = (
        <>
          <button type="button" class="primary" onClick={() => act(() => control.turnOn())}>
            Turn on browser notifications
          </button>
          <p class="hint">
            {state.dismissed
              ? 'Your browser did not get an answer. Click again and choose “Allow”.'
              : 'Your browser will ask for your permission.'}
          </p>
        </>
      );
      break;
    case 'on':
      content = (
        <>
          <p class="browser-notifications-state">
            Browser notifications are on
            {state.push.kind === 'subscribed' ? ', also when no Clarion page is open.' : '.'}
          </p>
          <p class="hint push-state" role="status">
            {state.push.kind === 'subscribing' && 'Subscribing this browser to push messages…'}
            {state.push.kind === 'unavailable' && state.push.reason}
          </p>
          <button type="button" onClick={() => act(() => control.turnOff())}>
            Turn off in this browser
          </button>
        </>
      );
      break;
  }
  return (
    <div class="browser-notifications">
      {content}
      {failure !== null && <StatusLine message={failure} tone="error" />}
    </div>
  );
}
