/**
 * Telling a local path (uploaded by the client) from a remote reference (recorded, never
 * fetched) in the `path`-like fields of Azure ML files.
 */

// Schemes without `//` that Azure ML and MLflow use for references: `azureml:name:version`,
// `azureml:name@latest`, `runs:/<run>/model`, `models:/<name>/<version>`.
const opaqueSchemes = new Set(['azureml', 'runs', 'models']);

/**
 * The scheme of a remote reference, lower-cased (`https`, `wasbs`, `abfss`, `azureml`, ...),
 * or undefined for a local path. One-letter schemes are Windows drives (`C:\data`), and
 * `file:` URLs name local files.
 */
export function remoteScheme(value: string): string | undefined {
  const match = /^([A-Za-z][A-Za-z0-9+.-]+):(\/\/)?/.exec(value.trim());
  if (!match?.[1]) return undefined;
  const scheme = match[1].toLowerCase();
  if (scheme === 'file') return undefined;
  if (match[2] || opaqueSchemes.has(scheme)) return scheme;
  return undefined;
}

/** True for URIs and asset references such as https://..., wasbs://..., azureml://..., azureml:name:1. */
export function isRemotePath(value: string): boolean {
  return remoteScheme(value) !== undefined;
}

/** True for a non-empty path on the client's disk, relative to the YAML file's folder or absolute. */
export function isLocalPath(value: string): boolean {
  return value.trim() !== '' && !isRemotePath(value);
}
