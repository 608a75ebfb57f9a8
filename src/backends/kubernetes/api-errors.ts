import { ApiException } from '@kubernetes/client-node';
import { TrellisError } from '../../core/errors.js';

/** The HTTP status of a Kubernetes API answer that failed; undefined when the server was not reached. */
export function statusOf(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

/**
 * A TrellisError that says what failed and what the API server said, without the client's stack.
 * `permissions` completes the hint on 401/403: "the kubeconfig user may <permissions> in the namespace".
 */
export function kubernetesApiError(error: unknown, what: string, permissions: string): TrellisError {
  if (error instanceof ApiException) {
    const detail = messageOf(error.body);
    const hint = error.code === 401 || error.code === 403 ? `; check that the kubeconfig user may ${permissions} in the namespace` : '';
    return new TrellisError(
      'ComputeBackendError',
      502,
      `could not ${what}: the Kubernetes API answered ${error.code}${detail ? ` (${detail})` : ''}${hint}`,
      { cause: error },
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new TrellisError(
    'ComputeUnreachable',
    503,
    `could not ${what}: the Kubernetes API server is unreachable (${message}); check the compute's kubeconfig`,
    { cause: error },
  );
}

/** The `message` of a Kubernetes Status body, whether the client parsed it or not. */
function messageOf(body: unknown): string | undefined {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      // Not JSON (a proxy's HTML or text page): its start is the message.
      return body.slice(0, 300) || undefined;
    }
  }
  if (parsed && typeof parsed === 'object' && 'message' in parsed && typeof parsed.message === 'string') return parsed.message;
  return undefined;
}
