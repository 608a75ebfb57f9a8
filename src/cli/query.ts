import { compile, search, type JSONValue } from '@jmespath-community/jmespath';
import { ApiError } from '../client/api-error.js';

/**
 * `--query`: a JMESPath expression over what the command prints with `-o json`, as `az --query`
 * takes it (`--query provisioning_state`, `--query "[].name"`).
 */

/** Checks the expression before the command does anything; a bad one is a 400 that names --query. */
export function checkQuery(expression: string): void {
  try {
    compile(expression);
  } catch (error) {
    throw invalidQuery(expression, error);
  }
}

/** The part of `data` (plain JSON) the expression selects; null when it selects nothing. */
export function applyQuery(data: unknown, expression: string): unknown {
  // What -o json would print: the same value with undefined fields dropped.
  const json = data === undefined ? null : (JSON.parse(JSON.stringify(data)) as JSONValue);
  try {
    return search(json, expression);
  } catch (error) {
    throw invalidQuery(expression, error);
  }
}

function invalidQuery(expression: string, error: unknown): ApiError {
  return new ApiError(
    400,
    'InvalidQuery',
    `--query '${expression}' is not a JMESPath expression the output can answer (${(error as Error).message}); write e.g. --query provisioning_state or --query "[].name"`,
  );
}
