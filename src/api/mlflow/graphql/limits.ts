import { type DocumentNode, Kind, type SelectionSetNode } from 'graphql';

/**
 * MLflow's guard against batched and runaway GraphQL queries (mlflow/server/graphql/graphql_no_batching.py),
 * checked on the parsed query before it runs: the same counts, the same limits and the same messages.
 */
export interface GraphqlLimits {
  /** MLFLOW_SERVER_GRAPHQL_MAX_ROOT_FIELDS: fields at the top of all operations and fragments together. */
  maxRootFields: number;
  /** MLFLOW_SERVER_GRAPHQL_MAX_ALIASES: aliased fields in any one selection set. */
  maxAliases: number;
}

/** Fixed in MLflow, not configurable. */
export const maxDepth = 10;
export const maxSelections = 1000;

const rootFieldsVariable = 'MLFLOW_SERVER_GRAPHQL_MAX_ROOT_FIELDS';
const aliasesVariable = 'MLFLOW_SERVER_GRAPHQL_MAX_ALIASES';

/** The query's shape: root fields, and the most aliases in one selection set. Throws past the depth or selection limit. */
interface QueryShape {
  rootFields: number;
  maxAliases: number;
}

class QueryTooLarge extends Error {}

/** Walks every selection set depth first (fields only, as MLflow does), counting as it goes. */
function scanQuery(document: DocumentNode): QueryShape {
  let rootFields = 0;
  let maxAliases = 0;
  let selections = 0;
  for (const definition of document.definitions) {
    if (!('selectionSet' in definition) || !definition.selectionSet) continue;
    const stack: Array<{ set: SelectionSetNode; depth: number }> = [{ set: definition.selectionSet, depth: 1 }];
    for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
      const { set, depth } = next;
      if (depth > maxDepth) throw new QueryTooLarge(`Query exceeds maximum depth of ${maxDepth}`);
      let aliases = 0;
      for (const selection of set.selections) {
        if (selection.kind !== Kind.FIELD) continue;
        if (depth === 1) rootFields += 1;
        if (selection.alias) aliases += 1;
        if (selection.selectionSet) stack.push({ set: selection.selectionSet, depth: depth + 1 });
        selections += 1;
        if (selections > maxSelections) throw new QueryTooLarge(`Query exceeds maximum total selections of ${maxSelections}`);
      }
      maxAliases = Math.max(maxAliases, aliases);
    }
  }
  return { rootFields, maxAliases };
}

/** MLflow's message for a query over a limit, or undefined when the query may run. */
export function queryLimitViolation(document: DocumentNode, limits: GraphqlLimits): string | undefined {
  let shape: QueryShape;
  try {
    shape = scanQuery(document);
  } catch (error) {
    if (error instanceof QueryTooLarge) return error.message;
    throw error;
  }
  const over =
    shape.rootFields > limits.maxRootFields
      ? { what: 'root fields', limit: limits.maxRootFields, value: shape.rootFields, variable: rootFieldsVariable }
      : shape.maxAliases > limits.maxAliases
        ? { what: 'aliases', limit: limits.maxAliases, value: shape.maxAliases, variable: aliasesVariable }
        : undefined;
  if (!over) return undefined;
  return (
    `GraphQL queries should have at most ${over.limit} ${over.what}, got ${over.value} ${over.what}. ` +
    `To increase the limit, set the ${over.variable} environment variable.`
  );
}
