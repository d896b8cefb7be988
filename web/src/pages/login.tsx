import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, ApiError } from '../lib/api.ts';

/** Where a login link may send the browser afterwards: a dashboard path of this origin only. */
function safeNext(next: string | undefined): string {
  return next !== undefined && /^\/(?!\/)/.test(next) ? next : '/';
}

/**
 * The page a login link opens (`/login?token=...`): it spends the one-time token for a session
 * cookie and goes on. Without a token it says how to get one: members do not have passwords
 * here, their hosting platform signs them in.
 */
export function LoginPage({ onSignedIn }: { onSignedIn: () => void }) {
  const location = useLocation();
  const token = location.query['token'];
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    if (token === undefined) return;
    api('POST', '/v1/sessions', { token }).then(
      () => {
        onSignedIn();
        location.route(safeNext(location.query['next']), true);
      },
      (error: unknown) =>
        setProblem(
          error instanceof ApiError && error.code === 'CLARION_ERR_LOGIN_LINK_INVALID'
            ? 'This login link has expired or was already used. Ask your hosting platform for a new one.'
            : String((error as Error).message),
        ),
    );
  }, [token]);

  return (
    <main class="login">
      <h1>Clarion</h1>
      {token !== undefined && problem === null && <p>Signing you in…</p>}
      {problem !== null && (
        <p class="page-error" role="alert">
          {problem}
        </p>
      )}
      {token === undefined && (
        <p>
          You are not signed in. Open the dashboard from your hosting platform's console: it gives you a one-time login
          link.
        </p>
      )}
    </main>
  );
}
