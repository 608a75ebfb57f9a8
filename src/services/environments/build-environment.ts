import { devNull } from 'node:os';
import type { Logger } from 'pino';
import { isPlainObject } from '../../core/azureml/schema-helpers.js';
import { resolveCuratedEnvironment } from '../../core/environments/curated.js';
import type { EnvironmentSpec } from '../../core/environments/environment-spec.js';
import { planEnvironment, type VenvPlan } from '../../core/environments/plan-environment.js';
import { TrellisError } from '../../core/errors.js';
import type { EnforcedSettings, JobLineage } from '../../core/jobs/job.js';
import { pipSources, sourceAllowed } from '../../core/policy/job-settings.js';
import { canonicalJson, sha256Hex } from '../../core/resources/digest.js';
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
  allowedSources?: EnforcedSettings['packageSources'],
): Promise<BuiltEnvironment> {
  const image = typeof spec.image === 'string' ? spec.image : undefined;
  const needsInterpreters = spec.conda_file !== undefined && isPlainObject(spec.conda_file);
  const plan = planEnvironment(spec, { interpreters: needsInterpreters ? await machineInterpreters() : [] });
  for (const note of plan.notes) await onLog(note);
  if (plan.kind !== 'venv') return image ? { image } : {};
  const restricted = allowedSources && allowedSources.length > 0 ? restrictToAllowedSources(plan, allowedSources) : undefined;
  if (restricted) await onLog(restricted.note);
  const lines: Promise<void>[] = [];
  const built = await ensureEnvironment(restricted?.plan ?? plan, {
    cacheRoot,
    onLog: (line) => lines.push(onLog(line)),
    logger,
    ...(restricted ? { env: restricted.env } : {}),
  });
  await Promise.all(lines);
  return { binDir: built.binDir, envDir: built.envDir, ...(image ? { image } : {}) };
}

/** pip's settings that add package sources: left out of a build held to the allowed sources. */
const sourceSettings = ['PIP_INDEX_URL', 'PIP_EXTRA_INDEX_URL', 'PIP_FIND_LINKS', 'PIP_NO_INDEX', 'PIP_CONFIG_FILE'];

/**
 * A build held to the sources an allowedPythonPackageChannels policy allows: the requirements'
 * sources checked again against every assignment (RequestDisallowedByPolicy, 403, naming what is
 * not allowed), pip run without the machine's own index settings (PIP_INDEX_URL, PIP_FIND_LINKS,
 * pip.conf), so it installs only from what the requirements name, and cached apart from an
 * unrestricted build of the same requirements (which may hold packages from elsewhere).
 */
function restrictToAllowedSources(
  plan: VenvPlan,
  allowedSources: NonNullable<EnforcedSettings['packageSources']>,
): { plan: VenvPlan; env: NodeJS.ProcessEnv; note: string } {
  const sources = pipSources(plan.pipRequirements);
  const refused = allowedSources.flatMap(({ assignment, allowed }) =>
    sources
      .filter((source) => !sourceAllowed(source, allowed))
      .map((source) => `'${source}' (assignment '${assignment}' allows ${allowed.join(', ')})`),
  );
  if (refused.length > 0)
    throw new TrellisError(
      'RequestDisallowedByPolicy',
      403,
      `the environment would install packages from ${refused.join(', ')}; name an allowed index with --index-url in the pip list`,
    );
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !sourceSettings.includes(name.toUpperCase())));
  env.PIP_CONFIG_FILE = devNull;
  return {
    plan: { ...plan, specHash: sha256Hex(canonicalJson({ plan: plan.specHash, sources: [...sources].sort() })) },
    env,
    note: `packages only from ${sources.join(', ') || 'no source (nothing to install)'}, as policy ${allowedSources.map(({ assignment }) => `'${assignment}'`).join(', ')} allows; this machine's PIP_INDEX_URL, PIP_FIND_LINKS and pip config files are not used`,
  };
}

let interpreters: ReturnType<typeof findInterpreters> | undefined;

/** The machine's Pythons, looked up once per process (it takes a second or two). */
function machineInterpreters(): ReturnType<typeof findInterpreters> {
  interpreters ??= findInterpreters();
  return interpreters;
}
