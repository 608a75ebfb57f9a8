/** A path in a datastore, from `azureml://datastores/<name>/paths/<path>`. */
export interface DatastorePath {
  datastore: string;
  /** Relative, '/'-separated, without a leading '/'; '' is the datastore's root. A trailing '/' is kept (a folder). */
  path: string;
}

// The short form, and the long one Azure ML also writes (azureml://subscriptions/<s>/resourcegroups/<rg>/workspaces/<ws>/datastores/...).
const datastoreUri =
  /^azureml:\/\/(?:subscriptions\/[^/]+\/resource[gG]roups\/[^/]+\/workspaces\/[^/]+\/)?datastores\/([^/]+)\/paths\/?(.*)$/;

/** True for `azureml://datastores/...` URIs (short or long form). */
export function isDatastoreUri(value: string): boolean {
  return /^azureml:\/\/(subscriptions\/[^/]+\/resource[gG]roups\/[^/]+\/workspaces\/[^/]+\/)?datastores\//.test(value);
}

/**
 * Parses `azureml://datastores/<name>/paths/<path>`; returns a message saying what is wrong when the
 * URI is not of that form or its path leaves the datastore ('..').
 */
export function parseDatastoreUri(uri: string): DatastorePath | { problem: string } {
  const match = datastoreUri.exec(uri);
  if (!match) return { problem: `'${uri}' is not of the form azureml://datastores/<datastore>/paths/<path>` };
  const datastore = decodeURIComponent(match[1]!);
  const path = decodeURIComponent(match[2] ?? '').replace(/^\/+/, '');
  const segments = path.split('/').filter((segment) => segment !== '');
  if (segments.some((segment) => segment === '..' || segment === '.'))
    return { problem: `'${uri}': a datastore path may not contain '.' or '..' segments` };
  return { datastore, path };
}

/** Formats a datastore path back into its URI. */
export function formatDatastoreUri(target: DatastorePath): string {
  return `azureml://datastores/${target.datastore}/paths/${target.path}`;
}
