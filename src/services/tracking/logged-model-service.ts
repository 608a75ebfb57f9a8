import { randomUUID } from 'node:crypto';
import { loggedModelStatuses, type KeyValue, type LoggedModel, type LoggedModelStatus } from '../../core/tracking/entities.js';
import { matchesAll, sortByOrders } from '../../core/tracking/in-memory-search.js';
import { checkParam, checkTag } from '../../core/tracking/limits.js';
import { parseLoggedModelFilter } from '../../core/tracking/logged-model-filter.js';
import { mlflowError } from '../../core/tracking/mlflow-error.js';
import { generateRunName } from '../../core/tracking/run-names.js';
import type { Context } from '../context.js';
import { ensureDefaultExperiment } from './experiment-service.js';
import { decodeOffset, pageOf } from '../../core/tracking/offset-page.js';

/** The tag in which a run keeps the models logged from it (mlflow.utils.mlflow_tags.MLFLOW_LOGGED_MODELS). */
export const loggedModelsHistoryTag = 'mlflow.log-model.history';

const forbiddenNameCharacters = ['/', ':', '.', '%', '"', "'"];

export interface CreateLoggedModelInput {
  experimentId: string;
  name: string | undefined;
  modelType: string | undefined;
  sourceRunId: string | undefined;
  params: KeyValue[];
  tags: KeyValue[];
}

/** Creates a PENDING logged model whose artifacts live under its experiment's artifact location. */
export async function createLoggedModel(context: Context, workspace: string, input: CreateLoggedModelInput): Promise<LoggedModel> {
  if (input.name !== undefined && (input.name === '' || forbiddenNameCharacters.some((c) => input.name!.includes(c)))) {
    throw mlflowError(
      'INVALID_PARAMETER_VALUE',
      `Invalid model name ('${input.name}') provided. Model name must be a non-empty string and cannot contain the following characters: ${forbiddenNameCharacters.join(' ')}`,
    );
  }
  input.tags.forEach(checkTag);
  input.params.forEach(checkParam);
  await ensureDefaultExperiment(context, workspace);
  const modelId = `m-${randomUUID().replaceAll('-', '')}`;
  return context.store.transaction(async (repositories) => {
    const experiment = await repositories.experiments.require(workspace, input.experimentId);
    if (experiment.lifecycle_stage !== 'active') {
      throw mlflowError(
        'INVALID_STATE',
        `The experiment ${input.experimentId} must be in the 'active' state. Current state is ${experiment.lifecycle_stage}.`,
      );
    }
    // As MLflow's store: source_run_id is recorded as given, not looked up (a model may name a run of another server).
    await repositories.loggedModels.create({
      modelId,
      workspace,
      experimentId: input.experimentId,
      name: input.name ?? generateRunName(),
      artifactLocation: `${experiment.artifact_location.replace(/\/+$/, '')}/models/${modelId}/artifacts`,
      modelType: input.modelType || undefined,
      sourceRunId: input.sourceRunId || undefined,
      tags: input.tags,
      params: input.params,
      now: context.clock().getTime(),
    });
    return repositories.loggedModels.require(workspace, modelId);
  });
}

export async function getLoggedModel(context: Context, workspace: string, modelId: string, allowDeleted = false): Promise<LoggedModel> {
  return context.store.repositories.loggedModels.require(workspace, modelId, allowDeleted);
}

/** The status of finalize: protobuf JSON sends the enum's name, some clients its number. */
export function parseLoggedModelStatus(value: unknown): LoggedModelStatus {
  if (typeof value === 'number' && loggedModelStatuses[value]) return loggedModelStatuses[value];
  if (typeof value === 'string' && /^\d+$/.test(value) && loggedModelStatuses[Number(value)]) return loggedModelStatuses[Number(value)]!;
  if (typeof value === 'string' && (loggedModelStatuses as readonly string[]).includes(value)) return value as LoggedModelStatus;
  throw mlflowError(
    'INVALID_PARAMETER_VALUE',
    `Invalid value ${JSON.stringify(value)} for parameter 'status'; use one of ${loggedModelStatuses.slice(1).join(', ')}`,
  );
}

export async function finalizeLoggedModel(
  context: Context,
  workspace: string,
  modelId: string,
  status: LoggedModelStatus,
): Promise<LoggedModel> {
  return context.store.transaction(async (repositories) => {
    await repositories.loggedModels.require(workspace, modelId);
    await repositories.loggedModels.finalize(modelId, status, context.clock().getTime());
    return repositories.loggedModels.require(workspace, modelId);
  });
}

export async function deleteLoggedModel(context: Context, workspace: string, modelId: string): Promise<void> {
  await context.store.transaction(async (repositories) => {
    await repositories.loggedModels.require(workspace, modelId);
    await repositories.loggedModels.delete(modelId, context.clock().getTime());
  });
}

export async function setLoggedModelTags(context: Context, workspace: string, modelId: string, tags: KeyValue[]): Promise<void> {
  tags.forEach(checkTag);
  await context.store.transaction(async (repositories) => {
    await repositories.loggedModels.require(workspace, modelId);
    await repositories.loggedModels.setTags(modelId, tags, context.clock().getTime());
  });
}

export async function deleteLoggedModelTag(context: Context, workspace: string, modelId: string, key: string): Promise<void> {
  await context.store.transaction(async (repositories) => {
    await repositories.loggedModels.require(workspace, modelId);
    if (!(await repositories.loggedModels.deleteTag(modelId, key, context.clock().getTime()))) {
      throw mlflowError('RESOURCE_DOES_NOT_EXIST', `No tag with key '${key}' found for model with ID '${modelId}'.`);
    }
  });
}

export async function logLoggedModelParams(context: Context, workspace: string, modelId: string, params: KeyValue[]): Promise<void> {
  params.forEach(checkParam);
  await context.store.transaction(async (repositories) => {
    await repositories.loggedModels.require(workspace, modelId);
    await repositories.loggedModels.logParams(modelId, params, context.clock().getTime());
  });
}

/** log-outputs: the models a run produced, at a step. */
export async function logRunOutputs(
  context: Context,
  workspace: string,
  runId: string,
  models: Array<{ modelId: string; step: number }>,
): Promise<void> {
  await context.store.transaction(async (repositories) => {
    await repositories.runs.requireActive(workspace, runId);
    for (const model of models) await repositories.loggedModels.require(workspace, model.modelId);
    await repositories.loggedModels.linkRun(runId, 'output', models);
  });
}

/** log-inputs `models`: the logged models a run read (e.g. for evaluation). */
export async function logRunModelInputs(context: Context, workspace: string, runId: string, modelIds: string[]): Promise<void> {
  if (modelIds.length === 0) return;
  await context.store.transaction(async (repositories) => {
    await repositories.runs.requireActive(workspace, runId);
    for (const modelId of modelIds) await repositories.loggedModels.require(workspace, modelId);
    await repositories.loggedModels.linkRun(
      runId,
      'input',
      modelIds.map((modelId) => ({ modelId, step: 0 })),
    );
  });
}

/**
 * runs/log-model (MLflow 2's record of a logged model): appends the model's description to the
 * run's `mlflow.log-model.history` tag, which older clients and the UI read.
 */
export async function recordLoggedModel(context: Context, workspace: string, runId: string, modelJson: string): Promise<void> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(modelJson);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw mlflowError('INVALID_PARAMETER_VALUE', `Malformed model info. \n ${modelJson} \n is not a valid JSON.`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    const found = parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : `a ${typeof parsed}`;
    throw mlflowError(
      'INVALID_PARAMETER_VALUE',
      `Invalid value for parameter 'model_json': expected a JSON object describing the model (with artifact_path, flavors, utc_time_created and run_id), got ${found}.`,
    );
  }
  const model = parsed as Record<string, unknown>;
  const missing = ['artifact_path', 'flavors', 'utc_time_created', 'run_id'].filter((field) => !(field in model));
  if (missing.length > 0) throw mlflowError('INVALID_PARAMETER_VALUE', `Model json is missing mandatory fields: ${missing.join(', ')}`);
  await context.store.transaction(async (repositories) => {
    const run = await repositories.runs.get(workspace, runId);
    if (!run) throw mlflowError('RESOURCE_DOES_NOT_EXIST', `Run with id=${runId} not found`);
    if (run.info.lifecycle_stage !== 'active')
      throw mlflowError(
        'INVALID_PARAMETER_VALUE',
        `The run ${runId} must be in the 'active' state. Current state is ${run.info.lifecycle_stage}.`,
      );
    const previous = run.data.tags.find((tag) => tag.key === loggedModelsHistoryTag)?.value;
    const history = previous ? historyOf(runId, previous) : [];
    const value = JSON.stringify([...history, model]);
    checkTag({ key: loggedModelsHistoryTag, value });
    await repositories.runs.setTags(runId, [{ key: loggedModelsHistoryTag, value }]);
  });
}

/** The models already in a run's history tag, which set-tag may have overwritten with anything. */
function historyOf(runId: string, tagValue: string): unknown[] {
  let history: unknown;
  try {
    history = JSON.parse(tagValue);
  } catch (error) {
    // Not JSON: refused below, naming the tag to delete.
    if (!(error instanceof SyntaxError)) throw error;
    history = undefined;
  }
  if (!Array.isArray(history)) {
    throw mlflowError(
      'INVALID_PARAMETER_VALUE',
      `The tag '${loggedModelsHistoryTag}' of run ${runId} is not a JSON list of models; delete the tag (runs/delete-tag) and log the model again.`,
    );
  }
  return history;
}

export interface LoggedModelOrder {
  fieldName: string;
  ascending: boolean;
}

/**
 * logged-models/search: the live models of some experiments, filtered and ordered in memory
 * (an experiment holds few models), newest first unless ordered otherwise.
 */
export async function searchLoggedModels(
  context: Context,
  workspace: string,
  input: {
    experimentIds: string[];
    filter: string | undefined;
    maxResults: number;
    orderBy: LoggedModelOrder[];
    pageToken: string | undefined;
    /** Only models with metrics computed on one of these datasets (the digest, when given, too); their filter and order read those metrics only. */
    datasets?: Array<{ name: string; digest: string | undefined }> | undefined;
  },
): Promise<{ models: LoggedModel[]; nextPageToken?: string }> {
  if (input.experimentIds.length === 0)
    throw mlflowError(
      'INVALID_PARAMETER_VALUE',
      "Missing value for required parameter 'experiment_ids'. See the API docs for more information about request parameters.",
    );
  const comparisons = parseLoggedModelFilter(input.filter);
  const offset = decodeOffset(input.pageToken);
  await ensureDefaultExperiment(context, workspace);
  const candidates = await context.store.repositories.loggedModels.listInExperiments(
    workspace,
    input.experimentIds.filter((id) => /^\d+$/.test(id)),
  );
  const datasets = input.datasets ?? [];
  const onDatasets = (model: LoggedModel): LoggedModel =>
    datasets.length === 0
      ? model
      : {
          ...model,
          data: {
            ...model.data,
            metrics: model.data.metrics.filter((metric) =>
              datasets.some(
                (dataset) =>
                  metric.dataset_name === dataset.name && (dataset.digest === undefined || metric.dataset_digest === dataset.digest),
              ),
            ),
          },
        };
  const views = new Map(candidates.map((model) => [model, onDatasets(model)]));
  const matched = candidates.filter((model) => {
    const view = views.get(model) ?? model;
    if (datasets.length > 0 && view.data.metrics.length === 0) return false;
    return matchesAll(comparisons, (comparison) => fieldOf(view, comparison.type, comparison.key));
  });
  const orders = input.orderBy.map((order) => {
    const [prefix, ...rest] = order.fieldName.split('.');
    const typed = rest.length > 0 && ['metrics', 'metric', 'params', 'param', 'tags', 'tag'].includes(prefix!);
    return {
      type: typed ? prefix!.replace(/s$/, '') : 'attribute',
      key: typed ? rest.join('.') : order.fieldName,
      ascending: order.ascending,
    };
  });
  const sorted = sortByOrders(
    matched,
    orders,
    (model, order) => fieldOf(views.get(model) ?? model, order.type, order.key),
    (a, b) => b.info.creation_timestamp_ms - a.info.creation_timestamp_ms || a.info.model_id.localeCompare(b.info.model_id),
  );
  const { items, nextPageToken } = pageOf(sorted, input.maxResults, offset);
  return { models: items, ...(nextPageToken ? { nextPageToken } : {}) };
}

function fieldOf(model: LoggedModel, type: string, key: string): string | number | undefined {
  switch (type) {
    case 'metric': {
      const points = model.data.metrics.filter((metric) => metric.key === key);
      return points.length > 0 ? points[points.length - 1]!.value : undefined;
    }
    case 'param':
      return model.data.params.find((param) => param.key === key)?.value;
    case 'tag':
      return model.info.tags.find((tag) => tag.key === key)?.value;
    default: {
      const attributes: Record<string, string | number | undefined> = {
        name: model.info.name,
        model_id: model.info.model_id,
        model_type: model.info.model_type,
        status: model.info.status.replace(/^LOGGED_MODEL_/, ''),
        source_run_id: model.info.source_run_id,
        creation_timestamp: model.info.creation_timestamp_ms,
        creation_time: model.info.creation_timestamp_ms,
        last_updated_timestamp: model.info.last_updated_timestamp_ms,
        last_updated_time: model.info.last_updated_timestamp_ms,
      };
      return attributes[key];
    }
  }
}
