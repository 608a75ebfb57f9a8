import { isPlainObject } from '../azureml/schema-helpers.js';
import { nonEmptyText, onlyFields, optionalText, plainCommandJob, plainMetadata, type PlainCommandJob } from './plain-documents.js';

/**
 * The fast path of plain-documents.ts for a pipeline job: what parsePipelineDocument gives for a
 * plain file (a name, compute or default compute, and steps that are each a plain command job with
 * no inputs, outputs or component), built straight from the parsed YAML, or undefined for anything
 * else. With no bindings between its steps, such a pipeline has no graph to get wrong
 * (checkPipelineGraph and checkBindingTypes find problems only in bindings).
 */

/** The pipeline fields yaml-subjects reads, as pipelineJobSchema gives them. */
export interface PlainPipelineJob {
  name?: string;
  display_name?: string;
  compute?: string;
  settings?: { default_compute?: string };
  jobs: Record<string, PlainCommandJob & { sweep?: undefined; parallel?: undefined }>;
}

const pipelineFields = new Set(['$schema', 'type', 'name', 'display_name', 'description', 'tags', 'compute', 'settings', 'jobs']);
const settingsFields = new Set(['default_compute']);
const pipelineNamePattern = /^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/;
const stepNamePattern = /^[A-Za-z_]\w*$/;

/** A plain pipeline job file, as parsePipelineDocument's pipeline (the fields yaml-subjects reads); else undefined. */
export function plainPipelineJob(document: Record<string, unknown>): PlainPipelineJob | undefined {
  if (!onlyFields(document, pipelineFields) || !plainMetadata(document) || document.type !== 'pipeline') return undefined;
  const { name, display_name: displayName, compute, settings, jobs } = document;
  if (name !== undefined && (typeof name !== 'string' || !pipelineNamePattern.test(name))) return undefined;
  if (!optionalText(displayName) || (compute !== undefined && !nonEmptyText(compute))) return undefined;
  if (settings !== undefined && (!isPlainObject(settings) || !onlyFields(settings, settingsFields))) return undefined;
  const defaultCompute = settings?.default_compute;
  if (defaultCompute !== undefined && !nonEmptyText(defaultCompute)) return undefined;
  if (!isPlainObject(jobs) || Object.getPrototypeOf(jobs) !== Object.prototype || Object.hasOwn(jobs, '__proto__')) return undefined;
  const steps: PlainPipelineJob['jobs'] = {};
  let count = 0;
  for (const stepName in jobs) {
    const step = jobs[stepName];
    if (!stepNamePattern.test(stepName) || !isPlainObject(step)) return undefined;
    // A step's compute bound to a pipeline input (${{parent.inputs.x}}) takes the input's value.
    if (typeof step.compute === 'string' && step.compute.includes('${{')) return undefined;
    const job = plainCommandJob(step);
    if (job === undefined) return undefined;
    steps[stepName] = job;
    count += 1;
  }
  if (count === 0) return undefined;
  const pipeline: PlainPipelineJob = { jobs: steps };
  if (typeof name === 'string') pipeline.name = name;
  if (typeof displayName === 'string') pipeline.display_name = displayName;
  if (typeof compute === 'string') pipeline.compute = compute;
  if (typeof defaultCompute === 'string') pipeline.settings = { default_compute: defaultCompute };
  else if (settings !== undefined) pipeline.settings = {};
  return pipeline;
}
