import { isTrellisError } from '../../core/errors.js';
import { objectStoreFailed } from '../artifact-errors.js';

/** What Azure's SDK says of a failed request: the HTTP status (none when the service was not reached) and its error code. */
export function azureFailure(error: unknown): { status?: number; code?: string } {
  if (typeof error !== 'object' || error === null) return {};
  const status = 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : undefined;
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  return { ...(status === undefined ? {} : { status }), ...(code === undefined ? {} : { code }) };
}

/** The service's reason in one line: `403 AuthenticationFailed: Server failed to authenticate the request…`, `ECONNREFUSED: connect …`. */
export function azureReason(error: unknown): string {
  const { status, code } = azureFailure(error);
  const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
  const label = [status, code].filter((part) => part !== undefined).join(' ');
  return label === '' ? message : `${label}: ${message}`;
}

/**
 * Runs a request to the store; a failure becomes ArtifactStoreUnavailable (503) naming the store, what
 * was being done and the service's reason. TrellisErrors (a source stream's) pass through as they are.
 */
export async function azureRequest<T>(store: string, doing: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    if (isTrellisError(error)) throw error;
    throw objectStoreFailed(store, doing, azureReason(error));
  }
}
