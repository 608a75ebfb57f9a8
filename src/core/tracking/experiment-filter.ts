/**
 * The filter and order_by languages of experiments/search (SearchExperimentsUtils in
 * mlflow/utils/search_utils.py): `name LIKE 'fraud-%' AND tags.team = 'risk'`.
 * As in MLflow, the only prefixes are attribute, tag and tags (not attributes or attr).
 */
import { type OrderBy, parseOrderByClauses } from './order-by.js';
import {
  type Comparison,
  type FilterGrammar,
  type IdentifierRules,
  listComparators,
  numericComparators,
  parseSearchFilter,
  stringComparators,
} from './search-filter.js';

// Timestamps are whole milliseconds; MLflow's SQL store refuses a fractional value for them.
const timestamp = { kind: 'integer', comparators: numericComparators } as const;

export const experimentFilterGrammar: FilterGrammar = {
  entityPrefixes: { attribute: 'attribute', tag: 'tag', tags: 'tag' },
  attributes: {
    name: { kind: 'string', comparators: stringComparators },
    // An id is nominal: equality and lists only, as in MLflow's SQL store.
    experiment_id: { kind: 'string', comparators: ['=', '!=', ...listComparators] },
    creation_time: timestamp,
    last_update_time: timestamp,
  },
  comparators: { tag: stringComparators },
};

/** Experiments order by attributes only; MLflow refuses tags here ("Invalid order_by entity"). */
export const experimentOrderByRules: IdentifierRules = {
  entityPrefixes: { attribute: 'attribute' },
  attributeKeys: ['name', 'experiment_id', 'creation_time', 'last_update_time'],
};

/** Parses an experiments/search filter; empty or blank → []. */
export function parseExperimentFilter(filter: string | undefined): Comparison[] {
  return parseSearchFilter(filter, experimentFilterGrammar);
}

/** Parses experiments/search order_by clauses: name, experiment_id, creation_time, last_update_time. */
export function parseExperimentOrderBy(clauses: readonly string[] | undefined): OrderBy[] {
  return parseOrderByClauses(clauses, experimentOrderByRules);
}
