import { useSyncExternalStore } from 'react';
import { authSessionRoutes } from '../../../src/contract/auth-session.js';
import type { ResponseOf } from '../../../src/contract/route.js';
import { awaitSessionBeforeChanges, onUnauthenticated, setCsrfToken, trellis } from './client.js';

/** What GET /auth/session answers: who is signed in, the CSRF token, whether the OpenID sign-in is offered. */
export type StudioSession = ResponseOf<typeof authSessionRoutes.get>;

/**
 * What the studio knows of who uses it: `checking` before the server answered; `open` while calls
 * go through (a session, or local authentication, which needs no sign-in); `signIn` once a call
 * answered 401 without a session, when the sign-in page shows instead of the pages.
 */
export type SessionState =
  | { status: 'checking' }
  | { status: 'open'; session: StudioSession }
  | { status: 'signIn'; session: StudioSession };

const noSession: StudioSession = { signedIn: false, oidc: false, issuer: null };
let state: SessionState = { status: 'checking' };
let isUnauthenticated = false;
const listeners = new Set<() => void>();

function update(next: SessionState): void {
  state = next;
  setCsrfToken(next.status === 'open' ? next.session.csrfToken : undefined);
  for (const listener of listeners) listener();
}

/** Asks the server about the session cookie; a 401 seen without a session means the sign-in page. */
async function refresh(): Promise<void> {
  let session: StudioSession;
  try {
    session = await trellis.call(authSessionRoutes.get);
  } catch {
    session = noSession; // a server that cannot say: the pages' own calls show what is wrong
  }
  if (session.signedIn) isUnauthenticated = false;
  update({ status: isUnauthenticated && !session.signedIn ? 'signIn' : 'open', session });
}

onUnauthenticated(() => {
  isUnauthenticated = true;
  if (state.status !== 'signIn') void refresh();
});
// Asked as the studio loads, before any page's first call: a change made with the cookie needs the CSRF token.
awaitSessionBeforeChanges(refresh());

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The session as it is now; re-renders when it changes. */
export function useSession(): SessionState {
  return useSyncExternalStore(subscribe, () => state);
}

/** Signs in with a personal access token; throws the server's ApiError (what is wrong with the token) otherwise. */
export async function signInWithToken(token: string): Promise<void> {
  const session = await trellis.call(authSessionRoutes.create, { body: { token } });
  isUnauthenticated = false;
  update({ status: 'open', session });
}

/** Revokes the session and clears its cookie; the sign-in page shows next. */
export async function signOut(): Promise<void> {
  const session = await trellis.call(authSessionRoutes.logout);
  isUnauthenticated = true;
  update({ status: 'signIn', session });
}
