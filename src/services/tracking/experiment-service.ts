import { parseExperimentFilter, parseExperimentOrderBy } from '../../core/tracking/experiment-filter.js';
import { matchesAll, sortByOrders } from '../../core/tracking/in-memory-search.js';
import { checkExperimentName, checkTag } from '../../core/tracking/limits.js';
import { decodeOffset, pageOf, type Page } from '../../core/tracking/offset-page.js';
import { stagesOf, type ViewType } from '../../core/tracking/view-type.js';
import type { Experiment, KeyValue } from '../../core/tracking/entities.js';
import { mlflowError } from '../../core/tracking/mlflow-error.js';
import { ExperimentIdRace } from '../../store/experiment-repository.js';
import type { Context } from '../context.js';
import { requireWorkspace } from '../resource-service.js';

export const defaultExperimentId = '0';
const defaultExperimentName = 'Default';

/** Where an experiment's run artifacts go: proxied by this server, as `mlflow server --serve-artifacts` does. */
export function experimentArtifactLocation(experimentId: string): string {
  return `mlflow-artifacts:/${experimentId}`;
}

const ensured = new WeakMap<Context, Set<string>>();

/** Every workspace has MLflow's Default experiment "0", made the first time the workspace is used through MLflow. */
export async function ensureDefaultExperiment(context: Context, workspace: string): Promise<void> {
  const done = ensured.get(context) ?? new Set<string>();
  ensured.set(context, done);
  if (done.has(workspace)) return;
  await requireWorkspace(context, workspace);
  const experiments = context.store.repositories.experiments;
  if (!(await experiments.get(workspace, defaultExperimentId))) {
    try {
      await experiments.create(workspace, defaultExperimentName, experimentArtifactLocation, [], context.clock().getTime(), 0);
    } catch (error) {
      // A concurrent request made it first.
      if (!(await experiments.get(workspace, defaultExperimentId))) throw error;
    }
  }
  done.add(workspace);
}

export async function createExperiment(
  context: Context,
  workspace: string,
  input: { name: string; artifactLocation?: string; tags: KeyValue[] },
): Promise<string> {
  checkExperimentName(input.name);
  await ensureDefaultExperiment(context, workspace);
  input.tags.forEach(checkTag);
  for (let attempt = 1; ; attempt++) {
    try {
      return await context.store.transaction((repositories) =>
        repositories.experiments.create(
          workspace,
          input.name,
          (id) => input.artifactLocation || experimentArtifactLocation(id),
          input.tags,
          context.clock().getTime(),
        ),
      );
    } catch (error) {
      // A concurrent create took the id (or the name, which the retry then reports as RESOURCE_ALREADY_EXISTS).
      if (!(error instanceof ExperimentIdRace) || attempt === 5)
        throw error instanceof ExperimentIdRace
          ? mlflowError('TEMPORARILY_UNAVAILABLE', 'too many experiments created at the same moment; retry')
          : error;
    }
  }
}

export async function getExperiment(context: Context, workspace: string, experimentId: string): Promise<Experiment> {
  await ensureDefaultExperiment(context, workspace);
  return context.store.repositories.experiments.require(workspace, experimentId);
}

export async function getExperimentByName(context: Context, workspace: string, name: string): Promise<Experiment> {
  await ensureDefaultExperiment(context, workspace);
  const found = await context.store.repositories.experiments.getByName(workspace, name);
  if (!found) throw mlflowError('RESOURCE_DOES_NOT_EXIST', `Could not find experiment with name '${name}'`);
  return found;
}

/** Deleting an experiment deletes its runs; restoring it restores them (MLflow's SQL store does the same). */
export async function setExperimentLifecycle(
  context: Context,
  workspace: string,
  experimentId: string,
  stage: 'active' | 'deleted',
): Promise<void> {
  await ensureDefaultExperiment(context, workspace);
  await context.store.transaction(async (repositories) => {
    const experiment = await repositories.experiments.require(workspace, experimentId);
    if (stage === 'deleted' && experimentId === defaultExperimentId)
      throw mlflowError('INVALID_PARAMETER_VALUE', "Cannot delete the default experiment '0'. This is an internally reserved experiment.");
    if (stage === 'active' && experiment.lifecycle_stage === 'active')
      throw mlflowError('INVALID_PARAMETER_VALUE', `Cannot restore an active experiment: ${experimentId}`);
    const now = context.clock().getTime();
    await repositories.experiments.setLifecycle(workspace, experimentId, stage, now);
    await repositories.runs.setExperimentRunsLifecycle(workspace, experimentId, stage, now);
  });
}

export async function renameExperiment(context: Context, workspace: string, experimentId: string, newName: string): Promise<void> {
  checkExperimentName(newName, 'new_name');
  await ensureDefaultExperiment(context, workspace);
  await context.store.transaction(async (repositories) => {
    const experiment = await repositories.experiments.require(workspace, experimentId);
    if (experiment.lifecycle_stage !== 'active')
      throw mlflowError('INVALID_PARAMETER_VALUE', `Cannot rename a non-active experiment ${experimentId}.`);
    await repositories.experiments.rename(workspace, experimentId, newName, context.clock().getTime());
  });
}

export async function setExperimentTag(context: Context, workspace: string, experimentId: string, tag: KeyValue): Promise<void> {
  checkTag(tag);
  await ensureDefaultExperiment(context, workspace);
  await context.store.transaction(async (repositories) => {
    const experiment = await repositories.experiments.require(workspace, experimentId);
    if (experiment.lifecycle_stage !== 'active')
      throw mlflowError(
        'INVALID_PARAMETER_VALUE',
        `The experiment ${experimentId} must be in the 'active' state. Current state is ${experiment.lifecycle_stage}.`,
      );
    await repositories.experiments.setTag(workspace, experimentId, tag);
  });
}

export async function deleteExperimentTag(context: Context, workspace: string, experimentId: string, key: string): Promise<void> {
  await ensureDefaultExperiment(context, workspace);
  await context.store.transaction(async (repositories) => {
    await repositories.experiments.require(workspace, experimentId);
    if (!(await repositories.experiments.deleteTag(workspace, experimentId, key))) {
      throw mlflowError('RESOURCE_DOES_NOT_EXIST', `No tag with name: ${key} in experiment with id ${experimentId}`);
    }
  });
}

/** experiments/list (pre-2.0 clients): every experiment in the view, in id order. */
export async function listExperiments(context: Context, workspace: string, viewType: ViewType): Promise<Experiment[]> {
  await ensureDefaultExperiment(context, workspace);
  const stages = stagesOf(viewType);
  return (await context.store.repositories.experiments.list(workspace)).filter((experiment) => stages.includes(experiment.lifecycle_stage));
}

/**
 * experiments/search: experiments per workspace are few, so filter and order run in memory; the
 * default order is MLflow's, newest first, then by id. Bad input is refused before anything is read.
 */
export async function searchExperiments(
  context: Context,
  workspace: string,
  input: { filter: string | undefined; orderBy: string[]; viewType: ViewType; maxResults: number; pageToken: string | undefined },
): Promise<Page<Experiment>> {
  if (input.maxResults < 1 || input.maxResults > 50000)
    throw mlflowError(
      'INVALID_PARAMETER_VALUE',
      `Invalid value for max_results. It must be at most 50000, but got value ${input.maxResults}`,
    );
  const comparisons = parseExperimentFilter(input.filter);
  const orders = parseExperimentOrderBy(input.orderBy);
  const offset = decodeOffset(input.pageToken);
  const matched = (await listExperiments(context, workspace, input.viewType)).filter((experiment) =>
    matchesAll(comparisons, (comparison) =>
      comparison.type === 'tag'
        ? experiment.tags.find((tag) => tag.key === comparison.key)?.value
        : experimentAttribute(experiment, comparison.key),
    ),
  );
  const sorted = sortByOrders(
    matched,
    orders,
    (experiment, order) => experimentAttribute(experiment, order.key),
    (a, b) => b.creation_time - a.creation_time || Number(b.experiment_id) - Number(a.experiment_id),
  );
  return pageOf(sorted, input.maxResults, offset);
}

function experimentAttribute(experiment: Experiment, key: string): string | number | undefined {
  switch (key) {
    case 'name':
      return experiment.name;
    case 'experiment_id':
      return Number(experiment.experiment_id);
    case 'creation_time':
      return experiment.creation_time;
    case 'last_update_time':
      return experiment.last_update_time;
    default:
      return undefined;
  }
}
