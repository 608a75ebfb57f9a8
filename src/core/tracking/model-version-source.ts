import type { TrellisError } from '../errors.js';
import { mlflowError } from './mlflow-error.js';

/**
 * The `source` of a model version and the URIs it may be: `runs:/<run>/<path>`, `models:/<name>/<version
 * | stage | latest>`, `models:/<name>@<alias>`, `models:/<model id>`, `mlflow-artifacts:/...`, a local
 * path, or any other URI. Pure parsing and the checks of MLflow's create-model-version handler
 * (mlflow/server/handlers.py) that need no lookups.
 */

/** urllib.parse.urlparse, as far as the registry needs it: scheme (lower case), netloc, path. */
export function parseUri(uri: string): { scheme: string; netloc: string; path: string } {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri);
  let rest = scheme ? uri.slice(scheme[0].length) : uri;
  let netloc = '';
  if (rest.startsWith('//')) {
    const end = rest.slice(2).search(/[/?#]/);
    netloc = end === -1 ? rest.slice(2) : rest.slice(2, 2 + end);
    rest = end === -1 ? '' : rest.slice(2 + end);
  }
  const path = rest.split(/[?#]/, 1)[0] ?? '';
  return { scheme: scheme ? scheme[1]!.toLowerCase() : '', netloc, path };
}

export interface ParsedModelUri {
  modelId?: string;
  name?: string;
  version?: string;
  stage?: string;
  alias?: string;
}

/**
 * A `models:/` URI as MLflow's _parse_model_uri reads it: a logged model id, a name with a version,
 * stage or 'latest' (neither: the latest of all), or a name with an alias; undefined when malformed.
 */
export function parseModelUri(uri: string): ParsedModelUri | undefined {
  const { scheme, path } = parseUri(uri);
  if (scheme !== 'models' || !path.startsWith('/') || path.length <= 1) return undefined;
  const parts = path.replace(/^\/+/, '').split('/');
  if (parts.length > 2 || parts[0]!.trim() === '') return undefined;
  if (parts.length === 2) {
    const [name, suffix] = parts as [string, string];
    if (suffix.trim() === '') return undefined;
    if (/^\d+$/.test(suffix)) return { name, version: suffix };
    if (suffix.toLowerCase() === 'latest') return { name };
    return { name, stage: suffix };
  }
  if (path.includes('@')) {
    const at = parts[0]!.lastIndexOf('@');
    const alias = parts[0]!.slice(at + 1);
    if (at === -1 || alias.trim() === '') return undefined;
    return { name: parts[0]!.slice(0, at), alias };
  }
  return { modelId: parts[0]! };
}

/** `runs:/<run id>/<path>`: the run and the path under its artifact root; undefined when malformed. */
export function parseRunsUri(uri: string): { runId: string; path: string } | undefined {
  const { scheme, path } = parseUri(uri);
  if (scheme !== 'runs' || !path.startsWith('/') || path.length <= 1) return undefined;
  const [runId = '', ...rest] = path.slice(1).split('/');
  if (runId === '') return undefined;
  return { runId, path: rest.join('/') };
}

/** A local file path (`/models/x`, `model`, `file:///x`): MLflow's is_local_uri. */
export function isLocalUri(uri: string): boolean {
  const { scheme, netloc } = parseUri(uri);
  if (scheme === '') return true;
  if (scheme !== 'file') return false;
  const host = netloc.replace(/^[^@]*@/, '').replace(/:\d+$/, '');
  return host === '' || host === '.' || host.startsWith('localhost') || host.startsWith('127.0.0.1');
}

/** A URI of the artifact proxy: `mlflow-artifacts:` or an http(s) URL through `/api/2.0/mlflow-artifacts/artifacts`. */
export function isMlflowArtifactSource(source: string): boolean {
  const { scheme, path } = parseUri(source);
  if (scheme === 'mlflow-artifacts') return true;
  if (scheme !== 'http' && scheme !== 'https') return false;
  return /(^|\/)api\/2\.0\/mlflow-artifacts\/artifacts(\/|$)/.test(pathParts(path).join('/'));
}

/**
 * Whether a source tries to reach outside where it says it is: '..' segments, NUL, or a path that
 * is not already normal, also after percent-decoding ('%2e%2e%2f').
 */
export function hasRelativePathReferences(source: string): boolean {
  let decoded = source;
  for (let next = unquotePlus(decoded); next !== decoded; next = unquotePlus(decoded)) decoded = next;
  const path = parseUri(decoded).path.replace(/\/+$/, '').replaceAll(/\/+/g, '/');
  if (path.includes('\0') || decoded.split('/').some((part) => part === '..')) return true;
  // pathlib's resolve() makes a relative path absolute, so only an absolute, normal path survives.
  if (!path.startsWith('/')) return true;
  return path.split('/').some((part) => part === '.');
}

/** Whether `source` lies under `root`: same scheme and authority, and the root's path segments as a prefix. */
export function isUriWithinRoot(source: string, root: string): boolean {
  const a = parseUri(source);
  const b = parseUri(root);
  const sourceParts = pathParts(a.path);
  const rootParts = pathParts(b.path);
  return (
    a.scheme === b.scheme &&
    a.netloc.toLowerCase() === b.netloc.toLowerCase() &&
    rootParts.length > 0 &&
    rootParts.every((part, index) => sourceParts[index] === part)
  );
}

/** The error MLflow answers a source with that the run_id or model_id of the request does not contain. */
export function sourceNotInRequestError(source: string, idName: 'run_id' | 'model_id'): TrellisError {
  return mlflowError(
    'INVALID_PARAMETER_VALUE',
    `Invalid model version source: '${source}'. The ${idName} request parameter must identify the resource that contains the source.`,
  );
}

export function localSourceError(source: string, idName: 'run_id' | 'model_id'): TrellisError {
  const owner = idName === 'run_id' ? 'run_id' : 'model_id';
  return mlflowError(
    'INVALID_PARAMETER_VALUE',
    `Invalid model version source: '${source}'. To use a local path as a model version source, the ${owner} request parameter has to be specified and the local path has to be contained within the artifact directory of the run specified by the ${owner}.`,
  );
}

export function relativeSourceError(source: string): TrellisError {
  return mlflowError(
    'INVALID_PARAMETER_VALUE',
    `Invalid model version source: '${source}'. If supplying a source as an http, https, local file path, ftp, objectstore, or mlflow-artifacts uri, an absolute path must be provided without relative path references present. Please provide an absolute path.`,
  );
}

function pathParts(path: string): string[] {
  return path
    .split('/')
    .filter((part) => part !== '')
    .map(unquoteFully);
}

function unquoteFully(value: string): string {
  let current = value;
  for (let next = unquote(current); next !== current; next = unquote(current)) current = next;
  return current;
}

function unquote(value: string): string {
  return value.replace(/(%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      // Not valid UTF-8 percent-encoding: kept as written rather than failing the whole source.
      return run;
    }
  });
}

function unquotePlus(value: string): string {
  return unquote(value.replaceAll('+', ' '));
}
