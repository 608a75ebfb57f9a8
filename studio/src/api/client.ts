import { TrellisClient } from '../../../src/client/trellis-client.js';

/** The studio reaches the Trellis server it is served from through the same typed client as the CLI. */
export const trellis = new TrellisClient(pageOrigin());

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
