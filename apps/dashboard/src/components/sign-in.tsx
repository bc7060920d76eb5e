import type { ErrorBody } from '@paas/core';
import { useState } from 'preact/hooks';
import { api, toError } from '../api.js';
import type { Session } from '../session.js';
import { ErrorAlert } from './error-alert.js';

/** The token is sent once; the API answers with an HttpOnly cookie, so the page never keeps it. */
export function SignIn({ onSignedIn }: { onSignedIn(s: Session): void }) {
  const [error, setError] = useState<ErrorBody | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const token = (form.elements.namedItem('token') as HTMLInputElement).value.trim();
    setBusy(true);
    setError(null);
    try {
      const session = await api<Session>('POST', '/v1/session', { body: { token }, signIn: true });
      form.reset();
      onSignedIn(session);
    } catch (err) {
      setError(toError(err));
      setBusy(false);
    }
  };
  return (
    <main class="sign-in">
      <h1>paas</h1>
      <form onSubmit={submit}>
        <label for="token">API token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required autofocus />
        <p class="muted">
          An admin token is in <code>PAAS_HOME/admin.token</code>; <code>paas users add</code> makes one for another user.
        </p>
        <button type="submit" class="primary" disabled={busy}>
          Sign in
        </button>
      </form>
      <ErrorAlert error={error} />
    </main>
  );
}
