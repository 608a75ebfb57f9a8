import { TrellisError } from '../../core/errors.js';
import { assetIdOf, type RegistryKind, registryStorageOf } from '../../core/registries/registry-asset-id.js';
import { checkName, checkVersion } from '../../core/resources/names.js';
import type { Resource } from '../../core/resources/resource.js';
import type { Run } from '../../core/tracking/entities.js';
import { auditChange } from '../audit-change.js';
import type { Caller, Context } from '../context.js';
import { getResource } from '../resource-service.js';
import { copyAssetContent } from './copy-asset-content.js';
import { getRegistry } from './registry-service.js';

export interface ShareRequest {
  workspace: string;
  kind: RegistryKind;
  name: string;
  version: string;
  registry: string;
  /** The name and version in the registry (`az ml model share --share-with-name/--share-with-version`); the source's by default. */
  shareWithName?: string | undefined;
  shareWithVersion?: string | undefined;
}

/** The tag an evaluation step sets on its run (or on the model): 'false' refuses promotion. */
export const evaluationPassedTag = 'trellis.evaluation.passed';

/**
 * Shares a workspace's asset version into a registry, as `az ml model share` does: a copy of its
 * files and spec in the registry, with its provenance — the asset it came from and the lineage
 * that asset had (the run and job that produced it, their code, data and environment) — so a
 * production deployment of the copy still reaches the dev run that made it. A model whose
 * evaluation said it did not pass (the tag `trellis.evaluation.passed: false` on the model or its
 * run) is refused, with the run's numbers. The version must not exist in the registry yet (409).
 */
export async function shareAsset(context: Context, caller: Caller, request: ShareRequest): Promise<Resource> {
  const registry = await getRegistry(context, request.registry);
  const source = await getResource(context, {
    workspace: request.workspace,
    kind: request.kind,
    name: request.name,
    version: request.version,
  });
  const targetName = request.shareWithName ?? source.name;
  const targetVersion = request.shareWithVersion ?? source.version ?? '1';
  const problem = checkName(targetName, 'share_with_name') ?? checkVersion(targetVersion, 'share_with_version');
  if (problem) throw new TrellisError('InvalidName', 400, `${problem.path}: ${problem.message}`);
  const sourceId = assetIdOf(source.workspace, request.kind, source.name, source.version ?? '1');
  const repositories = context.store.repositories;
  const run = await producingRun(context, source);
  if (request.kind === 'model') refuseFailedEvaluation(source, run, sourceId);

  const space = registryStorageOf(registry.name);
  const target = { workspace: space, kind: request.kind, name: targetName, version: targetVersion };
  if (await repositories.resources.get(target))
    throw new TrellisError(
      'ResourceAlreadyExists',
      409,
      `registry '${registry.name}' already has ${request.kind} ${targetName} version ${targetVersion}; share with another version (--share-with-version) or use the one there (${assetIdOf(space, request.kind, targetName, targetVersion)})`,
    );
  const sourcePath = 'path' in source.spec && typeof source.spec.path === 'string' ? source.spec.path : undefined;
  const path =
    sourcePath === undefined
      ? undefined
      : await copyAssetContent(context.artifactsFor(source.workspace), context.artifactsFor(space), sourcePath);
  const now = context.clock().toISOString();
  const job = run ? run.data.tags.find((tag) => tag.key === 'trellis.job.name' || tag.key === 'trellis.job')?.value : undefined;
  const jobRecord = job ? await repositories.jobs.get(source.workspace, job) : undefined;
  const provenance = {
    sharedFrom: sourceId,
    sharedBy: caller.actor,
    sharedAt: now,
    workspace: source.workspace,
    ...(source.status.lineage !== undefined ? { lineage: source.status.lineage } : {}),
    ...(run
      ? { run: { id: run.info.run_id, experimentId: run.info.experiment_id, name: run.info.run_name, workspace: source.workspace } }
      : {}),
    ...(jobRecord ? { job: { name: jobRecord.name, workspace: source.workspace, lineage: jobRecord.lineage } } : {}),
  };
  return context.store.transaction(async (transaction) => {
    const created = await transaction.resources.insert(
      {
        kind: source.kind,
        workspace: space,
        name: targetName,
        version: targetVersion,
        spec: path === undefined ? source.spec : { ...source.spec, path },
        status: { provenance },
        tags: source.tags,
        description: source.description,
      },
      caller.actor,
      now,
    );
    await auditChange(transaction, caller, now, 'create', undefined, created, `shared from ${sourceId}`);
    return created;
  });
}

/** The MLflow run that produced the asset: the one its lineage names, or the one its tags name (mlflow.run_id). */
async function producingRun(context: Context, source: Resource): Promise<Run | undefined> {
  const lineage = source.status.lineage;
  const fromLineage =
    typeof lineage === 'object' &&
    lineage !== null &&
    'run' in lineage &&
    typeof lineage.run === 'object' &&
    lineage.run !== null &&
    'id' in lineage.run
      ? String(lineage.run.id)
      : undefined;
  const runId = fromLineage ?? source.tags['mlflow.run_id'];
  return runId ? context.store.repositories.runs.get(source.workspace, runId) : undefined;
}

function refuseFailedEvaluation(source: Resource, run: Run | undefined, sourceId: string): void {
  const runSays = run?.data.tags.find((tag) => tag.key === evaluationPassedTag)?.value;
  const verdict = source.tags[evaluationPassedTag] ?? runSays;
  if (verdict === undefined || verdict.toLowerCase() !== 'false') return;
  const numbers = (run?.data.metrics ?? []).map((metric) => `${metric.key}=${formatNumber(metric.value)}`).join(', ');
  throw new TrellisError(
    'PromotionRefused',
    409,
    `${sourceId} did not pass its evaluation (${evaluationPassedTag}=false${run ? ` on run ${run.info.run_id}` : ''})${numbers ? `: ${numbers}` : ''}; train a better model, or promote one that passed`,
  );
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(4);
}
