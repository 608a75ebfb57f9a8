import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { type DocumentNode, execute, GraphQLError, parse, validate } from 'graphql';
import type { z } from 'zod';
import { mlflowGraphqlPath, mlflowGraphqlRequest, mlflowGraphqlResponse } from '../../../contract/mlflow/graphql.js';
import { TrellisError } from '../../../core/errors.js';
import { ml } from '../../../core/identity/route-access.js';
import { requireAction } from '../../auth/auth-hooks.js';
import type { RouteOptions } from '../../route-options.js';
import { workspaceOf } from '../workspace-of.js';
import { maxDepth, queryLimitViolation } from './limits.js';
import { mlflowGraphqlResolvers } from './resolvers.js';
import { buildMlflowSchema } from './schema.js';
import type { GraphqlContext } from './types.js';

type Answer = z.infer<typeof mlflowGraphqlResponse>;

/** Where MLflow clients find a workspace, as for the REST routes: the default at the root, others under /workspaces/{ws}/mlflow. */
const prefixes = ['', '/workspaces/:workspace/mlflow'];

/**
 * MLflow's GraphQL endpoint: the query is parsed, held to MLflow's limits (before it is validated,
 * as MLflow does), validated against MLflow's schema and run. Every answer is 200 with `data` and
 * `errors` (a list of messages, or null), as MLflow's handler writes them.
 */
export const mlflowGraphqlRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { context, config, access }) => {
  const schema = buildMlflowSchema(mlflowGraphqlResolvers(context));

  const answer = async (request: FastifyRequest, fields: z.infer<typeof mlflowGraphqlRequest>): Promise<Answer> => {
    let document: DocumentNode;
    try {
      document = parse(fields.query);
    } catch (error) {
      if (error instanceof GraphQLError) return { data: null, errors: [error.message] };
      // The parser recurses once per level: thousands of nested braces or brackets overflow the stack, far past any limit.
      if (error instanceof RangeError) return { data: null, errors: [`Query exceeds maximum depth of ${maxDepth}`] };
      throw error;
    }
    const violation = queryLimitViolation(document, config.mlflowGraphql);
    if (violation) return { data: null, errors: [violation] };
    const invalid = validate(schema, document);
    if (invalid.length > 0) return { data: null, errors: invalid.map((error) => error.message) };
    const workspace = workspaceOf(request);
    const contextValue: GraphqlContext = {
      workspace,
      requireAction: (action) => requireAction(request, access, `${ml}/${action}`, `/workspaces/${workspace}`),
    };
    const result = await execute({
      schema,
      document,
      contextValue,
      operationName: fields.operationName ?? null,
      variableValues: variablesOf(fields.variables),
    });
    for (const error of result.errors ?? []) logUnexpected(request, error);
    return { data: result.data ?? null, errors: result.errors ? result.errors.map((error) => error.message) : null };
  };

  for (const prefix of prefixes) {
    const summary = 'MLflow GraphQL query (the MLflow web UI)';
    const response = { 200: mlflowGraphqlResponse };
    app.post(`${prefix}${mlflowGraphqlPath}`, { schema: { tags: ['MLflow'], summary, body: mlflowGraphqlRequest, response } }, (request) =>
      answer(request, request.body),
    );
    app.get(
      `${prefix}${mlflowGraphqlPath}`,
      { schema: { tags: ['MLflow'], summary, querystring: mlflowGraphqlRequest, response } },
      (request) => answer(request, request.query),
    );
  }
};

/** The variables of a POST (an object) or a GET (its JSON text). */
function variablesOf(variables: Record<string, unknown> | string | null | undefined): Record<string, unknown> | undefined {
  if (typeof variables !== 'string') return variables ?? undefined;
  try {
    const parsed: unknown = JSON.parse(variables);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return Object.fromEntries(Object.entries(parsed));
  } catch (error) {
    throw new TrellisError('InvalidRequest', 400, `variables must be a JSON object: ${(error as Error).message}`);
  }
  throw new TrellisError('InvalidRequest', 400, 'variables must be a JSON object');
}

/** A resolver error that is not one of Trellis's (a bug) goes to the log; its message still reaches the client, as in MLflow. */
function logUnexpected(request: FastifyRequest, error: GraphQLError): void {
  if (error.originalError && !(error.originalError instanceof TrellisError))
    request.log.error({ err: error.originalError, path: error.path }, 'GraphQL resolver failed');
}
