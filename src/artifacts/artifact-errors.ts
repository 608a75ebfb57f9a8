import { TrellisError } from '../core/errors.js';

/**
 * The errors every ArtifactStore throws, built in one place so the local and Azure Blob
 * backends say the same thing with the same code and status.
 */

/** 404: `what` is e.g. `artifact 'outputs/model.pkl'` or `content sha256:…`. */
export function artifactNotFound(what: string): TrellisError {
  return new TrellisError('ArtifactNotFound', 404, `${what} does not exist in the artifact store`);
}

/** 413: the stream went past `maxBytes`; the upload was stopped and nothing was stored. */
export function artifactTooLarge(maxBytes: number): TrellisError {
  return new TrellisError(
    'ArtifactTooLarge',
    413,
    `the upload is larger than the limit of ${maxBytes} bytes; nothing was stored — upload a smaller file or raise the limit`,
    { details: { maxBytes } },
  );
}

/** 400: the bytes received do not hash to the digest the caller promised. */
export function digestMismatch(expected: string, actual: string): TrellisError {
  return new TrellisError(
    'DigestMismatch',
    400,
    `the upload hashes to ${actual}, not the expected ${expected}; nothing was stored — the file changed or was corrupted in transit, upload it again`,
    { details: { expected, actual } },
  );
}

/** 400: a digest string that is not `sha256:<64 lowercase hex>`. */
export function invalidDigest(digest: string, problem: string): TrellisError {
  return new TrellisError(
    'InvalidDigest',
    400,
    `digest ${JSON.stringify(digest)} ${problem}; digests look like sha256:<64 lowercase hex digits>`,
  );
}

/** 409: the backend cannot hold a file and a folder of the same name (a filesystem cannot). */
export function artifactPathConflict(path: string): TrellisError {
  return new TrellisError(
    'ArtifactPathConflict',
    409,
    `artifact path '${path}' clashes with an existing artifact: one of its folders is a file, or it is itself a folder; choose another path`,
  );
}

/** 400: a list limit or continuation token the store cannot use. */
export function invalidListOptions(message: string): TrellisError {
  return new TrellisError('InvalidListOptions', 400, message);
}

/** 400 for a malformed range, 416 for a range that starts past the end of the object. */
export function invalidRange(message: string, size?: number): TrellisError {
  return size === undefined
    ? new TrellisError('InvalidRange', 400, message)
    : new TrellisError('RangeNotSatisfiable', 416, message, { details: { size } });
}

/** 400: a path valid in itself whose key, with the store's prefix, is longer than the object store allows. */
export function artifactKeyTooLong(path: string, keyBytes: number, limit: number): TrellisError {
  const shown = path.length > 120 ? `${path.slice(0, 120)}…` : path;
  return new TrellisError(
    'InvalidArtifactPath',
    400,
    `artifact path ${JSON.stringify(shown)} makes an object key of ${keyBytes} bytes with the store's prefix; the object store takes at most ${limit} — use a shorter path`,
    { details: { problem: 'too long for the object store' } },
  );
}

/**
 * 409: another upload of the same path finished while this one was sent, and the object store dropped
 * this one's parts (Azure discards blocks staged for a blob when another block list is committed).
 */
export function artifactWriteConflict(path: string): TrellisError {
  return new TrellisError(
    'ArtifactWriteConflict',
    409,
    `another upload of artifact '${path}' finished while this one was being sent; nothing of this one was stored — upload it again if it should replace that one`,
  );
}

/**
 * 503: the object store behind the artifacts (`store` names it and its URL, never a credential) could
 * not be reached or refused a request while `doing` something; `reason` is the service's own.
 */
export function objectStoreFailed(store: string, doing: string, reason: string): TrellisError {
  return new TrellisError(
    'ArtifactStoreUnavailable',
    503,
    `the artifact store (${store}) failed while ${doing}: ${reason}; check that it is reachable and that Trellis's credentials for it are valid, then try again`,
    { details: { store, doing, reason } },
  );
}
