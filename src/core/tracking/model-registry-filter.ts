/**
 * The filter and order_by languages of registered-models/search and model-versions/search
 * (SearchModelUtils and SearchModelVersionUtils in mlflow/utils/search_utils.py):
 * `name LIKE 'fraud-%' AND tags.stage = 'prod'`, `name = 'fraud' AND version_number > 3`.
 * As in MLflow, the only prefixes are attribute, tag and tags; comparisons are attributes or tags.
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

const prefixes = { attribute: 'attribute', tag: 'tag', tags: 'tag' } as const;
const listableString = { kind: 'string', comparators: [...stringComparators, ...listComparators] } as const;

export const registeredModelFilterGrammar: FilterGrammar = {
  entityPrefixes: prefixes,
  attributes: { name: listableString },
  comparators: { tag: stringComparators },
};

export const modelVersionFilterGrammar: FilterGrammar = {
  entityPrefixes: prefixes,
  attributes: {
    name: listableString,
    run_id: listableString,
    source_path: { kind: 'string', comparators: stringComparators },
    // MLflow's SQL store casts the value with int(), so version_number = '3' works there too.
    version_number: { kind: 'integer', comparators: numericComparators, acceptsQuotedNumber: true },
  },
  comparators: { tag: stringComparators },
};

/**
 * Registered models order by attributes only. `timestamp` is the older spelling MLflow's SQL store
 * still accepts, and sorts by the last update, so it resolves to last_updated_timestamp.
 */
export const registeredModelOrderByRules: IdentifierRules = {
  entityPrefixes: { attribute: 'attribute' },
  attributeKeys: ['name', 'creation_timestamp', 'last_updated_timestamp'],
  attributeAliases: { timestamp: 'last_updated_timestamp' },
};

export const modelVersionOrderByRules: IdentifierRules = {
  entityPrefixes: { attribute: 'attribute' },
  attributeKeys: ['name', 'version_number', 'creation_timestamp', 'last_updated_timestamp'],
};

/** Parses a registered-models/search filter (name, tags.*); empty or blank → []. */
export function parseRegisteredModelFilter(filter: string | undefined): Comparison[] {
  return parseSearchFilter(filter, registeredModelFilterGrammar);
}

/** Parses a model-versions/search filter (name, run_id, source_path, version_number, tags.*); empty or blank → []. */
export function parseModelVersionFilter(filter: string | undefined): Comparison[] {
  return parseSearchFilter(filter, modelVersionFilterGrammar);
}

/** Parses registered-models/search order_by clauses: name, creation_timestamp, last_updated_timestamp (alias timestamp). */
export function parseRegisteredModelOrderBy(clauses: readonly string[] | undefined): OrderBy[] {
  return parseOrderByClauses(clauses, registeredModelOrderByRules);
}

/** Parses model-versions/search order_by clauses: name, version_number, creation_timestamp, last_updated_timestamp. */
export function parseModelVersionOrderBy(clauses: readonly string[] | undefined): OrderBy[] {
  return parseOrderByClauses(clauses, modelVersionOrderByRules);
}
