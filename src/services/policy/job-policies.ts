import { resolveCuratedEnvironment } from '../../core/environments/curated.js';
import { TrellisError } from '../../core/errors.js';
import { imageAllowed, packageSourcesOf, sourceAllowed } from '../../core/policy/job-settings.js';
import { jobComputeType } from '../../core/policy/policy-target.js';
import { findAsset } from '../asset-lookup.js';
import type { Context } from '../context.js';
import { verdictsFor } from './policy-enforcement.js';
import { plainObjectOr } from '../../core/azureml/schema-helpers.js';
import { parseSigningKey } from '../../core/code-signing/signing-key.js';
import type { EnforcedSettings } from '../../core/jobs/job.js';
import type { UploadedContent } from '../../core/resources/uploaded-content.js';
import { verifyUploadedCode } from './code-signing.js';

/** A job about to be queued, as the enforce-setting policies see it. */
export interface JobUnderPolicy {
  workspace: string;
  name: string;
  /** The compute's name; serverless (local) runs have one too. */
  computeName: string;
  /** The job file's environment: a reference (curated or an asset) or an inline spec. */
  environment: string | Record<string, unknown> | undefined;
  /** The job's code as uploaded (or stored before: a component's snapshot); undefined when it has none. */
  code: UploadedContent | undefined;
}

/**
 * Azure's Machine Learning "enforce setting" definitions, applied when a job is submitted: every
 * assignment reaching the job (selected by its compute's name, type, network and tags) hands its
 * setting, and the job is refused (403, naming the policy, what it found and what is allowed)
 * when its image is from a registry not allowed (allowedACRs), its environment installs
 * packages from a channel or index not allowed (allowedPythonPackageChannels), or its code does
 * not carry a valid signature by an allowed key (signingKeys). Trellis's curated environments
 * are the platform's own and pass. An empty allowed list of registries or channels restricts
 * nothing. What the job is held to is returned, to be kept with it: the run builds the
 * environment from the allowed sources only, and checks the code's signature again.
 */
export async function enforceJobPolicies(context: Context, job: JobUnderPolicy): Promise<EnforcedSettings> {
  const compute = await context.store.repositories.resources.get({
    workspace: job.workspace,
    kind: 'compute',
    name: job.computeName,
    version: null,
  });
  const verdicts = await verdictsFor(context, {
    type: jobComputeType,
    workspace: job.workspace,
    name: job.name,
    tags: {},
    compute: { name: job.computeName, spec: compute?.spec, tags: compute?.tags ?? {} },
  });
  const settings = verdicts.filter(
    ({ verdict, assignment, exemption }) => verdict.setting !== undefined && assignment.enforcementMode === 'Default' && !exemption,
  );
  if (settings.length === 0) return {};
  const environment = await environmentSpecOf(context, job);
  const violations: string[] = [];
  const enforced: EnforcedSettings = {};
  for (const { verdict, assignment, entry } of settings) {
    const setting = verdict.setting;
    if (!setting) continue;
    const title = `policy '${entry.policy.definition.displayName ?? entry.policy.definition.name}' (assignment '${assignment.name}')`;
    if (setting.name === 'signingKeys') {
      const keys = signingKeysOf(setting.value);
      const verdict = await verifyUploadedCode(context.artifactsFor(job.workspace), job.code, keys);
      if (!verdict.ok)
        violations.push(
          `${title}: ${verdict.problem}; sign the code folder with an allowed key: trellis code sign <folder> --key <private key>`,
        );
      else
        enforced.codeSignature = {
          fingerprint: verdict.fingerprint,
          digest: verdict.digest,
          assignments: [...(enforced.codeSignature?.assignments ?? []), assignment.name],
        };
    }
    if (!environment) continue;
    if (setting.name === 'allowedACRs') {
      const allowed = stringsOf(plainObjectOr(setting.value)?.allowedList);
      const image = typeof environment.image === 'string' ? environment.image : undefined;
      if (image && allowed.length > 0 && !imageAllowed(image, allowed))
        violations.push(
          `${title}: image '${image}' is not from an allowed registry (allowed: ${allowed.join(', ')}); use an image from one of them`,
        );
    }
    if (setting.name === 'allowedPythonPackageChannels') {
      const allowed = stringsOf(setting.value);
      if (allowed.length > 0) enforced.packageSources = [...(enforced.packageSources ?? []), { assignment: assignment.name, allowed }];
      const refused = allowed.length === 0 ? [] : packageSourcesOf(environment).filter((source) => !sourceAllowed(source, allowed));
      if (refused.length > 0)
        violations.push(
          `${title}: the environment installs packages from ${refused.map((source) => `'${source}'`).join(', ')}, which ${refused.length === 1 ? 'is' : 'are'} not allowed (allowed: ${allowed.join(', ')}); name an allowed index with --index-url in the pip list, or an allowed conda channel`,
        );
    }
  }
  if (violations.length > 0)
    throw new TrellisError(
      'RequestDisallowedByPolicy',
      403,
      `job '${job.name}' is disallowed by ${violations.join('; and by ')}. Or ask for an exemption of compute '${job.computeName}': trellis policy exemption create --assignment <assignment> --scope /workspaces/${job.workspace}/computes/${job.computeName} --reason '<why>'`,
    );
  return enforced;
}

/** The fingerprints of the keys a signingKeys setting allows (its allowedList; empty entries, such as an unset second key, left out). */
function signingKeysOf(value: unknown): Set<string> {
  const fingerprints = new Set<string>();
  for (const text of stringsOf(plainObjectOr(value)?.allowedList)) {
    const key = parseSigningKey(text);
    if (key.ok) fingerprints.add(key.fingerprint);
  }
  return fingerprints;
}

/** The environment's spec: inline, or the asset's; undefined for a curated environment (built by the platform). */
async function environmentSpecOf(context: Context, job: JobUnderPolicy): Promise<Record<string, unknown> | undefined> {
  if (job.environment === undefined) return undefined;
  if (typeof job.environment !== 'string') return job.environment;
  if (resolveCuratedEnvironment(job.environment)) return undefined;
  const found = await findAsset(context, job.workspace, 'environment', job.environment);
  return found ? { ...found.spec } : undefined;
}

function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string' && item.trim() !== '') : [];
}
