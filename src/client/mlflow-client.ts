import type { MlflowParamsOf, MlflowRequestOf, MlflowResponseOf, MlflowRouteSpec } from '../contract/mlflow/route.js';
import { mlflowApiBase } from '../contract/mlflow/route.js';
import { pathOf } from '../contract/route.js';
import { ApiError } from './api-error.js';
import { type HttpClient, problemOf, type QueryValues, safeJson } from './http-client.js';

/** No fields: what an object whose fields are all optional extends. */
type NoFields = Record<never, never>;

/** What a call of `route` takes: its fields (optional when none is required), then its path parameters if it has any. */
export type MlflowCallArgs<R extends MlflowRouteSpec> = [MlflowParamsOf<R>] extends [undefined]
  ? NoFields extends NonNullable<MlflowRequestOf<R>>
    ? [fields?: MlflowRequestOf<R>]
    : [fields: MlflowRequestOf<R>]
  : [fields: MlflowRequestOf<R> | undefined, params: MlflowParamsOf<R>];

/** Where a workspace's MLflow API answers: the server root for the default one (no name), `/workspaces/{ws}/mlflow` for a named one. */
export function mlflowPrefixOf(workspace?: string): string {
  return workspace === undefined ? '' : `/workspaces/${encodeURIComponent(workspace)}/mlflow`;
}

/**
 * Calls one workspace's MLflow REST API over a Trellis client's connection, with the routes of
 * src/contract/mlflow: arguments and answers are typed by the route's schemas. A GET sends its
 * fields as the query, any other method as a JSON body; `{error_code, message}` becomes an ApiError.
 */
export class MlflowClient {
  /** `workspace` undefined: the default workspace, at the server root. */
  constructor(
    private readonly http: HttpClient,
    readonly workspace?: string,
  ) {}

  /** The URL path of a route (under this workspace's prefix and the REST base), its parameters filled in. */
  pathOf(route: MlflowRouteSpec, params?: Record<string, string>): string {
    const wildcard = params?.['*'];
    const path = route.path.endsWith('*') && wildcard !== undefined ? `${route.path.slice(0, -1)}${encodePath(wildcard)}` : route.path;
    return `${mlflowPrefixOf(this.workspace)}${mlflowApiBase}${pathOf(path, params)}`;
  }

  /** Calls a route with the proto's method (a row's first); resolves to its 200 answer. */
  async call<R extends MlflowRouteSpec>(route: R, ...[fields, params]: MlflowCallArgs<R>): Promise<MlflowResponseOf<R>> {
    const method = [route.method].flat()[0] ?? 'GET';
    const path = this.pathOf(route, params as Record<string, string> | undefined);
    // As the api registers it: a GET's fields are its query, any other method's its body.
    const isQuery = method === 'GET';
    const url = this.http.urlOf(path, isQuery ? ((fields ?? {}) as QueryValues) : {});
    const hasBody = !isQuery && fields !== undefined;
    const response = await this.http.fetch(url, {
      method,
      headers: hasBody ? { accept: 'application/json', 'content-type': 'application/json' } : { accept: 'application/json' },
      ...(hasBody ? { body: JSON.stringify(fields) } : {}),
    });
    const text = await response.text();
    if (!response.ok) throw mlflowErrorOf(response, text, `${method} ${path}`);
    return (text.length > 0 ? safeJson(text) : undefined) as MlflowResponseOf<R>;
  }
}

/** The ApiError of a failed MLflow answer: MLflow's `error_code` and `message`, or a Trellis problem+json. */
export function mlflowErrorOf(response: Response, text: string, call: string): ApiError {
  const parsed = safeJson(text);
  const error = (parsed ?? {}) as { error_code?: unknown; message?: unknown };
  if (typeof error.error_code !== 'string') return problemOf(response, text, parsed);
  const message = typeof error.message === 'string' && error.message !== '' ? error.message : `${call} answered ${response.status}`;
  return new ApiError(response.status, error.error_code, message);
}

/** An artifact path as URL segments: each encoded, the slashes kept. */
function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}
