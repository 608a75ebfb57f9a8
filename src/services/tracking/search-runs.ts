import type { Run } from '../../core/tracking/entities.js';
import { mlflowError } from '../../core/tracking/mlflow-error.js';
import { parseRunOrderBy } from '../../core/tracking/order-by.js';
import { parseRunFilter } from '../../core/tracking/run-filter.js';
import { stagesOf, type ViewType } from '../../core/tracking/view-type.js';
import type { Context } from '../context.js';
import { ensureDefaultExperiment } from './experiment-service.js';
import { decodeOffset, encodeOffset } from '../../core/tracking/offset-page.js';

/** MLflow's page size default and ceiling for runs/search. */
export const searchRunsLimits = { defaultMaxResults: 1000, maxResults: 50_000 };

export interface SearchRunsInput {
  experimentIds: string[];
  filter: string | undefined;
  viewType: ViewType;
  maxResults: number;
  orderBy: string[];
  pageToken: string | undefined;
}

/** runs/search: filter and order parsed first (a bad one changes nothing), then one indexed query. */
export async function searchRuns(
  context: Context,
  workspace: string,
  input: SearchRunsInput,
): Promise<{ runs: Run[]; nextPageToken?: string }> {
  if (input.maxResults < 1 || input.maxResults > searchRunsLimits.maxResults) {
    throw mlflowError(
      'INVALID_PARAMETER_VALUE',
      `Invalid value ${input.maxResults} for parameter 'max_results' supplied. It must be between 1 and ${searchRunsLimits.maxResults}.`,
    );
  }
  const filter = parseRunFilter(input.filter);
  const orderBy = parseRunOrderBy(input.orderBy);
  const offset = decodeOffset(input.pageToken);
  await ensureDefaultExperiment(context, workspace);
  const experimentIds = input.experimentIds.filter((id) => /^\d+$/.test(id));
  if (experimentIds.length === 0) return { runs: [] };
  // A new database right after a bulk load has tables the planner never saw: analysed first, once.
  await context.store.plannerStatistics.ensureAnalysed();
  const infos = await context.store.repositories.runs.search({
    workspace,
    experimentIds,
    lifecycleStages: stagesOf(input.viewType),
    filter,
    orderBy,
    limit: input.maxResults + 1,
    offset,
  });
  const more = infos.length > input.maxResults;
  const runs = await context.store.repositories.runs.withData(infos.slice(0, input.maxResults));
  return { runs, ...(more ? { nextPageToken: encodeOffset(offset + input.maxResults) } : {}) };
}
