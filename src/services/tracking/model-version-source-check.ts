import { mlflowError } from '../../core/tracking/mlflow-error.js';
import { isPromptTagged, parseStage, promptSources } from '../../core/tracking/model-registry-rules.js';
import {
  hasRelativePathReferences,
  isLocalUri,
  isMlflowArtifactSource,
  isUriWithinRoot,
  localSourceError,
  parseModelUri,
  parseRunsUri,
  parseUri,
  relativeSourceError,
  sourceNotInRequestError,
} from '../../core/tracking/model-version-source.js';
import type { Repositories } from '../../store/store.js';
import { latestPerStage, notFound, requireVersion, toModelVersion, findModel } from './model-registry-view.js';

/**
 * The checks MLflow's server makes on a new version's source before the store sees it
 * (_create_model_version in mlflow/server/handlers.py): a `models:/name/...` source is resolved to
 * the version it names and inherits its run and logged model; a source must lie inside the run or
 * logged model the request names when it is a runs:/, models:/m-..., local or proxied-artifact URI;
 * relative path tricks are refused. Trellis never reads from the source, so MLflow's host policy
 * for host-addressed schemes does not apply.
 */

export interface VersionLineage {
  source: string;
  runId: string | undefined;
  modelId: string | undefined;
}

export interface SourceRequest {
  source: string;
  /** undefined when the field is absent from the request. */
  runId: string | undefined;
  modelId: string | undefined;
}

export async function checkVersionSource(
  repositories: Repositories,
  workspace: string,
  request: SourceRequest,
  isPrompt: boolean,
): Promise<VersionLineage> {
  if (isPrompt) {
    if (!promptSources.includes(request.source))
      throw mlflowError(
        'INVALID_PARAMETER_VALUE',
        `Invalid prompt source: '${request.source}'. Prompt sources must use an MLflow placeholder.`,
      );
    return { source: request.source, runId: request.runId || undefined, modelId: request.modelId || undefined };
  }
  const lineage = await resolveRegisteredSource(repositories, workspace, request);
  if (lineage.modelId) await checkSourceOfModel(repositories, workspace, lineage.source, lineage.modelId);
  else await checkSourceOfRun(repositories, workspace, lineage.source, lineage.runId ?? '');
  return lineage;
}

/**
 * `models:/name/<version | stage | latest>` or `models:/name@alias`: the version it names, written
 * as `models:/name/<number>`, with that version's run and logged model unless the request names them
 * (then they must match).
 */
export async function resolveRegisteredSource(
  repositories: Repositories,
  workspace: string,
  request: SourceRequest,
): Promise<VersionLineage> {
  const { source } = request;
  const asIs = { source, runId: request.runId || undefined, modelId: request.modelId || undefined };
  const { scheme, netloc } = parseUri(source);
  if (scheme !== 'models') return asIs;
  if (netloc)
    throw mlflowError(
      'INVALID_PARAMETER_VALUE',
      `Invalid model version source: '${source}'. Registered model sources must use the active model registry.`,
    );
  const parsed = parseModelUri(source);
  if (!parsed) throw sourceNotInRequestError(source, 'model_id');
  if (parsed.modelId || parsed.name === undefined) return asIs;
  const target = await findModel(repositories, workspace, parsed.name);
  if (!target) throw notFound(parsed.name);
  if (isPromptTagged(target.model.tags))
    throw mlflowError(
      'INVALID_PARAMETER_VALUE',
      `Invalid model version source: '${source}'. Prompt versions cannot be used as model version sources.`,
    );

  let version = parsed.version;
  if (parsed.alias !== undefined) {
    const alias = target.model.aliases.find((candidate) => candidate.alias === parsed.alias);
    if (!alias && parsed.alias.toLowerCase() !== 'latest')
      throw mlflowError('INVALID_PARAMETER_VALUE', `Registered model alias ${parsed.alias} not found.`);
    version = alias?.version;
  }
  if (version === undefined) {
    const stage = parsed.stage === undefined ? undefined : parseStage(parsed.stage);
    const latest = latestPerStage(
      target.versions.map((resource) => toModelVersion(resource, target.model.aliases)),
      stage ? [stage] : undefined,
    );
    if (latest.length === 0)
      throw mlflowError(
        'RESOURCE_DOES_NOT_EXIST',
        `No versions of model with name '${parsed.name}'${stage ? ` and stage '${stage}'` : ''} found`,
      );
    version = String(Math.max(...latest.map((candidate) => Number(candidate.version))));
  }
  const copied = toModelVersion(await requireVersion(repositories, workspace, parsed.name, version), []);
  if (
    (request.runId !== undefined && request.runId !== copied.run_id) ||
    (request.modelId !== undefined && request.modelId !== (copied.model_id ?? ''))
  ) {
    throw mlflowError(
      'INVALID_PARAMETER_VALUE',
      `Invalid model version source: '${source}'. The run_id and model_id request parameters must match the referenced model version.`,
    );
  }
  return {
    source: `models:/${parsed.name}/${copied.version}`,
    runId: (request.runId !== undefined ? request.runId : copied.run_id) || undefined,
    modelId: (request.modelId !== undefined ? request.modelId : copied.model_id) || undefined,
  };
}

/** A source registered from a run (or from nothing): MLflow's _validate_source_run. */
async function checkSourceOfRun(repositories: Repositories, workspace: string, source: string, runId: string): Promise<void> {
  if (isLocalUri(source)) {
    // Run artifacts live behind the artifact proxy here, never in a local directory of the server.
    if (runId && !(await repositories.runs.getInfo(workspace, runId))) throw sourceNotInRequestError(source, 'run_id');
    throw localSourceError(source, 'run_id');
  }
  if (hasRelativePathReferences(source)) throw relativeSourceError(source);
  const { scheme, netloc } = parseUri(source);
  if (scheme === 'runs') {
    const parsed = parseRunsUri(source);
    if (!parsed)
      throw mlflowError(
        'INVALID_PARAMETER_VALUE',
        `Not a proper runs:/ URI: ${source}. Runs URIs must be of the form 'runs:/<run_id>/run-relative/path/to/artifact'`,
      );
    if (!netloc && runId && parsed.runId === runId) return;
    throw sourceNotInRequestError(source, 'run_id');
  }
  if (scheme === 'models') {
    const parsed = parseModelUri(source);
    if (netloc || !parsed || parsed.modelId) throw sourceNotInRequestError(source, 'model_id');
  }
  if (isMlflowArtifactSource(source)) {
    const run = runId ? await repositories.runs.getInfo(workspace, runId) : undefined;
    if (run && isUriWithinRoot(source, run.artifact_uri)) return;
    throw sourceNotInRequestError(source, 'run_id');
  }
}

/** A source registered from an MLflow 3 logged model: MLflow's _validate_source_model. */
async function checkSourceOfModel(repositories: Repositories, workspace: string, source: string, modelId: string): Promise<void> {
  if (isLocalUri(source)) {
    if (!(await repositories.loggedModels.get(workspace, modelId))) throw sourceNotInRequestError(source, 'model_id');
    throw localSourceError(source, 'model_id');
  }
  if (hasRelativePathReferences(source)) throw relativeSourceError(source);
  const { scheme, netloc } = parseUri(source);
  if (scheme === 'models') {
    const parsed = parseModelUri(source);
    if (netloc || !parsed) throw sourceNotInRequestError(source, 'model_id');
    if (parsed.modelId !== undefined) {
      if (parsed.modelId === modelId) return;
      throw sourceNotInRequestError(source, 'model_id');
    }
  }
  if (scheme === 'runs') throw sourceNotInRequestError(source, 'model_id');
  if (isMlflowArtifactSource(source)) {
    const model = await repositories.loggedModels.get(workspace, modelId);
    if (model && isUriWithinRoot(source, model.info.artifact_uri)) return;
    throw sourceNotInRequestError(source, 'model_id');
  }
}
