import { GraphQLScalarType, Kind } from 'graphql';

/** MLflow's LongString: an int64 written as a string, so JavaScript clients do not round it past 2^53. */
export const LongString = new GraphQLScalarType({
  name: 'LongString',
  description: 'Long converted to string to prevent truncation to max integer in JavaScript',
  serialize: (value) => String(value),
  parseValue: (value) => Number(value),
  parseLiteral: (node) => (node.kind === Kind.INT ? Number(node.value) : null),
});

/**
 * A metric's value for GraphQL's Float, which has no NaN: null for NaN as MLflow answers; the
 * store's spellings of NaN and the infinities ("NaN", "Infinity") are read back as numbers first.
 */
export function metricValueOf(value: unknown): number | null {
  const number = typeof value === 'string' ? Number(value) : value;
  if (typeof number !== 'number' || Number.isNaN(number)) return null;
  return number;
}
