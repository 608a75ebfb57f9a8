import { ApiError } from '../../../src/client/api-error.js';

/**
 * Calls to the MLflow API of the server the studio is served from (Trellis's own API goes through
 * the client, api/client.ts). Errors come back as `ApiError` with the
 * server's own words: Trellis answers problem+json (`detail`), MLflow routes `{error_code, message}`.
 */
export { ApiError };

export async function requestJson<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new ApiError(
      0,
      'Unreachable',
      `the Trellis server did not answer (${(error as Error).message}); is \`trellis up\` still running?`,
    );
  }
  const text = await response.text();
  const parsed = text ? parseJson(text) : undefined;
  if (!response.ok) {
    const problem = (parsed ?? {}) as { detail?: string; title?: string; message?: string; error_code?: string; code?: string };
    throw new ApiError(
      response.status,
      problem.error_code ?? problem.code ?? problem.title ?? String(response.status),
      problem.detail ?? problem.message ?? `${method} ${path} answered ${response.status}`,
    );
  }
  return parsed as T;
}

/** MLflow writes NaN and ±Infinity as bare words, which JSON.parse refuses. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return JSON.parse(text.replace(/(?<=[:,[]\s*)(-?Infinity|NaN)(?=\s*[,\]}])/g, '"$1"'), (_key, value: unknown) =>
      value === 'NaN'
        ? Number.NaN
        : value === 'Infinity'
          ? Number.POSITIVE_INFINITY
          : value === '-Infinity'
            ? Number.NEGATIVE_INFINITY
            : value,
    );
  }
}

export function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}
