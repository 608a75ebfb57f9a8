import { query, requestJson } from './http.js';

/** The MLflow tracking API of a workspace (every workspace answers under /workspaces/{ws}/mlflow). */
const base = (workspace: string) => `/workspaces/${encodeURIComponent(workspace)}/mlflow/api/2.0/mlflow`;

export interface Experiment {
  experiment_id: string;
  name: string;
  lifecycle_stage: string;
  creation_time?: number;
  last_update_time?: number;
  tags?: Array<{ key: string; value: string }>;
}

export interface Metric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

export interface Run {
  info: {
    run_id: string;
    run_name?: string;
    experiment_id: string;
    status: string;
    start_time?: number;
    end_time?: number;
    user_id?: string;
    artifact_uri?: string;
    lifecycle_stage: string;
  };
  data: { metrics?: Metric[]; params?: Array<{ key: string; value: string }>; tags?: Array<{ key: string; value: string }> };
}

export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

export async function searchExperiments(workspace: string, pageToken?: string): Promise<Page<Experiment>> {
  const answer = await requestJson<{ experiments?: Experiment[]; next_page_token?: string }>(
    'POST',
    `${base(workspace)}/experiments/search`,
    { max_results: 1000, ...(pageToken ? { page_token: pageToken } : {}), order_by: ['last_update_time DESC'] },
  );
  return { items: answer.experiments ?? [], nextPageToken: answer.next_page_token };
}

export async function getExperiment(workspace: string, id: string): Promise<Experiment> {
  return (await requestJson<{ experiment: Experiment }>('GET', `${base(workspace)}/experiments/get${query({ experiment_id: id })}`))
    .experiment;
}

export interface RunSearch {
  experimentIds: string[];
  filter?: string;
  orderBy?: string[];
  pageSize: number;
  pageToken?: string;
}

export async function searchRuns(workspace: string, search: RunSearch): Promise<Page<Run>> {
  const answer = await requestJson<{ runs?: Run[]; next_page_token?: string }>('POST', `${base(workspace)}/runs/search`, {
    experiment_ids: search.experimentIds,
    filter: search.filter ?? '',
    max_results: search.pageSize,
    ...(search.orderBy?.length ? { order_by: search.orderBy } : {}),
    ...(search.pageToken ? { page_token: search.pageToken } : {}),
  });
  return { items: answer.runs ?? [], nextPageToken: answer.next_page_token };
}

export async function getRun(workspace: string, runId: string): Promise<Run> {
  return (await requestJson<{ run: Run }>('GET', `${base(workspace)}/runs/get${query({ run_id: runId })}`)).run;
}

export interface ArtifactFile {
  path: string;
  is_dir: boolean;
  file_size?: number;
}

export async function listArtifacts(workspace: string, runId: string, path: string): Promise<ArtifactFile[]> {
  return (
    (await requestJson<{ files?: ArtifactFile[] }>('GET', `${base(workspace)}/artifacts/list${query({ run_id: runId, path })}`)).files ?? []
  );
}

/** Tags as a map, for the ones the studio reads (mlflow.runName, trellis.job, ...). */
export function tagMap(run: Run): Record<string, string> {
  return Object.fromEntries((run.data.tags ?? []).map((tag) => [tag.key, tag.value]));
}

/** Where an artifact of the run is downloaded (the artifact proxy), or undefined for a root the server does not proxy. */
export function artifactUrl(workspace: string, run: Run, path: string): string | undefined {
  const root = /^mlflow-artifacts:(?:\/\/[^/]*)?\/(.+)$/.exec(run.info.artifact_uri ?? '')?.[1];
  if (!root) return undefined;
  const encoded = `${root.replace(/\/+$/, '')}/${path}`.split('/').map(encodeURIComponent).join('/');
  return `/workspaces/${encodeURIComponent(workspace)}/mlflow/api/2.0/mlflow-artifacts/artifacts/${encoded}`;
}

export interface ExperimentKeys {
  metrics: string[];
  params: string[];
  tags: string[];
}

/** The metric, param and tag keys an experiment's runs use (Trellis's API; MLflow has no call for it). */
export function experimentKeys(workspace: string, experimentId: string): Promise<ExperimentKeys> {
  return requestJson<ExperimentKeys>(
    'GET',
    `/api/v1/workspaces/${encodeURIComponent(workspace)}/experiments/${encodeURIComponent(experimentId)}/keys`,
  );
}
