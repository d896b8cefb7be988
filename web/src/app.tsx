import { useEffect, useState } from 'preact/hooks';
import { LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { InboxProvider } from './components/inbox-provider.tsx';
import { Shell } from './components/shell.tsx';
import { loadSession, SessionContext, type Session } from './lib/session.ts';
import { AccountNotificationsPage } from './pages/account-notifications.tsx';
import { ApplicationNotificationsPage } from './pages/application-notifications.tsx';
import { ApplicationsPage } from './pages/applications.tsx';
import { FinancePage } from './pages/finance.tsx';
import { DeliveryDetailPage } from './pages/delivery-detail.tsx';
import { DeliveryLogPage } from './pages/delivery-log.tsx';
import { EventWhyPage } from './pages/event-why.tsx';
import { HomePage } from './pages/home.tsx';
import { HooksPage } from './pages/hooks.tsx';
import { InboxPage } from './pages/inbox.tsx';
import { LoginPage } from './pages/login.tsx';
import { NotFoundPage } from './pages/not-found.tsx';

/** Every page of a signed-in session, under the shell (header, organization switcher, bell). */
function SignedIn() {
  return (
    <InboxProvider>
      <Shell>
        <Router>
          <Route path="/" component={HomePage} />
          <Route path="/inbox" component={InboxPage} />
          <Route path="/organizations" component={HomePage} />
          <Route path="/organizations/:org" component={AccountNotificationsPage} />
          <Route path="/organizations/:org/notifications" component={AccountNotificationsPage} />
          <Route path="/organizations/:org/applications" component={ApplicationsPage} />
          <Route path="/organizations/:org/applications/:app/notifications" component={ApplicationNotificationsPage} />
          <Route path="/organizations/:org/finance" component={FinancePage} />
          <Route path="/organizations/:org/hooks" component={HooksPage} />
          <Route path="/organizations/:org/deliveries" component={DeliveryLogPage} />
          <Route path="/organizations/:org/deliveries/:id" component={DeliveryDetailPage} />
          <Route path="/organizations/:org/events/:id" component={EventWhyPage} />
          <Route default component={NotFoundPage} />
        </Router>
      </Shell>
    </InboxProvider>
  );
}

function Pages() {
  const location = useLocation();
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [failure, setFailure] = useState<string | null>(null);
  const onLogin = location.path === '/login';

  useEffect(() => {
    if (onLogin) return;
    loadSession().then(setSession, (error: Error) => setFailure(error.message));
  }, [onLogin]);
  useEffect(() => {
    const signedOut = () => setSession(null);
    window.addEventListener('clarion:signed-out', signedOut);
    return () => window.removeEventListener('clarion:signed-out', signedOut);
  }, []);

  if (onLogin) return <LoginPage onSignedIn={() => setSession(undefined)} />;
  if (failure !== null)
    return (
      <p class="page-error" role="alert">
        {failure}
      </p>
    );
  if (session === undefined) return <p class="loading">Loading…</p>;
  if (session === null) return <LoginPage onSignedIn={() => setSession(undefined)} />;
  return (
    <SessionContext.Provider value={session}>
      <SignedIn />
    </SessionContext.Provider>
  );
}

export function App() {
  return (
    <LocationProvider>
      <Pages />
    </LocationProvider>
  );
}
