import { endpointNameProblem, modelReferenceProblem } from '../azureml/endpoint-fields.js';
import { onlineDeploymentDefaults } from '../azureml/online-deployment-schema.js';
import { isRemotePath } from '../azureml/paths.js';
import { isPlainObject } from '../azureml/schema-helpers.js';
import { checkName, checkVersion } from '../resources/names.js';
import { noTags } from './static-subject.js';

/**
 * The advisor's fast path: the output Trellis's zod schemas would give for a plain file of the
 * commonest kinds (amlcompute and computeinstance clusters, environments, online endpoints and
 * deployments, workspaces, command jobs; sweeps and pipelines in plain-sweep-job.ts and
 * plain-pipeline-job.ts), built straight from the parsed YAML. Each function vouches only for documents
 * whose every field it knows and whose every value the schema would accept unchanged (or fill in
 * with its default); for anything else it returns undefined, and the caller validates the document
 * with zod as `trellis apply` does, so error messages and findings are the schema's own.
 * yaml-subjects.test.ts checks both paths give the same subjects on every fixture.
 */

/** A resource file's identity and spec, as parseResourceDocument gives them. */
export interface PlainResource {
  name: string;
  version: string | null;
  tags: Readonly<Record<string, string>>;
  spec: Record<string, unknown>;
}

const amlComputeFields = new Set([
  '$schema',
  'name',
  'description',
  'tags',
  'type',
  'size',
  'tier',
  'min_instances',
  'max_instances',
  'idle_time_before_scale_down',
]);
const computeInstanceFields = new Set(['$schema', 'name', 'description', 'tags', 'type', 'size', 'idle_time_before_shutdown_minutes']);
const environmentFields = new Set(['$schema', 'name', 'version', 'description', 'tags', 'image', 'conda_file']);
const onlineEndpointFields = new Set(['$schema', 'name', 'description', 'tags', 'auth_mode']);
const workspaceFields = new Set([
  '$schema',
  'name',
  'description',
  'tags',
  'display_name',
  'location',
  'public_network_access',
  'managed_network',
]);
const managedNetworkFields = new Set(['isolation_mode']);
const isolationModes = new Set(['disabled', 'allow_internet_outbound', 'allow_only_approved_outbound']);
const commandJobFields = new Set([
  '$schema',
  'type',
  'name',
  'display_name',
  'description',
  'tags',
  'command',
  'environment',
  'compute',
  'resources',
  'limits',
]);
const onlineDeploymentFields = new Set([
  '$schema',
  'name',
  'endpoint_name',
  'description',
  'tags',
  'model',
  'instance_type',
  'instance_count',
  'scale_settings',
]);
const targetUtilizationFields = new Set(['type', 'min_instances', 'max_instances']);
const inlineEnvironmentFields = new Set(['image', 'conda_file']);
const commandResourcesFields = new Set(['instance_count', 'instance_type']);
const limitsFields = new Set(['timeout']);

// computeDefaults of compute-schema.ts, as the amlcompute schema fills them in.
const amlComputeDefaults = {
  size: 'STANDARD_DS3_V2',
  tier: 'dedicated',
  min_instances: 0,
  max_instances: 4,
  idle_time_before_scale_down: 120,
};
const jobNamePattern = /^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/;

/** A compute file of type amlcompute or computeinstance with plain fields only, as parseResourceDocument reads it; else undefined. */
export function plainCompute(document: Record<string, unknown>): PlainResource | undefined {
  const type = typeof document.type === 'string' ? document.type.toLowerCase() : undefined;
  const fields = type === 'amlcompute' ? amlComputeFields : type === 'computeinstance' ? computeInstanceFields : undefined;
  if (fields === undefined || !onlyFields(document, fields) || !hasPlainIdentity(document)) return undefined;
  if (!optionalText(document.size)) return undefined;
  if (type === 'computeinstance') {
    if (!optionalCount(document.idle_time_before_shutdown_minutes, 0)) return undefined;
    const spec = copyWithout(document, noFields);
    spec.type = type;
    spec.size = document.size ?? amlComputeDefaults.size;
    return resource(document, spec);
  }
  const tier = document.tier;
  if (tier !== undefined && tier !== 'dedicated' && tier !== 'low_priority') return undefined;
  const counts = ['min_instances', 'max_instances', 'idle_time_before_scale_down'] as const;
  if (!counts.every((field) => optionalCount(document[field], 0))) return undefined;
  // The schema's defaults, then the file's fields (no spreads: they are slow, and there are thousands of files).
  const spec: Record<string, unknown> = copyWithout(amlComputeDefaults, noFields);
  for (const key in document) spec[key] = document[key];
  spec.type = type;
  // The schema refuses a cluster whose minimum is above its maximum.
  if ((spec.min_instances as number) > (spec.max_instances as number)) return undefined;
  return resource(document, spec);
}

/** An environment file with an image, an optional local conda file and plain fields only; else undefined. */
export function plainEnvironment(document: Record<string, unknown>): PlainResource | undefined {
  if (!onlyFields(document, environmentFields) || !hasPlainIdentity(document)) return undefined;
  const version = document.version;
  if (version !== undefined && (typeof version !== 'string' || checkVersion(version) !== undefined)) return undefined;
  if (!isPlainEnvironmentBody(document)) return undefined;
  const plain = resource(document, document);
  plain.version = version ?? null;
  return plain;
}

/**
 * A workspace file with a display name, location, public network access and managed network
 * isolation only, written as the schema spells them (`Enabled`, `allow_only_approved_outbound`); else undefined.
 */
export function plainWorkspace(document: Record<string, unknown>): PlainResource | undefined {
  if (!onlyFields(document, workspaceFields) || !hasPlainIdentity(document)) return undefined;
  if (!optionalText(document.display_name) || !optionalText(document.location)) return undefined;
  const access = document.public_network_access;
  if (access !== undefined && access !== 'Enabled' && access !== 'Disabled') return undefined;
  const network = document.managed_network;
  if (network !== undefined) {
    if (!isPlainObject(network) || !onlyFields(network, managedNetworkFields)) return undefined;
    const mode = network.isolation_mode;
    if (mode !== undefined && (typeof mode !== 'string' || !isolationModes.has(mode))) return undefined;
  }
  return resource(document, document);
}

/** An online endpoint file with a name, tags and auth mode only, as parseOnlineEndpoint's spec; else undefined. */
export function plainOnlineEndpoint(document: Record<string, unknown>): Record<string, unknown> | undefined {
  if (!onlyFields(document, onlineEndpointFields) || !plainMetadata(document)) return undefined;
  const schema = document.$schema;
  // A Kubernetes endpoint's schema asks for a compute this path does not read.
  if (typeof schema === 'string' && /kubernetesonlineendpoint/i.test(schema)) return undefined;
  if (typeof document.name !== 'string' || endpointNameProblem(document.name, 'endpoint') !== undefined) return undefined;
  const authMode = document.auth_mode ?? 'key';
  if (authMode !== 'key' && authMode !== 'aml_token') return undefined;
  const spec = copyWithout(document, schemaField);
  spec.auth_mode = authMode;
  return spec;
}

/**
 * A managed online deployment with a model reference, instance type and count and, optionally,
 * default or target-utilization scaling, as parseOnlineDeployment's spec (Azure's defaults filled in); else undefined.
 */
export function plainOnlineDeployment(document: Record<string, unknown>): Record<string, unknown> | undefined {
  if (!onlyFields(document, onlineDeploymentFields) || !plainMetadata(document)) return undefined;
  const { $schema: schema, name, endpoint_name: endpointName, model, instance_type: instanceType, instance_count: count } = document;
  // A Kubernetes deployment's schema makes it type: kubernetes, with other defaults.
  if (typeof schema === 'string' && /kubernetesonlinedeployment/i.test(schema)) return undefined;
  if (typeof name !== 'string' || endpointNameProblem(name, 'deployment') !== undefined) return undefined;
  if (typeof endpointName !== 'string' || endpointNameProblem(endpointName, 'endpoint') !== undefined) return undefined;
  if (model !== undefined && (typeof model !== 'string' || modelReferenceProblem(model) !== undefined)) return undefined;
  if (!nonEmptyText(instanceType) || !optionalCount(count, 1)) return undefined;
  const scale = plainScaleSettings(document.scale_settings);
  if (scale === undefined) return undefined;
  if (scale.type === 'default' && count === undefined) return undefined;
  // The schema refuses an instance count outside the scaling range.
  if (scale.type === 'target_utilization' && typeof count === 'number' && (count < scale.min_instances || count > scale.max_instances))
    return undefined;
  const spec = copyWithout(document, schemaField);
  spec.type = 'managed';
  spec.request_settings = copyWithout(onlineDeploymentDefaults.request_settings, noFields);
  spec.liveness_probe = copyWithout(onlineDeploymentDefaults.probe, noFields);
  spec.readiness_probe = copyWithout(onlineDeploymentDefaults.probe, noFields);
  spec.scale_settings = scale;
  return spec;
}

type PlainScaleSettings =
  | { type: 'default' }
  | {
      type: 'target_utilization';
      min_instances: number;
      max_instances: number;
      target_utilization_percentage: number;
      polling_interval: number;
    };

/** No scale_settings ({type: default}), {type: default}, or {type: target_utilization} with a minimum and maximum only, defaults filled in. */
function plainScaleSettings(scale: unknown): PlainScaleSettings | undefined {
  if (scale === undefined) return { type: 'default' };
  if (!isPlainObject(scale) || !onlyFields(scale, targetUtilizationFields)) return undefined;
  if (scale.type === 'default') return Object.keys(scale).length === 1 ? { type: 'default' } : undefined;
  if (scale.type !== 'target_utilization' || !optionalCount(scale.min_instances, 0) || !optionalCount(scale.max_instances, 1))
    return undefined;
  const defaults = onlineDeploymentDefaults.target_utilization;
  const min = typeof scale.min_instances === 'number' ? scale.min_instances : defaults.min_instances;
  const max = typeof scale.max_instances === 'number' ? scale.max_instances : defaults.max_instances;
  if (min > max) return undefined;
  return { ...defaults, type: 'target_utilization', min_instances: min, max_instances: max };
}

/** The job fields yaml-subjects reads, as parseJobDocument's commandJobSchema gives them. */
export interface PlainCommandJob {
  name?: string;
  display_name?: string;
  tags?: Record<string, string>;
  compute?: string;
  resources?: { instance_type?: string; instance_count: number };
  limits?: { timeout: number };
  environment: unknown;
}

/** A command job with a command, an environment (reference or plain inline one), compute, resources and limits only; else undefined. */
export function plainCommandJob(document: Record<string, unknown>): PlainCommandJob | undefined {
  if (!onlyFields(document, commandJobFields) || !plainMetadata(document)) return undefined;
  if (document.type !== undefined && document.type !== 'command') return undefined;
  const name = document.name;
  if (name !== undefined && (typeof name !== 'string' || !jobNamePattern.test(name))) return undefined;
  if (!optionalText(document.display_name) || !nonEmptyText(document.command)) return undefined;
  const compute = document.compute;
  if (compute !== undefined && !nonEmptyText(compute)) return undefined;
  const environment = document.environment;
  const isInline = isPlainObject(environment) && onlyFields(environment, inlineEnvironmentFields) && isPlainEnvironmentBody(environment);
  if (!isInline && !nonEmptyText(environment)) return undefined;
  const resources = document.resources;
  if (resources !== undefined) {
    if (!isPlainObject(resources) || !onlyFields(resources, commandResourcesFields)) return undefined;
    if (!optionalCount(resources.instance_count, 1) || !optionalText(resources.instance_type)) return undefined;
  }
  const limits = document.limits;
  if (limits !== undefined && (!isPlainObject(limits) || !onlyFields(limits, limitsFields) || !optionalCount(limits.timeout, 1, true)))
    return undefined;
  // The schema names an inline environment 'inline' and counts one instance unless told otherwise.
  const job: PlainCommandJob = { environment: isInline ? { ...environment, name: 'inline' } : environment };
  if (typeof name === 'string') job.name = name;
  if (typeof document.display_name === 'string') job.display_name = document.display_name;
  if (isPlainObject(document.tags)) job.tags = textRecord(document.tags);
  if (typeof compute === 'string') job.compute = compute;
  if (isPlainObject(resources)) {
    const instanceCount = resources.instance_count;
    job.resources = { instance_count: typeof instanceCount === 'number' ? instanceCount : 1 };
    if (typeof resources.instance_type === 'string') job.resources.instance_type = resources.instance_type;
  }
  if (isPlainObject(limits) && typeof limits.timeout === 'number') job.limits = { timeout: limits.timeout };
  return job;
}

/** image (not empty) and, optionally, conda_file as a local path: the environment schema's plainest form. */
export function isPlainEnvironmentBody(environment: Record<string, unknown>): boolean {
  if (!nonEmptyText(environment.image)) return false;
  const condaFile = environment.conda_file;
  return condaFile === undefined || (nonEmptyText(condaFile) && !isRemotePath(condaFile));
}

function resource(document: Record<string, unknown>, spec: Record<string, unknown>): PlainResource {
  const tags = spec.tags;
  return {
    name: String(document.name),
    version: null,
    tags: isPlainObject(tags) ? textRecord(tags) : noTags,
    spec: copyWithout(spec, identityFields),
  };
}

const noFields: ReadonlySet<string> = new Set();
const schemaField: ReadonlySet<string> = new Set(['$schema']);
/** The fields that leave a resource's spec for columns of their own (parseResourceDocument). */
const identityFields: ReadonlySet<string> = new Set(['$schema', 'name', 'version', 'description', 'tags']);

/** A copy of `source` without the `left` fields, in its order: what `{ a, b, ...rest } = source` gives, without the slow rest and spread. */
function copyWithout(source: Readonly<Record<string, unknown>>, left: ReadonlySet<string>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const key in source) if (!left.has(key)) copy[key] = source[key];
  return copy;
}

/** A name the resource name rule accepts, and plain metadata. */
function hasPlainIdentity(document: Record<string, unknown>): boolean {
  return typeof document.name === 'string' && checkName(document.name) === undefined && plainMetadata(document);
}

/** $schema and description as text, tags as text to text (numbers and booleans are read as written, by the schema). */
export function plainMetadata(document: Record<string, unknown>): boolean {
  if (!optionalText(document.$schema) || !optionalText(document.description)) return false;
  const tags = document.tags;
  if (tags === undefined) return true;
  if (!isPlainObject(tags) || Object.hasOwn(tags, '__proto__')) return false;
  for (const key in tags) if (typeof tags[key] !== 'string') return false;
  return true;
}

export function onlyFields(document: Record<string, unknown>, fields: ReadonlySet<string>): boolean {
  for (const key in document) if (!fields.has(key)) return false;
  return Object.getPrototypeOf(document) === Object.prototype;
}

export function optionalText(value: unknown): boolean {
  return value === undefined || typeof value === 'string';
}

export function nonEmptyText(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** A whole number of at least `min` written as a number (a quoted one goes through the schema). */
export function optionalCount(value: unknown, min: number, isRequired = false): boolean {
  if (value === undefined) return !isRequired;
  return typeof value === 'number' && Number.isInteger(value) && value >= min;
}

/** Tags already checked to be text to text (plainMetadata), typed so. */
export function textRecord(tags: Record<string, unknown>): Record<string, string> {
  const record: Record<string, string> = {};
  for (const key in tags) record[key] = String(tags[key]);
  return record;
}
