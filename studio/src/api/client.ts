import { TrellisClient } from '../../../src/client/trellis-client.js';

/** The signed-in session's CSRF token (api/session.ts sets it); none with local authentication. */
let csrfToken: string | undefined;
/** Settles once the studio knows its session (api/session.ts asks as it loads): changes wait for the CSRF token. */
let sessionKnown: Promise<void> = Promise.resolve();
const unauthenticatedListeners = new Set<() => void>();

/** Sets the token every call then sends in x-csrf-token; the server requires it on changes made with the session cookie. */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** Makes state-changing calls wait for `check` (the session check), which sets the CSRF token they send. */
export function awaitSessionBeforeChanges(check: Promise<void>): void {
  sessionKnown = check;
}

/** Hears every answer 401 (no credentials, or a session that expired or was revoked); returns the unsubscribe. */
export function onUnauthenticated(listener: () => void): () => void {
  unauthenticatedListeners.add(listener);
  return () => unauthenticatedListeners.delete(listener);
}

/** The typed client, telling the studio when the server asks who is calling. */
class StudioClient extends TrellisClient {
  override async fetch(url: URL, init: RequestInit = {}): Promise<Response> {
    // MLflow's searches are POSTs too: the first page's calls must not go out before the CSRF token is known.
    if (!['GET', 'HEAD', 'OPTIONS'].includes((init.method ?? 'GET').toUpperCase())) await sessionKnown;
    const response = await super.fetch(url, init);
    if (response.status === 401) for (const listener of unauthenticatedListeners) listener();
    return response;
  }
}

/** The studio reaches the Trellis server it is served from through the same typed client as the CLI. */
export const trellis: TrellisClient = new StudioClient(pageOrigin(), { csrfToken: () => csrfToken });

/** The origin the page was served from; typed by hand because studio tests are also checked without the DOM's types. */
function pageOrigin(): string {
  return (globalThis as { location?: { origin: string } }).location?.origin ?? 'http://localhost';
}

/** Every item of a paged Trellis list, 200 a page. */
export async function allPages<T>(
  page: (pageToken: string | undefined) => Promise<{ items: T[]; nextPageToken?: string | null }>,
): Promise<T[]> {
  const found: T[] = [];
  let pageToken: string | undefined;
  do {
    const answer = await page(pageToken);
    found.push(...answer.items);
    pageToken = answer.nextPageToken ?? undefined;
  } while (pageToken);
  return found;
}
