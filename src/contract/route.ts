import type { z } from 'zod';

/**
 * One route of the HTTP API, declared once: its method, its path template and its schemas. The api
 * registers it (fastify validates and serializes with the schemas, the OpenAPI document shows them),
 * and the client's request and answer types are inferred from the same object.
 */

/** The methods the API answers. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What fastify takes as a route's `schema`, with zod schemas. */
export interface RouteSchema {
  tags?: string[];
  summary?: string;
  params?: z.ZodType;
  querystring?: z.ZodType;
  body?: z.ZodType;
  /** Each status's answer: a zod schema (JSON), or per content type for answers that are not JSON (a file, a log). */
  response?: Record<number, z.ZodType | ContentResponse>;
}

/** An answer that is not JSON (a file, a tar, a log, server-sent events): its schema per content type. */
export interface ContentResponse {
  description?: string;
  content: Record<string, { schema: z.ZodType }>;
}

/** A route: method, path template (fastify's `:name` segments) and schema. */
export interface Route<S extends RouteSchema = RouteSchema> {
  method: HttpMethod;
  path: string;
  schema: S;
}

/** Declares a route; the literal method and path are kept in its type. */
export function defineRoute<const M extends HttpMethod, const P extends string, const S extends RouteSchema>(
  method: M,
  path: P,
  schema: S,
): { method: M; path: P; schema: S } {
  return { method, path, schema };
}

type SuccessStatus = 200 | 201 | 202 | 204;
type Field<R extends Route, K extends 'params' | 'querystring' | 'body'> = R['schema'] extends { [key in K]: infer T extends z.ZodType }
  ? T
  : undefined;

/** The path parameters a caller gives. */
export type ParamsOf<R extends Route> = Field<R, 'params'> extends z.ZodType ? z.input<Field<R, 'params'>> : undefined;
/** The query a caller gives (before the server's defaults and coercions). */
export type QueryOf<R extends Route> = Field<R, 'querystring'> extends z.ZodType ? z.input<Field<R, 'querystring'>> : undefined;
/** The body a caller sends (before the server's defaults). */
export type BodyOf<R extends Route> = Field<R, 'body'> extends z.ZodType ? z.input<Field<R, 'body'>> : undefined;
/** What one response declares: its schema's output, or for a non-JSON answer the union over its content types. */
type AnswerOf<T> = T extends z.ZodType
  ? z.output<T>
  : T extends ContentResponse
    ? { [C in keyof T['content']]: z.output<T['content'][C]['schema']> }[keyof T['content']]
    : never;

/** What a successful call answers: the union of its 2xx responses. */
export type ResponseOf<R extends Route> = R['schema'] extends { response: infer M extends Record<number, unknown> }
  ? { [K in keyof M & SuccessStatus]: AnswerOf<M[K]> }[keyof M & SuccessStatus]
  : unknown;

/** `/a/:b/c` with `{b: 'x y'}` → `/a/x%20y/c`; a missing parameter is an error of the caller. */
export function pathOf(path: string, params: Record<string, string> | undefined): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, (_match, name: string) => {
    const value = params?.[name];
    if (value === undefined) throw new TypeError(`${path}: path parameter '${name}' is missing`);
    return encodeURIComponent(value);
  });
}
