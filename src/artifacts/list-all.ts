import type { ArtifactListItem, ArtifactStore } from './artifact-store.js';

/** Every item of a listing, following continuation tokens page after page. */
export async function listAll(store: ArtifactStore, prefix: string, options: { recursive?: boolean } = {}): Promise<ArtifactListItem[]> {
  const items: ArtifactListItem[] = [];
  let continuationToken: string | undefined;
  do {
    const page = await store.list(prefix, { ...options, ...(continuationToken ? { continuationToken } : {}) });
    items.push(...page.items);
    continuationToken = page.continuationToken;
  } while (continuationToken);
  return items;
}
