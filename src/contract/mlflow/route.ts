import type { z } from 'zod';
import type { ContentResponse } from '../route.js';

/**
 * One endpoint of MLflow's REST API (its protos), declared once: the api pairs it with a handler
 * and serves it under every workspace prefix and base, the client calls it. The request schema
 * documents the fields (the query string of a GET, the body otherwise); the api's handlers still
 * validate them and refuse bad ones in MLflow's words. A table is keyed by operationId.
 */

/** The methods MLflow's routes answer. */
export type MlflowMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';

/** The REST base every MLflow route sits under, after the workspace prefix; the web UI's `/ajax-api/2.0` is an alias. */
export const mlflowApiBase = '/api/2.0';

/** One row of an MLflow route table, without its handler. */
export interface MlflowRouteSpec {
  /** One method, or several sharing a handler (search answers GET and POST); the first is the proto's. */
  method: MlflowMethod | MlflowMethod[];
  /** Under the base (`/api/2.0`), in fastify's syntax (`:param`, a trailing `*`). */
  path: string;
  summary: string;
  params?: z.ZodObject;
  request?: z.ZodType;
  /** Content types of a body that is not JSON (artifact uploads); its `request` schema then describes the bytes. */
  consumes?: string[];
  response: z.ZodType | ContentResponse;
  /** Answers besides 200 and the errors every route has (400, 404): a download's 206 and 416. */
  otherResponses?: Record<number, z.ZodType | ContentResponse>;
}

/** A table of MLflow routes keyed by operationId, in the order the api registers them. */
export type MlflowTable = Record<string, MlflowRouteSpec>;

/** The fields a caller sends: the query of a GET, the body otherwise. */
export type MlflowRequestOf<R extends MlflowRouteSpec> = R extends { request: infer T extends z.ZodType } ? z.input<T> : undefined;

/** The path parameters a caller gives (`*` for a trailing wildcard). */
export type MlflowParamsOf<R extends MlflowRouteSpec> = R extends { params: infer T extends z.ZodObject } ? z.input<T> : undefined;

/** What a successful call answers: the 200 response's output (unknown for a file download). */
export type MlflowResponseOf<R extends MlflowRouteSpec> = R extends { response: infer T extends z.ZodType } ? z.output<T> : unknown;
