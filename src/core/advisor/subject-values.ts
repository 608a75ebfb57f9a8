import type { ModelSource, PackageList } from './static-subject.js';

/**
 * Small normalisations shared by the YAML and ARM readers, so both give a rule the same value:
 * enum spellings, durations, a conda file's packages, where a model comes from.
 */

/** ARM's and the CLI's spellings as one: 'AllowOnlyApprovedOutbound' and 'allow_only_approved_outbound' give 'allow_only_approved_outbound'; 'AMLToken' gives 'aml_token'. */
export function snakeCase(text: string): string {
  return text
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .replace(/[\s-]+/g, '_')
    .toLowerCase();
}

/** A compute type as Trellis writes it: ARM's 'AmlCompute' and 'ComputeInstance' are 'amlcompute' and 'computeinstance'. */
export function computeTypeName(text: string): string {
  const squashed = text.toLowerCase().replaceAll('_', '');
  return squashed === 'aks' ? 'kubernetes' : squashed;
}

/** Seconds in an ISO 8601 duration ('PT120S', 'PT30M', 'PT1H30M', 'P1D'); undefined when it is not one. */
export function isoDurationSeconds(text: string): number | undefined {
  const match = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(text.trim());
  if (!match || text.trim().toUpperCase() === 'P' || /T$/i.test(text.trim())) return undefined;
  const [, days, hours, minutes, seconds] = match.map((part) => (part === undefined ? 0 : Number(part)));
  return (days ?? 0) * 86_400 + (hours ?? 0) * 3_600 + (minutes ?? 0) * 60 + (seconds ?? 0);
}

/**
 * The packages a conda environment file lists (its `dependencies`: conda specs, and pip specs
 * under `- pip: [...]`); undefined when the value is not a conda mapping with a dependency list.
 */
export function packagesFromConda(conda: unknown): PackageList | undefined {
  if (typeof conda !== 'object' || conda === null || Array.isArray(conda)) return undefined;
  const dependencies = (conda as { dependencies?: unknown }).dependencies;
  if (!Array.isArray(dependencies)) return undefined;
  const list: PackageList = { conda: [], pip: [] };
  for (const dependency of dependencies) {
    if (typeof dependency === 'string') list.conda.push(dependency);
    else if (typeof dependency === 'object' && dependency !== null && Array.isArray((dependency as { pip?: unknown }).pip)) {
      for (const spec of (dependency as { pip: unknown[] }).pip) if (typeof spec === 'string') list.pip.push(spec);
    }
  }
  return list;
}

/**
 * Where a deployment's model reference points: a registry (`azureml://registries/<r>/models/...`,
 * or an ARM id under `/registries/`), else the workspace's own models.
 */
export function modelSourceOf(reference: string): ModelSource {
  const isRegistry =
    /^azureml:\/\/registries\//i.test(reference) || /\/providers\/Microsoft\.MachineLearningServices\/registries\//i.test(reference);
  return { from: isRegistry ? 'registry' : 'workspace', reference };
}
