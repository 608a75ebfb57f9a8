import { TrellisError } from '../core/errors.js';

/**
 * Artifact keys are relative, '/'-separated paths ("outputs/model.pkl"). The same key must mean
 * the same object on a filesystem and in Azure Blob, so anything a filesystem would interpret
 * (.., absolute paths, drive letters, backslashes) or silently rewrite is refused, not fixed.
 */

/** Longest key, in characters: Azure Blob names stop at 1024. */
export const MAX_ARTIFACT_PATH_LENGTH = 1024;
/** Longest segment, in UTF-8 bytes: most filesystems refuse longer file names (NAME_MAX). */
export const MAX_ARTIFACT_SEGMENT_BYTES = 255;

const allowed = "use a relative path of '/'-separated names, like 'outputs/model.pkl'";

/** Says what is wrong with `path` as an artifact key, or returns undefined when it is valid. */
export function artifactPathProblem(path: string): string | undefined {
  if (typeof path !== 'string') return 'is not a string';
  if (path.length === 0) return 'is empty';
  if (path.length > MAX_ARTIFACT_PATH_LENGTH) {
    return `is ${path.length} characters long; the limit is ${MAX_ARTIFACT_PATH_LENGTH}`;
  }
  // C0 and C1 controls: NUL truncates paths in C APIs, newlines forge log lines and listings.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point of this check.
  if (/[\u0000-\u001f\u007f-\u009f]/.test(path)) return 'contains a control character (NUL, tab, newline, ...)';
  // A lone surrogate has no UTF-8 form: two different keys would land on the same file name.
  if (/\p{Cs}/u.test(path)) return 'contains an unpaired UTF-16 surrogate';
  if (path.includes('\\')) return "contains a backslash; separate folders with '/'";
  if (path.startsWith('/')) return "is absolute (starts with '/')";
  if (/^[A-Za-z]:/.test(path)) return `starts with a drive letter ('${path.slice(0, 2)}')`;
  for (const segment of path.split('/')) {
    if (segment === '') return "has an empty segment ('//' or a trailing '/')";
    if (segment === '.' || segment === '..') return `has a '${segment}' segment`;
    if (Buffer.byteLength(segment) > MAX_ARTIFACT_SEGMENT_BYTES) {
      return `has a segment longer than ${MAX_ARTIFACT_SEGMENT_BYTES} bytes`;
    }
  }
  return undefined;
}

/** Returns `path` unchanged when it is a valid artifact key; throws InvalidArtifactPath (400) otherwise. */
export function validateArtifactPath(path: string): string {
  const problem = artifactPathProblem(path);
  if (problem !== undefined) throw invalidArtifactPath(path, problem);
  return path;
}

/**
 * Validates a folder prefix for listing: '' is the root, and one trailing '/' is accepted and
 * dropped ('runs/1/' and 'runs/1' both mean the folder runs/1). Throws InvalidArtifactPath.
 */
export function validateArtifactPrefix(prefix: string): string {
  if (prefix === '') return '';
  const folder = typeof prefix === 'string' && prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  const problem = artifactPathProblem(folder);
  if (problem !== undefined) throw invalidArtifactPath(prefix, problem);
  return folder;
}

/**
 * Orders keys by their UTF-8 bytes, the order S3 and Azure Blob list in, so every backend pages
 * the same way (JavaScript's default sort compares UTF-16 units, which differs above U+FFFF).
 */
export function compareArtifactPaths(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function invalidArtifactPath(path: unknown, problem: string): TrellisError {
  const shown = typeof path === 'string' && path.length > 120 ? `${path.slice(0, 120)}…` : path;
  return new TrellisError('InvalidArtifactPath', 400, `artifact path ${JSON.stringify(shown)} ${problem}; ${allowed}`, {
    details: { problem },
  });
}
