import type { FastifyInstance, RouteHandlerMethod } from 'fastify';
import { z } from 'zod';
import { mlflowErrorSchema } from './mlflow-schemas.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';

/** A response that is not JSON (a file download): its schema per content type, as @fastify/swagger reads it. */
export interface ContentResponse {
  description: string;
  content: Record<string, { schema: z.ZodType }>;
}

/**
 * One row of an MLflow route table: an endpoint of MLflow's protos, declared once. The request
 * schema documents the fields (the query string of a GET, the body otherwise); request-fields.ts,
 * called by the handler, still validates them and refuses bad ones in MLflow's words.
 */
export interface MlflowRoute {
  /** One method, or several sharing a handler (search answers GET and POST); the first is the proto's. */
  method: Method | Method[];
  /** Under the table's base, in fastify's syntax (`:param`, a trailing `*`). */
  path: string;
  operationId: string;
  summary: string;
  params?: z.ZodObject;
  request?: z.ZodType;
  /** Content types of a body that is not JSON (artifact uploads); its `request` schema then describes the bytes. */
  consumes?: string[];
  response: z.ZodType | ContentResponse;
  /** Answers besides 200 and the errors every route has (400, 404): a download's 206 and 416. */
  otherResponses?: Record<number, z.ZodType | ContentResponse>;
  handler: RouteHandlerMethod;
}

/** Where a table is served: its base URL, whether it sits under a workspace, and whether the OpenAPI document shows it. */
export interface MlflowMount {
  base: string;
  isWorkspaced: boolean;
  /** An alias (the web UI's /ajax-api/ base) is served but left out of the document, which shows each route once. */
  isAlias: boolean;
  tags: string[];
}

const errors = { 400: mlflowErrorSchema, 404: mlflowErrorSchema };

/** Adds each row of `table` at `mount`, with its schemas, for every method it answers. */
export function registerMlflowTable(app: FastifyInstance, table: MlflowRoute[], mount: MlflowMount): void {
  for (const row of table) {
    const methods = [row.method].flat();
    const params = z.object({ ...(mount.isWorkspaced ? { workspace: z.string() } : {}), ...row.params?.shape });
    for (const method of methods) {
      const fields = row.request ? (method === 'GET' ? { querystring: row.request } : { body: row.request }) : {};
      app.route({
        method,
        url: `${mount.base}${row.path}`,
        schema: {
          hide: mount.isAlias,
          tags: mount.tags,
          summary: row.summary,
          operationId: operationIdOf(row.operationId, method === methods[0] ? '' : method, mount.isWorkspaced),
          ...(Object.keys(params.shape).length > 0 ? { params } : {}),
          ...fields,
          ...(row.consumes ? { consumes: row.consumes } : {}),
          response: { 200: row.response, ...errors, ...row.otherResponses },
        },
        handler: row.handler,
      });
    }
  }
}

/** Unique across the document: `createExperiment`, `searchExperimentsGet`, `workspaceCreateExperiment`. */
function operationIdOf(name: string, method: string, isWorkspaced: boolean): string {
  const id = `${name}${method.charAt(0)}${method.slice(1).toLowerCase()}`;
  return isWorkspaced ? `workspace${id.charAt(0).toUpperCase()}${id.slice(1)}` : id;
}
