import type { ErrorBody } from '@paas/core';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, setCsrf, setUnauthorizedHandler, toError } from '../api.js';
import { parseRoute } from '../route.js';
import { usePath } from '../navigation.js';
import type { Session } from '../session.js';
import { AppPage } from './app-page.js';
import { AppsList } from './apps-list.js';
import { ErrorAlert } from './error-alert.js';
import { Header } from './header.js';
import { Link } from './link.js';
import { PlatformPage } from './platform-page.js';
import { SignIn } from './sign-in.js';

type SessionState = { kind: 'loading' } | { kind: 'signed-out' } | { kind: 'signed-in'; session: Session } | { kind: 'failed'; error: ErrorBody };

export function App() {
  const [state, setState] = useState<SessionState>({ kind: 'loading' });
  const path = usePath();

  const signedIn = (session: Session): void => {
    setCsrf(session.csrf);
    setState({ kind: 'signed-in', session });
  };

  useEffect(() => {
    setUnauthorizedHandler(() => {
      setCsrf('');
      setState({ kind: 'signed-out' });
    });
    api<Session>('GET', '/v1/session').then(signedIn, (err: unknown) => {
      if (err instanceof ApiError && err.status === 401) return;
      setState({ kind: 'failed', error: toError(err) });
    });
  }, []);

  if (state.kind === 'loading') return <p class="loading">Loading…</p>;
  if (state.kind === 'failed') {
    return (
      <main>
        <ErrorAlert error={state.error} />
      </main>
    );
  }
  if (state.kind === 'signed-out') return <SignIn onSignedIn={signedIn} />;

  const { session } = state;
  const route = parseRoute(path);
  return (
    <>
      <Header session={session} onSignedOut={() => {
          setCsrf('');
          setState({ kind: 'signed-out' });
        }} />
      <main>
        {route.page === 'apps' && <AppsList />}
        {route.page === 'app' && <AppPage key={route.name} name={route.name} tab={route.tab} />}
        {route.page === 'platform' && <PlatformPage session={session} />}
        {route.page === 'not-found' && (
          <section>
            <h1>Not found</h1>
            <p>
              Nothing lives at {route.path}. <Link href="/">Back to the apps</Link>
            </p>
          </section>
        )}
      </main>
    </>
  );
}
