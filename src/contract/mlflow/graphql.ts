import { z } from 'zod';

/**
 * MLflow's GraphQL endpoint (the web UI's run page, charts and artifact browser): POST a query,
 * or GET with the same fields in the query string. Served at `/graphql` for the default workspace
 * and `/workspaces/{ws}/mlflow/graphql` for others, where MLflow's Flask server has `/graphql`.
 */
export const mlflowGraphqlPath = '/graphql';

export const mlflowGraphqlRequest = z.object({
  query: z.string().describe('The GraphQL document; its queries are limited in root fields, aliases, depth and size as MLflow limits them'),
  operationName: z.string().nullish(),
  /** A JSON object; in a GET's query string, its JSON text. */
  variables: z.union([z.record(z.string(), z.unknown()), z.string()]).nullish(),
});

/** Always 200, as MLflow answers: errors (a query over a limit, an unknown field, a failed lookup) are messages in `errors`. */
export const mlflowGraphqlResponse = z.object({
  data: z.record(z.string(), z.unknown()).nullable(),
  errors: z.array(z.string()).nullable(),
});
