/**
 * The filter language of runs/search (SearchUtils in mlflow/utils/search_utils.py):
 * `metrics.rmse < 0.5 AND params.model = 'cnn' AND tags.mlflow.runName LIKE 'sweep-%'`.
 */
import {
  type Comparison,
  type FilterGrammar,
  listComparators,
  numericComparators,
  parseSearchFilter,
  stringComparators,
} from './search-filter.js';

export type { Comparison } from './search-filter.js';

const stringAttribute = { kind: 'string', comparators: stringComparators } as const;
const numberAttribute = { kind: 'number', comparators: numericComparators } as const;

export const runFilterGrammar: FilterGrammar = {
  entityPrefixes: {
    metric: 'metric',
    metrics: 'metric',
    parameter: 'param',
    parameters: 'param',
    param: 'param',
    params: 'param',
    tag: 'tag',
    tags: 'tag',
    attribute: 'attribute',
    attributes: 'attribute',
    attr: 'attribute',
    run: 'attribute',
    dataset: 'dataset',
    datasets: 'dataset',
  },
  attributes: {
    // Only run_id takes a list, as in MLflow (the client's own load_table sends run_id IN (...)).
    run_id: { kind: 'string', comparators: [...stringComparators, ...listComparators] },
    run_name: stringAttribute,
    status: stringAttribute,
    user_id: stringAttribute,
    artifact_uri: stringAttribute,
    start_time: numberAttribute,
    end_time: numberAttribute,
  },
  // The spellings the MLflow UI's column names produce, resolved as MLflow's translate_key_alias does.
  attributeAliases: {
    created: 'start_time',
    Created: 'start_time',
    'run name': 'run_name',
    'Run name': 'run_name',
    'Run Name': 'run_name',
  },
  datasetKeys: ['name', 'digest', 'context'],
  comparators: {
    metric: numericComparators,
    param: stringComparators,
    tag: stringComparators,
    dataset: [...stringComparators, ...listComparators],
  },
};

/** Parses a runs/search filter into comparisons that must all hold; empty or blank → []. */
export function parseRunFilter(filter: string | undefined): Comparison[] {
  return parseSearchFilter(filter, runFilterGrammar);
}
