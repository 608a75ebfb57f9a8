import type { Run } from '../../../core/tracking/entities.js';
import type { Context } from '../../../services/context.js';
import { getExperiment } from '../../../services/tracking/experiment-service.js';
import { listUnderRoot } from '../../../services/tracking/mlflow-artifacts.js';
import { searchLimits, searchModelVersions } from '../../../services/tracking/model-registry-search.js';
import { getRun, metricHistoryBulkInterval } from '../../../services/tracking/run-service.js';
import { searchDatasetSummaries } from '../../../services/tracking/dataset-summaries.js';
import { searchRuns } from '../../../services/tracking/search-runs.js';
import { type Fields, optionalInteger, optionalString, requiredRunId, requiredString, stringList } from '../request-fields.js';
import { bulkIntervalRequest, searchRunsRequest } from '../run-routes.js';
import { type GraphqlContext, propertyOf, snakeCase } from './types.js';

/** A root field's `input` argument, as GraphQL parsed it (camelCase keys). */
type Input = Record<string, unknown>;

/**
 * What each of MLflow's GraphQL fields does, through the same services and checks as its REST
 * twin (GetExperiment, GetRun, SearchRuns, ...). Each checks the action its REST route needs, in
 * the workspace of the URL, since one query may read experiments, runs and the registry at once.
 */
export interface MlflowGraphqlResolvers {
  getExperiment(input: Input, context: GraphqlContext): Promise<unknown>;
  getRun(input: Input, context: GraphqlContext): Promise<unknown>;
  searchRuns(input: Input, context: GraphqlContext): Promise<unknown>;
  listArtifacts(input: Input, context: GraphqlContext): Promise<unknown>;
  getMetricHistoryBulkInterval(input: Input, context: GraphqlContext): Promise<unknown>;
  searchDatasets(input: Input, context: GraphqlContext): Promise<unknown>;
  searchModelVersions(input: Input, context: GraphqlContext): Promise<unknown>;
  /** MLflow's run.experiment: the experiment the run belongs to. */
  runExperiment(run: unknown, context: GraphqlContext): Promise<unknown>;
  /** MLflow's run.modelVersions: the registered versions whose run_id is this run. */
  runModelVersions(run: unknown, context: GraphqlContext): Promise<unknown>;
}

const readExperiments = 'experiments/read';
const readRuns = 'experiments/runs/read';
const readModels = 'models/read';

/** The input's fields under MLflow's JSON names (runId -> run_id), so request-fields.ts checks them as the REST API does. */
function fieldsOfInput(input: Input): Fields {
  return Object.fromEntries(Object.entries(input).map(([key, value]) => [snakeCase(key), value]));
}

/** A run's info field, read from the run a parent resolver returned. */
function runInfoOf(run: unknown, key: string): string {
  return String(propertyOf(propertyOf(run, 'info'), key) ?? '');
}

export function mlflowGraphqlResolvers(context: Context): MlflowGraphqlResolvers {
  const versionsOfRun = async (workspace: string, runId: string) => {
    const page = await searchModelVersions(context, workspace, {
      filter: `run_id='${runId}'`,
      maxResults: searchLimits.modelVersionsDefault,
      orderBy: [],
      pageToken: undefined,
    });
    return page.items;
  };

  return {
    async getExperiment(input, { workspace, requireAction }) {
      await requireAction(readExperiments);
      const experimentId = requiredString(fieldsOfInput(input), 'experiment_id');
      return { experiment: await getExperiment(context, workspace, experimentId) };
    },
    async getRun(input, { workspace, requireAction }) {
      await requireAction(readRuns);
      const run: Run = await getRun(context, workspace, requiredRunId(fieldsOfInput(input)));
      return { run };
    },
    async searchRuns(input, { workspace, requireAction }) {
      await requireAction(readRuns);
      const result = await searchRuns(context, workspace, searchRunsRequest(fieldsOfInput(input)));
      return { runs: result.runs, next_page_token: result.nextPageToken };
    },
    async listArtifacts(input, { workspace, requireAction }) {
      await requireAction(readRuns);
      const fields = fieldsOfInput(input);
      const run = await getRun(context, workspace, optionalString(fields, 'run_id') || requiredString(fields, 'run_uuid'));
      const files = await listUnderRoot(context, workspace, run.info.artifact_uri, optionalString(fields, 'path') || undefined);
      return { root_uri: run.info.artifact_uri, files };
    },
    async getMetricHistoryBulkInterval(input, { workspace, requireAction }) {
      await requireAction(readRuns);
      return { metrics: await metricHistoryBulkInterval(context, workspace, bulkIntervalRequest(fieldsOfInput(input))) };
    },
    async searchDatasets(input, { workspace, requireAction }) {
      await requireAction(readRuns);
      return { dataset_summaries: await searchDatasetSummaries(context, workspace, stringList(fieldsOfInput(input), 'experiment_ids')) };
    },
    async searchModelVersions(input, { workspace, requireAction }) {
      await requireAction(readModels);
      const fields = fieldsOfInput(input);
      const page = await searchModelVersions(context, workspace, {
        filter: optionalString(fields, 'filter') || undefined,
        maxResults: optionalInteger(fields, 'max_results') ?? searchLimits.modelVersionsDefault,
        orderBy: stringList(fields, 'order_by'),
        pageToken: optionalString(fields, 'page_token') || undefined,
      });
      return { model_versions: page.items, next_page_token: page.nextPageToken };
    },
    async runExperiment(run, { workspace, requireAction }) {
      await requireAction(readExperiments);
      return getExperiment(context, workspace, runInfoOf(run, 'experiment_id'));
    },
    async runModelVersions(run, { workspace, requireAction }) {
      await requireAction(readModels);
      return versionsOfRun(workspace, runInfoOf(run, 'run_id'));
    },
  };
}
