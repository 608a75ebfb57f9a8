import { isTrellisError } from '../../core/errors.js';
import { objectStoreFailed } from '../artifact-errors.js';

/** What the AWS SDK says of a failed request: the HTTP status (none when the service was not reached) and the error's name or code. */
export function s3Failure(error: unknown): { status?: number; name?: string } {
  if (typeof error !== 'object' || error === null) return {};
  const metadata = '$metadata' in error && typeof error.$metadata === 'object' && error.$metadata !== null ? error.$metadata : undefined;
  const status =
    metadata && 'httpStatusCode' in metadata && typeof metadata.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined;
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  const name = code ?? ('name' in error && typeof error.name === 'string' ? error.name : undefined);
  return { ...(status === undefined ? {} : { status }), ...(name === undefined ? {} : { name }) };
}

/** The service's reason in one line: `403 InvalidAccessKeyId: The AWS Access Key Id you provided…`, `ECONNREFUSED: connect …`. */
export function s3Reason(error: unknown): string {
  const { status, name } = s3Failure(error);
  const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
  const label = [status, name === 'Error' ? undefined : name].filter((part) => part !== undefined).join(' ');
  return label === '' ? message : `${label}: ${message || 'no message'}`;
}

/**
 * Runs a request to the bucket; a failure becomes ArtifactStoreUnavailable (503) naming the store, what
 * was being done and the service's reason. TrellisErrors (a source stream's) pass through as they are.
 */
export async function s3Request<T>(store: string, doing: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    if (isTrellisError(error)) throw error;
    throw objectStoreFailed(store, doing, s3Reason(error));
  }
}
