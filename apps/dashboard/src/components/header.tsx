import { api } from '../api.js';
import { navigate } from '../navigation.js';
import type { Session } from '../session.js';
import { Link } from './link.js';

export function Header({ session, onSignedOut }: { session: Session; onSignedOut(): void }) {
  const signOut = async (): Promise<void> => {
    // Signed out here whatever the API says: at worst the cookie outlives the page.
    await api('DELETE', '/v1/session').catch(() => undefined);
    navigate('/');
    onSignedOut();
  };
  return (
    <header class="top">
      <nav aria-label="Main">
        <Link href="/" class="brand">
          paas
        </Link>
        <Link href="/">Apps</Link>
        {session.admin && (
          <Link href="/platform" data-testid="nav-platform">
            Platform
          </Link>
        )}
      </nav>
      <div class="who">
        <span data-testid="whoami">{session.name}</span>
        <button type="button" data-testid="signout" onClick={signOut}>
          Sign out
        </button>
      </div>
    </header>
  );
}
