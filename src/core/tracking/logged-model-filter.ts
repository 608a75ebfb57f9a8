/**
 * The filter language of logged-models/search (SearchLoggedModelsUtils in MLflow):
 * `name = 'model' AND metrics.accuracy > 0.9 AND params.alpha = '0.5' AND tags.stage = 'prod'`.
 */
import {
  parseSearchFilter,
  stringComparators,
  numericComparators,
  listComparators,
  type Comparison,
  type FilterGrammar,
} from './search-filter.js';

const stringAttribute = { kind: 'string', comparators: [...stringComparators, ...listComparators] } as const;
const timestamp = { kind: 'integer', comparators: numericComparators } as const;

export const loggedModelFilterGrammar: FilterGrammar = {
  entityPrefixes: {
    metric: 'metric',
    metrics: 'metric',
    param: 'param',
    params: 'param',
    tag: 'tag',
    tags: 'tag',
    attribute: 'attribute',
    attributes: 'attribute',
  },
  attributes: {
    name: stringAttribute,
    model_id: stringAttribute,
    model_type: stringAttribute,
    status: stringAttribute,
    source_run_id: stringAttribute,
    creation_timestamp: timestamp,
    last_updated_timestamp: timestamp,
  },
  attributeAliases: { creation_time: 'creation_timestamp', last_updated_time: 'last_updated_timestamp' },
  comparators: { metric: numericComparators, param: stringComparators, tag: stringComparators },
};

/** Parses a logged-models/search filter; empty or blank → []. */
export function parseLoggedModelFilter(filter: string | undefined): Comparison[] {
  return parseSearchFilter(filter, loggedModelFilterGrammar);
}
