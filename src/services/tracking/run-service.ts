import { randomUUID } from 'node:crypto';
import {
  runNameTag,
  type DatasetInput,
  type KeyValue,
  type MetricPoint,
  type Run,
  type RunInfo,
  type RunStatus,
} from '../../core/tracking/entities.js';
import { checkBatch, checkDatasetInputs, checkKey, checkTag, limits } from '../../core/tracking/limits.js';
import { mlflowError } from '../../core/tracking/mlflow-error.js';
import { writeRefusals } from '../../core/tracking/write-refusals.js';
import { decodeOffset, encodeOffset } from '../../core/tracking/offset-page.js';
import { generateRunName } from '../../core/tracking/run-names.js';
import { evenlySpacedIndices, sampleSteps } from '../../core/tracking/sample-steps.js';
import { latestRowsOf, metricRowsOf } from '../../store/metric-rows.js';
import type { PostgresRunWrites } from '../../store/postgres/postgres-run-writes.js';
import type { Repositories } from '../../store/store.js';
import type { Context } from '../context.js';
import { ensureDefaultExperiment } from './experiment-service.js';

export interface CreateRunInput {
  experimentId: string;
  userId: string;
  runName: string | undefined;
  startTime: number | undefined;
  tags: KeyValue[];
}

/** Creates a run in an active experiment; its name comes from run_name, else the mlflow.runName tag, else is made up. */
export async function createRun(context: Context, workspace: string, input: CreateRunInput): Promise<Run> {
  await ensureDefaultExperiment(context, workspace);
  // What was written is the whole new run: nothing is read back (a round trip a table on PostgreSQL).
  const runWrites = context.store.runWrites;
  const created = runWrites
    ? await createRunAtOnce(context, runWrites, workspace, input)
    : await context.store.transaction((repositories) => createRunWithin(context, repositories, workspace, input));
  return {
    info: created.info,
    data: { metrics: [], params: [], tags: created.tags },
    inputs: { dataset_inputs: [], model_inputs: [] },
    outputs: { model_outputs: [] },
  };
}

/** createRun on PostgreSQL: createRunWithin's checks and writes, the experiment's among them, in one statement. */
async function createRunAtOnce(
  context: Context,
  runWrites: PostgresRunWrites,
  workspace: string,
  input: CreateRunInput,
): Promise<{ info: RunInfo; tags: KeyValue[] }> {
  const { runId, runName, tags } = newRunOf(input);
  const startTime = input.startTime ?? context.clock().getTime();
  const stored = lastValueByKey(tags);
  const { experimentId, artifactUri } = await runWrites.createRun({
    workspace,
    experimentId: input.experimentId,
    runId,
    runName,
    userId: input.userId,
    startTime,
    tags: stored,
  });
  return { info: newRunInfo(runId, runName, experimentId, input.userId, startTime, artifactUri), tags: sortedByKey(stored) };
}

/** A new run's checked name, id and tags (its name among them as the mlflow.runName tag). */
function newRunOf(input: CreateRunInput): { runId: string; runName: string; tags: KeyValue[] } {
  input.tags.forEach(checkTag);
  const tagName = input.tags.find((tag) => tag.key === runNameTag)?.value;
  if (input.runName !== undefined && tagName !== undefined && input.runName !== tagName) {
    throw mlflowError(
      'INVALID_PARAMETER_VALUE',
      `Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${input.runName}', mlflow.runName='${tagName}').`,
    );
  }
  const runName = input.runName || tagName || generateRunName();
  if (runName.length > limits.runNameLength)
    throw mlflowError(
      'INVALID_PARAMETER_VALUE',
      `Run name '${runName.slice(0, 40)}...' had length ${runName.length}, which exceeded length limit of ${limits.runNameLength}`,
    );
  const runId = randomUUID().replace(/-/g, '');
  return { runId, runName, tags: [...input.tags.filter((tag) => tag.key !== runNameTag), { key: runNameTag, value: runName }] };
}

function newRunInfo(runId: string, runName: string, experimentId: string, userId: string, startTime: number, artifactUri: string): RunInfo {
  return {
    run_id: runId,
    run_uuid: runId,
    run_name: runName,
    experiment_id: experimentId,
    user_id: userId,
    status: 'RUNNING',
    start_time: startTime,
    artifact_uri: artifactUri,
    lifecycle_stage: 'active',
  };
}

/** As stored: the last value of a key wins (MLflow applies tags in order). */
function lastValueByKey(entries: KeyValue[]): KeyValue[] {
  return [...new Map(entries.map((entry) => [entry.key, entry.value]))].map(([key, value]) => ({ key, value }));
}

/** As a run's tags are read back: in key order. */
function sortedByKey(entries: KeyValue[]): KeyValue[] {
  return [...entries].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * createRun's checks and writes, in a transaction the caller holds, so the run lands with what it
 * belongs to (a job and its run in one commit). The caller has made sure of the Default experiment.
 */
export async function createRunWithin(
  context: Context,
  repositories: Repositories,
  workspace: string,
  input: CreateRunInput,
): Promise<{ info: RunInfo; tags: KeyValue[] }> {
  const { runId, runName, tags } = newRunOf(input);
  const experiment = await repositories.experiments.require(workspace, input.experimentId);
  if (experiment.lifecycle_stage !== 'active') throw writeRefusals.experimentNotActive(input.experimentId, experiment.lifecycle_stage);
  const run = {
    runId,
    workspace,
    experimentId: experiment.experiment_id,
    runName,
    userId: input.userId,
    startTime: input.startTime ?? context.clock().getTime(),
    artifactUri: `${experiment.artifact_location}/${runId}/artifacts`,
    tags,
  };
  await repositories.runs.create(run);
  const info = newRunInfo(runId, runName, String(experiment.experiment_id), input.userId, run.startTime, run.artifactUri);
  return { info, tags: sortedByKey(lastValueByKey(tags)) };
}

export async function getRun(context: Context, workspace: string, runId: string): Promise<Run> {
  const run = await context.store.repositories.runs.get(workspace, runId);
  if (!run) throw mlflowError('RESOURCE_DOES_NOT_EXIST', `Run with id=${runId} not found`);
  return run;
}

export async function updateRun(
  context: Context,
  workspace: string,
  runId: string,
  changes: { status?: RunStatus; endTime?: number; runName?: string },
): Promise<RunInfo> {
  const runWrites = context.store.runWrites;
  if (runWrites) return runWrites.updateRun(workspace, runId, changes);
  return context.store.transaction(async (repositories) => {
    await repositories.runs.requireActive(workspace, runId);
    await repositories.runs.update(runId, changes);
    return repositories.runs.requireInfo(workspace, runId);
  });
}

/**
 * updateRun's write in a transaction the caller holds, so a run's status lands with its job's in
 * one commit. Where updateRun would refuse (the run is gone or deleted) it writes nothing and
 * returns false, leaving the caller's other writes to commit.
 */
export async function updateRunWithin(
  repositories: Repositories,
  workspace: string,
  runId: string,
  changes: { status?: RunStatus; endTime?: number },
): Promise<boolean> {
  const info = await repositories.runs.getInfo(workspace, runId);
  if (info?.lifecycle_stage !== 'active') return false;
  await repositories.runs.update(runId, changes);
  return true;
}

export async function setRunLifecycle(context: Context, workspace: string, runId: string, stage: 'active' | 'deleted'): Promise<void> {
  await context.store.transaction(async (repositories) => {
    await repositories.runs.requireInfo(workspace, runId);
    await repositories.runs.setLifecycle(runId, stage, context.clock().getTime());
  });
}

/**
 * log-batch and the single-value calls: everything is checked first, then written in one
 * transaction (or a savepoint of a shared one), so a refused call leaves nothing behind and an
 * acknowledged one is durable.
 */
export async function logBatch(
  context: Context,
  workspace: string,
  runId: string,
  batch: { metrics: MetricPoint[]; params: KeyValue[]; tags: KeyValue[] },
): Promise<void> {
  checkBatch(batch);
  const modelIds = new Set(batch.metrics.flatMap((metric) => (metric.model_id ? [metric.model_id] : [])));
  // PostgreSQL: one statement, the run's check and every table's rows in it (metrics of logged models take the general path).
  const runWrites = context.store.runWrites;
  if (runWrites && modelIds.size === 0) {
    const rows = metricRowsOf(batch.metrics);
    await runWrites.logBatch(workspace, runId, {
      metrics: rows,
      latest: latestRowsOf(rows),
      params: batch.params,
      tags: lastValueByKey(batch.tags),
    });
    return;
  }
  // Calls that arrive together may share one commit (SQLite); each is answered after it.
  await context.store.groupedTransaction(async (repositories) => {
    await repositories.runs.requireActive(workspace, runId);
    await repositories.runs.logParams(runId, batch.params);
    await repositories.runs.logMetrics(runId, batch.metrics);
    for (const modelId of modelIds) await repositories.loggedModels.require(workspace, modelId);
    if (modelIds.size > 0) await repositories.loggedModels.logMetrics(runId, batch.metrics);
    await repositories.runs.setTags(runId, batch.tags);
  });
}

export async function deleteRunTag(context: Context, workspace: string, runId: string, key: string): Promise<void> {
  checkKey('tag', key);
  await context.store.transaction(async (repositories) => {
    await repositories.runs.requireActive(workspace, runId);
    if (!(await repositories.runs.deleteTag(runId, key)))
      throw mlflowError('RESOURCE_DOES_NOT_EXIST', `No tag with name: ${key} in run with id ${runId}`);
  });
}

export async function metricHistory(
  context: Context,
  workspace: string,
  runId: string,
  key: string,
  maxResults: number | undefined,
  pageToken: string | undefined,
): Promise<{ metrics: MetricPoint[]; nextPageToken?: string }> {
  await context.store.repositories.runs.requireInfo(workspace, runId);
  const offset = decodeOffset(pageToken);
  const limit = maxResults ?? 1_000_000_000;
  const metrics = await context.store.repositories.runs.metricHistory(runId, key, limit + 1, offset);
  if (metrics.length > limit) return { metrics: metrics.slice(0, limit), nextPageToken: encodeOffset(offset + limit) };
  return { metrics };
}

/** log-inputs: the datasets a run used, checked in full before any is written. */
export async function logInputs(context: Context, workspace: string, runId: string, inputs: DatasetInput[]): Promise<void> {
  checkDatasetInputs(inputs);
  await context.store.transaction(async (repositories) => {
    const info = await repositories.runs.requireActive(workspace, runId);
    await repositories.datasets.logInputs(workspace, info.experiment_id, runId, inputs);
  });
}

/** MLflow's limits for the bulk history calls the UI makes. */
export const bulkHistoryLimits = { runIds: 100, resultsPerRun: 2500 };

export interface MetricWithRunId extends MetricPoint {
  run_id: string;
}

/**
 * metrics/get-history-bulk-interval: a sample of one metric for up to 100 runs, the same steps
 * for every run where they exist, so the UI can draw and compare long curves cheaply.
 */
export async function metricHistoryBulkInterval(
  context: Context,
  workspace: string,
  input: { runIds: string[]; key: string; maxResults: number; range?: { start: number; end: number } },
): Promise<MetricWithRunId[]> {
  const runs = context.store.repositories.runs;
  for (const runId of input.runIds) await runs.requireInfo(workspace, runId);
  const stepsPerRun = await Promise.all(input.runIds.map((runId) => runs.metricSteps(runId, input.key)));
  const steps = sampleSteps(stepsPerRun, input.maxResults, input.range);
  const perRun = Math.max(input.maxResults, steps.length);
  const result: MetricWithRunId[] = [];
  for (const runId of input.runIds) {
    const points = await runs.metricPointsAt(runId, input.key, steps);
    for (const index of evenlySpacedIndices(points.length, perRun)) result.push({ ...points[index]!, run_id: runId });
  }
  return result;
}
