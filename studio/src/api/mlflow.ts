import { mlflowArtifactRoutes } from '../../../src/contract/mlflow/artifacts.js';
import { mlflowExperimentRoutes } from '../../../src/contract/mlflow/experiments.js';
import { mlflowRunRoutes } from '../../../src/contract/mlflow/runs.js';
import type {
  ExperimentKeysBody,
  MlflowExperimentBody,
  MlflowFileInfoBody,
  MlflowMetricBody,
  MlflowRunBody,
} from '../../../src/client/trellis-client.js';
import { trellis } from './client.js';

/**
 * A workspace's MLflow tracking API (every workspace answers under /workspaces/{ws}/mlflow), through
 * the client's MlflowClient: routes and types come from src/contract/mlflow.
 */
const mlflowOf = (workspace: string) => trellis.mlflow(workspace);

export type Experiment = MlflowExperimentBody;
/** The fields a loose MLflow object declares, without the index signature that lets it carry fields the protos add later. */
type Declared<T> = { [K in keyof T as string extends K ? never : K]: T[K] };
/** A metric point with non-finite values as numbers again (MLflow writes them as "NaN", "Infinity", "-Infinity"). */
export type Metric = Omit<Declared<MlflowMetricBody>, 'value'> & { value: number };
/** A run as runs/get answers it, its metrics' values as numbers. */
export type Run = Omit<Declared<MlflowRunBody>, 'data'> & {
  data: Omit<Declared<MlflowRunBody['data']>, 'metrics'> & { metrics: Metric[] };
};
export type ArtifactFile = MlflowFileInfoBody;
export type ExperimentKeys = ExperimentKeysBody;

export interface Page<T> {
  items: T[];
  nextPageToken?: string | undefined;
}

/** The run with its metrics' values as numbers. */
function runOf(run: MlflowRunBody): Run {
  return { ...run, data: { ...run.data, metrics: (run.data.metrics ?? []).map((metric) => ({ ...metric, value: Number(metric.value) })) } };
}

export async function searchExperiments(workspace: string, pageToken?: string): Promise<Page<Experiment>> {
  const answer = await mlflowOf(workspace).call(mlflowExperimentRoutes.searchExperiments, {
    max_results: 1000,
    ...(pageToken ? { page_token: pageToken } : {}),
    order_by: ['last_update_time DESC'],
  });
  return { items: answer.experiments ?? [], nextPageToken: answer.next_page_token };
}

export async function getExperiment(workspace: string, id: string): Promise<Experiment> {
  return (await mlflowOf(workspace).call(mlflowExperimentRoutes.getExperiment, { experiment_id: id })).experiment;
}

export interface RunSearch {
  experimentIds: string[];
  filter?: string;
  orderBy?: string[];
  pageSize: number;
  pageToken?: string;
}

export async function searchRuns(workspace: string, search: RunSearch): Promise<Page<Run>> {
  const answer = await mlflowOf(workspace).call(mlflowRunRoutes.searchRuns, {
    experiment_ids: search.experimentIds,
    filter: search.filter ?? '',
    max_results: search.pageSize,
    ...(search.orderBy?.length ? { order_by: search.orderBy } : {}),
    ...(search.pageToken ? { page_token: search.pageToken } : {}),
  });
  return { items: (answer.runs ?? []).map(runOf), nextPageToken: answer.next_page_token };
}

export async function getRun(workspace: string, runId: string): Promise<Run> {
  return runOf((await mlflowOf(workspace).call(mlflowRunRoutes.getRun, { run_id: runId })).run);
}

export async function listArtifacts(workspace: string, runId: string, path: string): Promise<ArtifactFile[]> {
  const answer = await mlflowOf(workspace).call(mlflowArtifactRoutes.listArtifacts, { run_id: runId, ...(path ? { path } : {}) });
  return answer.files ?? [];
}

/** Tags as a map, for the ones the studio reads (mlflow.runName, trellis.job, ...). */
export function tagMap(run: Run): Record<string, string> {
  return Object.fromEntries((run.data.tags ?? []).map((tag) => [tag.key, tag.value]));
}

/** Where an artifact of the run is downloaded (the artifact proxy), or undefined for a root the server does not proxy. */
export function artifactUrl(workspace: string, run: Run, path: string): string | undefined {
  const root = /^mlflow-artifacts:(?:\/\/[^/]*)?\/(.+)$/.exec(run.info.artifact_uri ?? '')?.[1];
  if (!root) return undefined;
  return mlflowOf(workspace).pathOf(mlflowArtifactRoutes.downloadArtifact, { '*': `${root.replace(/\/+$/, '')}/${path}` });
}

/** The metric, param and tag keys an experiment's runs use (Trellis's API; MLflow has no call for it). */
export function experimentKeys(workspace: string, experimentId: string): Promise<ExperimentKeys> {
  return trellis.experimentKeys(workspace, experimentId);
}
