import type { Problem } from '../errors.js';
import { isPlainObject } from '../azureml/schema-helpers.js';
import { parseYaml } from '../yaml/parse-yaml.js';
import { stringifyYaml } from '../yaml/stringify-yaml.js';
import type { FiringKind } from './schedule.js';

/** Fields of create_job merged key by key into the job's own (the rest replace the job's). */
const mergedFields = new Set(['settings', 'inputs', 'outputs', 'tags', 'environment_variables', 'properties']);

/**
 * The job a schedule creates: the template job with create_job's overrides (`settings`, `inputs`,
 * `outputs`, `tags`, ... merged key by key; `display_name`, `compute`, ... replaced), as Azure ML
 * applies them. A `type` override that is not the job's type is a problem, not a conversion.
 */
export function applyCreateJobOverrides(
  job: Record<string, unknown>,
  overrides: Record<string, unknown>,
): { job: Record<string, unknown>; problems: Problem[] } {
  const problems: Problem[] = [];
  const merged: Record<string, unknown> = { ...job };
  const jobType = typeof job.type === 'string' ? job.type.toLowerCase() : 'command';
  for (const [key, value] of Object.entries(overrides)) {
    if (key === 'type') {
      if (String(value).toLowerCase() !== jobType)
        problems.push({
          path: 'create_job.type',
          message: `create_job says type ${String(value)} but the job is a ${jobType} job; leave type out or make them agree`,
        });
      continue;
    }
    const own = merged[key];
    merged[key] = mergedFields.has(key) && isPlainObject(own) && isPlainObject(value) ? { ...own, ...value } : value;
  }
  return { job: merged, problems };
}

/** What a firing knows that its job may use: `${{name}}` and `${{creation_context.trigger_time}}`. */
export interface FiringContext {
  schedule: string;
  jobName: string;
  slotAt: number;
  kind: FiringKind;
}

const expression = /\$\{\{\s*(name|creation_context\.trigger_time)\s*\}\}/g;

/**
 * The job file a firing submits: the template's text with `${{name}}` (the job's name) and
 * `${{creation_context.trigger_time}}` (the slot, ISO 8601 UTC) replaced, named for its slot, and
 * tagged with the schedule that made it (`trellis.schedule`, `trellis.schedule.slot`).
 */
export function firingJobText(templateText: string, firing: FiringContext, fileName: string): string {
  const slot = new Date(firing.slotAt).toISOString();
  // Replaced in the values, not the text, so what is put in never changes how the YAML reads.
  const substitute = (value: unknown): unknown => {
    if (typeof value === 'string') return value.replace(expression, (_match, name: string) => (name === 'name' ? firing.jobName : slot));
    if (Array.isArray(value)) return value.map(substitute);
    if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substitute(item)]));
    return value;
  };
  const document = parseYaml(templateText, fileName).value;
  const substituted = Object.fromEntries(Object.entries(document).map(([key, value]) => [key, substitute(value)]));
  const tags = isPlainObject(substituted.tags) ? substituted.tags : {};
  return stringifyYaml({
    ...substituted,
    name: firing.jobName,
    tags: { ...tags, 'trellis.schedule': firing.schedule, 'trellis.schedule.slot': slot, 'trellis.schedule.kind': firing.kind },
  });
}
