import { type FormEvent, useEffect, useState } from 'react';
import { signInWithToken } from '../api/session.js';

/**
 * Why a sign-in through the provider failed, as the server's callback sent the browser back with it
 * (`/studio/?sign_in_error=...`): read when the studio loads, before the router moves on from that
 * address, and shown once.
 */
let providerError = new URLSearchParams(window.location.search).get('sign_in_error') ?? undefined;

/** Shown when the server asks who is calling: the OpenID provider's sign-in where one is configured, and a token box. */
export function SignInPage({ oidc, issuer }: { oidc: boolean; issuer: string | null }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>(providerError);
  // Shown by this page only: a sign-in page shown again later (after signing out) starts clean.
  useEffect(() => {
    providerError = undefined;
  }, []);
  const [isBusy, setBusy] = useState(false);

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signInWithToken(token.trim());
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
      setBusy(false);
    }
  }

  return (
    <section className="empty" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">Sign in to Trellis</h1>
      {oidc ? (
        <p>
          {/* A navigation, not a fetch: the server redirects the browser on to the provider. */}
          <button type="button" onClick={() => window.location.assign('/auth/login')}>
            Sign in with {issuerName(issuer)}
          </button>
        </p>
      ) : null}
      <form className="toolbar" onSubmit={(event) => void submit(event)}>
        <label className="picker">
          <span>{oidc ? 'Or with a personal access token' : 'Personal access token'}</span>
          <input
            type="password"
            aria-label="Personal access token"
            autoComplete="off"
            value={token}
            onChange={(event) => setToken(event.target.value)}
          />
        </label>
        <button type="submit" disabled={isBusy || token.trim() === ''}>
          Sign in with token
        </button>
      </form>
      <p className="muted">
        Create a token with: <code>trellis token create --name studio --expires-in 30d</code>
      </p>
      {error ? (
        <p className="inline-error" role="alert">
          {error}
        </p>
      ) : null}
    </section>
  );
}

/** The provider's host (`login.example.org`), which says more on a button than its whole issuer URL. */
function issuerName(issuer: string | null): string {
  if (!issuer) return 'your identity provider';
  return URL.canParse(issuer) ? new URL(issuer).host : issuer;
}
