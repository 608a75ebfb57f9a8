import type { Logger } from 'pino';
import { isPlainObject } from '../../core/azureml/schema-helpers.js';
import { resolveCuratedEnvironment } from '../../core/environments/curated.js';
import type { EnvironmentSpec } from '../../core/environments/environment-spec.js';
import { planEnvironment } from '../../core/environments/plan-environment.js';
import { TrellisError } from '../../core/errors.js';
import type { JobLineage } from '../../core/jobs/job.js';
import { findInterpreters } from '../../environments/find-interpreters.js';
import { ensureEnvironment } from '../../environments/venv-builder.js';
import type { Context } from '../context.js';

/**
 * The environment a job or a deployment runs in, as its lineage fixed it (a curated environment,
 * an environment asset's exact version, or the inline spec), built into a cached virtualenv when it
 * needs one: the local equivalent of pulling an image.
 */

export type EnvironmentReference = JobLineage['environment'];

/** What the processes run with: the venv's bin folder and root (when built), the image (for container backends). */
export interface BuiltEnvironment {
  binDir?: string;
  envDir?: string;
  image?: string;
}

/** The spec a reference names; `inlineSpec` is the YAML's own environment when the reference is inline. */
export async function environmentSpecOf(
  context: Context,
  workspace: string,
  reference: EnvironmentReference,
  inlineSpec: unknown,
): Promise<EnvironmentSpec> {
  if ('inline' in reference) return inlineSpec as EnvironmentSpec;
  if (reference.curated) {
    const curated = resolveCuratedEnvironment(`${reference.name}:${reference.version}`) ?? resolveCuratedEnvironment(reference.name);
    if (!curated)
      throw new TrellisError(
        'EnvironmentMissing',
        409,
        `curated environment ${reference.name}:${reference.version} is not shipped with this Trellis`,
      );
    return curated.spec;
  }
  const asset = await context.store.repositories.resources.get({
    workspace,
    kind: 'environment',
    name: reference.name,
    version: reference.version,
  });
  if (!asset) throw new TrellisError('EnvironmentMissing', 409, `environment ${reference.name}:${reference.version} is gone`);
  return asset.spec;
}

/** Builds (or reuses) the environment; every line of the build goes to `onLog`, what it leaves behind by accident to `logger`. */
export async function buildEnvironment(
  spec: EnvironmentSpec,
  cacheRoot: string,
  onLog: (line: string) => Promise<void>,
  logger: Logger,
): Promise<BuiltEnvironment> {
  const image = typeof spec.image === 'string' ? spec.image : undefined;
  const needsInterpreters = spec.conda_file !== undefined && isPlainObject(spec.conda_file);
  const plan = planEnvironment(spec, { interpreters: needsInterpreters ? await machineInterpreters() : [] });
  for (const note of plan.notes) await onLog(note);
  if (plan.kind !== 'venv') return image ? { image } : {};
  const lines: Promise<void>[] = [];
  const built = await ensureEnvironment(plan, { cacheRoot, onLog: (line) => lines.push(onLog(line)), logger });
  await Promise.all(lines);
  return { binDir: built.binDir, envDir: built.envDir, ...(image ? { image } : {}) };
}

let interpreters: ReturnType<typeof findInterpreters> | undefined;

/** The machine's Pythons, looked up once per process (it takes a second or two). */
function machineInterpreters(): ReturnType<typeof findInterpreters> {
  interpreters ??= findInterpreters();
  return interpreters;
}
