import type { FastifyInstance, RouteHandlerMethod } from 'fastify';
import { z } from 'zod';
import type { MlflowRouteSpec, MlflowTable } from '../../contract/mlflow/route.js';
import { mlflowErrorSchema } from '../../contract/mlflow/schemas.js';

/**
 * One row of an MLflow route table as the api serves it: the contract's row (src/contract/mlflow),
 * its operationId (the row's key there) and its handler. The handler validates the fields with
 * request-fields.ts and refuses bad ones in MLflow's words.
 */
export interface MlflowRoute extends MlflowRouteSpec {
  operationId: string;
  handler: RouteHandlerMethod;
}

/** A handler for every row of a contract table, keyed by the same operationIds. */
export type MlflowHandlers<T extends MlflowTable> = { [K in keyof T]: RouteHandlerMethod };

/** The contract's rows, in their order, each with its handler. */
export function withHandlers<T extends MlflowTable>(table: T, handlers: MlflowHandlers<T>): MlflowRoute[] {
  return Object.entries(table).map(([operationId, row]) => ({ ...row, operationId, handler: handlers[operationId as keyof T] }));
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
