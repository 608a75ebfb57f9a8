import { invalidInput } from '../errors.js';
import { detectFileKind, isEndpointFileKind } from '../azureml/detect-kind.js';
import { parseBatchDeployment, parseBatchEndpoint, parseOnlineDeployment, parseOnlineEndpoint } from '../azureml/parse-endpoint-file.js';
import { parseJobDocument } from '../azureml/parse-job-file.js';
import { parsePipelineDocument } from '../azureml/parse-pipeline-file.js';
import { parseResourceDocument } from '../azureml/parse-resource-file.js';
import { parseSweepDocument } from '../azureml/parse-sweep-file.js';
import { isPlainObject } from '../azureml/schema-helpers.js';
import type { FieldPath } from '../yaml/field-path.js';
import { parseYaml } from '../yaml/parse-yaml.js';
import {
  type BatchDeploymentFields,
  type BatchDeploymentSubject,
  type CommandJobFields,
  type CommandJobSubject,
  type ComputeFields,
  type ComputeSubject,
  type EnvironmentFields,
  type EnvironmentSubject,
  type FieldSource,
  fieldCollector,
  type Known,
  type ModelSource,
  type OnlineDeploymentFields,
  type OnlineDeploymentSubject,
  type OnlineEndpointFields,
  type OnlineEndpointSubject,
  type PackageList,
  type StaticSubject,
  type SubjectOrigin,
  type SweepJobFields,
  type SweepJobSubject,
  noTags,
  sharedFieldSource,
  unresolved,
  type WorkspaceFields,
  type WorkspaceSubject,
} from './static-subject.js';
import {
  plainCommandJob,
  plainCompute,
  plainEnvironment,
  plainOnlineDeployment,
  plainOnlineEndpoint,
  plainWorkspace,
} from './plain-documents.js';
import { type PlainPipelineJob, plainPipelineJob } from './plain-pipeline-job.js';
import type { PipelineJobFile, PipelineStepFile } from '../azureml/pipeline-job-schema.js';
import { plainSweepJob } from './plain-sweep-job.js';
import { isoDurationSeconds, modelSourceOf, packagesFromConda } from './subject-values.js';

export interface YamlSubjectOptions {
  /**
   * The conda files the YAML names by path (`conda_file: ./conda.yml`), read by the caller and
   * parsed: path as written → content. A conda file not given here leaves its packages unknown.
   */
  condaFiles?: ReadonlyMap<string, unknown>;
  /** Validate every document with zod, plain ones too (plain-documents.ts): for tests that compare the two paths. */
  isFastPathOff?: boolean;
}

/**
 * Reads one Azure ML CLI v2 YAML file into the subjects the static rules check. The file is
 * validated by Trellis's own parser for its kind (told by `$schema`, `type` or its fields, as
 * `trellis apply` tells it), so an invalid file throws the same InvalidInput that applying it
 * would. A job or deployment's inline environment becomes a subject of its own (`<owner>/environment`),
 * and each command or sweep step of a pipeline one named `<pipeline>/<step>`; parallel steps are not read.
 */
export function subjectsFromYaml(text: string, fileName: string, options: YamlSubjectOptions = {}): StaticSubject[] {
  const yaml = parseYaml(text, fileName);
  const origin: SubjectOrigin = { format: 'azureml-yaml', file: fileName, pointer: '' };
  const reader: YamlReader = {
    origin,
    condaFiles: options.condaFiles ?? new Map(),
    source: (path) => sharedFieldSource(path, yaml.locate(path).line),
  };
  const detection = detectFileKind(yaml.value);
  const isFast = options.isFastPathOff !== true;
  if (detection.kind !== null && isEndpointFileKind(detection.kind)) {
    if (detection.kind === 'online-endpoint') {
      const plain = isFast ? plainOnlineEndpoint(yaml.value) : undefined;
      return [onlineEndpointSubject(plain ?? parseOnlineEndpoint(yaml, fileName).spec, reader)];
    }
    if (detection.kind === 'online-deployment') {
      const plain = isFast ? plainOnlineDeployment(yaml.value) : undefined;
      return onlineDeploymentSubjects(plain ?? parseOnlineDeployment(yaml, fileName).spec, reader);
    }
    if (detection.kind === 'batch-deployment') return batchDeploymentSubjects(parseBatchDeployment(yaml, fileName).spec, reader);
    // A batch endpoint has nothing the static rules look at; it is still validated.
    parseBatchEndpoint(yaml, fileName);
    return [];
  }
  if (detection.kind !== null) {
    const plain = !isFast
      ? undefined
      : detection.kind === 'compute'
        ? plainCompute(yaml.value)
        : detection.kind === 'environment'
          ? plainEnvironment(yaml.value)
          : detection.kind === 'workspace'
            ? plainWorkspace(yaml.value)
            : undefined;
    if (plain && detection.kind === 'compute') return [computeSubject(plain.name, plain.tags, plain.spec, reader)];
    if (plain && detection.kind === 'workspace') return [workspaceSubject(plain.name, plain.tags, plain.spec, reader)];
    if (plain)
      return [environmentSubject(plain.version ? `${plain.name}:${plain.version}` : plain.name, plain.tags, plain.spec, [], reader)];
    const parsed = parseResourceDocument(yaml, { fileName });
    if (parsed.kind === 'workspace') return [workspaceSubject(parsed.name, parsed.tags, parsed.spec, reader)];
    if (parsed.kind === 'compute') return [computeSubject(parsed.name, parsed.tags, { ...parsed.spec }, reader)];
    if (parsed.kind === 'environment')
      return [environmentSubject(parsed.version ? `${parsed.name}:${parsed.version}` : parsed.name, parsed.tags, parsed.spec, [], reader)];
    return [];
  }
  const jobType = jobTypeOf(yaml.value);
  const base = fileName.replace(/^.*[\\/]/, '').replace(/\.ya?ml$/i, '');
  if (jobType === 'command') {
    const job = (isFast ? plainCommandJob(yaml.value) : undefined) ?? parseJobDocument(yaml, fileName).job;
    return commandJobSubjects(job.name ?? job.display_name ?? base, job.tags ?? noTags, job, [], reader);
  }
  if (jobType === 'sweep') {
    const sweep = (isFast ? plainSweepJob(yaml.value) : undefined) ?? parseSweepDocument(yaml, fileName).sweep;
    return sweepJobSubjects(sweep.name ?? sweep.display_name ?? base, sweep.tags ?? noTags, sweep, [], reader);
  }
  if (jobType === 'pipeline')
    return pipelineSubjects(
      (isFast ? plainPipelineJob(yaml.value) : undefined) ?? parsePipelineDocument(yaml, fileName).pipeline,
      base,
      reader,
    );
  throw invalidInput(fileName, [{ ...detection.problem, ...yaml.locate(detection.problem.path ? [detection.problem.path] : []) }]);
}

interface YamlReader {
  origin: SubjectOrigin;
  condaFiles: ReadonlyMap<string, unknown>;
  source: (path: FieldPath) => FieldSource;
}

/** `command`, `sweep` or `pipeline` for a job file (told by `$schema` or `type`), else undefined. */
function jobTypeOf(document: Record<string, unknown>): string | undefined {
  const schema = typeof document.$schema === 'string' ? document.$schema.toLowerCase() : '';
  for (const type of ['command', 'sweep', 'pipeline']) if (schema.includes(`/${type}job.schema.json`)) return type;
  const type = typeof document.type === 'string' ? document.type.toLowerCase() : undefined;
  return type === 'command' || type === 'sweep' || type === 'pipeline' ? type : undefined;
}

function common(reader: YamlReader, name: string, tags: Readonly<Record<string, string>>) {
  return { name, localName: name, origin: reader.origin, tags };
}

const asNetworkAccess = (value: string | undefined) =>
  value === undefined ? undefined : value.toLowerCase() === 'disabled' ? 'disabled' : 'enabled';

function workspaceSubject(
  name: string,
  tags: Readonly<Record<string, string>>,
  spec: Record<string, unknown>,
  reader: YamlReader,
): WorkspaceSubject {
  const fields = fieldCollector<WorkspaceFields>(reader.source);
  const identity = isPlainObject(spec.identity) ? spec.identity : undefined;
  const managedNetwork = isPlainObject(spec.managed_network) ? spec.managed_network : undefined;
  const key = isPlainObject(spec.customer_managed_key) ? spec.customer_managed_key : undefined;
  fields.set('publicNetworkAccess', asNetworkAccess(text(spec.public_network_access)), ['public_network_access']);
  fields.set('identityType', text(identity?.type), ['identity', 'type']);
  const userAssigned = identity?.user_assigned_identities;
  fields.set('userAssignedIdentities', isPlainObject(userAssigned) ? Object.keys(userAssigned).length : undefined, [
    'identity',
    'user_assigned_identities',
  ]);
  fields.set('primaryUserAssignedIdentity', text(spec.primary_user_assigned_identity), ['primary_user_assigned_identity']);
  fields.set('customerManagedKey', text(key?.key_uri), ['customer_managed_key', 'key_uri']);
  fields.set('managedNetworkIsolation', text(managedNetwork?.isolation_mode), ['managed_network', 'isolation_mode']);
  return { kind: 'workspace', ...common(reader, name, tags), ...fields.values, sources: fields.sources };
}

function computeSubject(
  name: string,
  tags: Readonly<Record<string, string>>,
  spec: Record<string, unknown>,
  reader: YamlReader,
): ComputeSubject {
  const fields = fieldCollector<ComputeFields>(reader.source);
  const type = String(spec.type);
  const network = isPlainObject(spec.network_settings) ? spec.network_settings : undefined;
  const ssh = isPlainObject(spec.ssh_settings) ? spec.ssh_settings : undefined;
  fields.set('computeType', type, ['type']);
  fields.set('size', text(spec.size), ['size']);
  fields.set('tier', text(spec.tier), ['tier']);
  fields.set('minInstances', number(spec.min_instances), ['min_instances']);
  fields.set('maxInstances', number(spec.max_instances), ['max_instances']);
  fields.set('idleTimeBeforeScaleDown', number(spec.idle_time_before_scale_down), ['idle_time_before_scale_down']);
  if (type === 'computeinstance') {
    const minutes = number(spec.idle_time_before_shutdown_minutes);
    const duration = text(spec.idle_time_before_shutdown);
    const fromDuration = duration === undefined ? undefined : isoDurationSeconds(duration);
    if (minutes !== undefined || duration === undefined)
      fields.set('idleTimeBeforeShutdown', minutes, ['idle_time_before_shutdown_minutes']);
    else
      fields.set(
        'idleTimeBeforeShutdown',
        fromDuration === undefined ? unresolved(duration, 'not an ISO 8601 duration') : fromDuration / 60,
        ['idle_time_before_shutdown'],
      );
    const schedules =
      isPlainObject(spec.schedules) && Array.isArray(spec.schedules.compute_start_stop) ? spec.schedules.compute_start_stop : [];
    const stops = schedules.some((schedule) => isPlainObject(schedule) && schedule.action === 'stop' && schedule.state !== 'disabled');
    fields.set('hasStopSchedule', stops, ['schedules']);
  }
  fields.set('subnet', text(network?.subnet), ['network_settings', 'subnet']);
  const sshEnabled = spec.ssh_public_access_enabled;
  fields.set('sshPublicAccess', typeof sshEnabled === 'boolean' ? (sshEnabled ? 'enabled' : 'disabled') : undefined, [
    'ssh_public_access_enabled',
  ]);
  fields.set('hasSshCredentials', ssh === undefined ? false : ssh.admin_password !== undefined || ssh.ssh_key_value !== undefined, [
    'ssh_settings',
  ]);
  fields.set('enableNodePublicIp', typeof spec.enable_node_public_ip === 'boolean' ? spec.enable_node_public_ip : undefined, [
    'enable_node_public_ip',
  ]);
  return { kind: 'compute', ...common(reader, name, tags), ...fields.values, computeType: type, sources: fields.sources };
}

function onlineEndpointSubject(spec: Record<string, unknown>, reader: YamlReader): OnlineEndpointSubject {
  const fields = fieldCollector<OnlineEndpointFields>(reader.source);
  fields.set('authMode', text(spec.auth_mode), ['auth_mode']);
  fields.set('publicNetworkAccess', asNetworkAccess(text(spec.public_network_access)), ['public_network_access']);
  return { kind: 'online-endpoint', ...common(reader, String(spec.name), tagsOf(spec)), ...fields.values, sources: fields.sources };
}

function onlineDeploymentSubjects(spec: Record<string, unknown>, reader: YamlReader): StaticSubject[] {
  const fields = fieldCollector<OnlineDeploymentFields>(reader.source);
  const name = `${String(spec.endpoint_name)}/${String(spec.name)}`;
  const scale = isPlainObject(spec.scale_settings) ? spec.scale_settings : {};
  const requests = isPlainObject(spec.request_settings) ? spec.request_settings : {};
  const variables = isPlainObject(spec.environment_variables) ? spec.environment_variables : {};
  const collector = isPlainObject(spec.data_collector) ? spec.data_collector : undefined;
  const collections = collector && isPlainObject(collector.collections) ? Object.values(collector.collections) : [];
  fields.set('endpointName', text(spec.endpoint_name), ['endpoint_name']);
  fields.set('deploymentType', text(spec.type), ['type']);
  fields.set('scaleType', text(scale.type), ['scale_settings', 'type']);
  fields.set('instanceType', text(spec.instance_type), ['instance_type']);
  fields.set('instanceCount', number(spec.instance_count), ['instance_count']);
  fields.set('minInstances', number(scale.min_instances), ['scale_settings', 'min_instances']);
  fields.set('maxInstances', number(scale.max_instances), ['scale_settings', 'max_instances']);
  fields.set('maxConcurrentRequestsPerInstance', number(requests.max_concurrent_requests_per_instance), [
    'request_settings',
    'max_concurrent_requests_per_instance',
  ]);
  fields.set('workerCount', wholeNumberText(variables.WORKER_COUNT), ['environment_variables', 'WORKER_COUNT']);
  fields.set(
    'collectsData',
    collections.some((collection) => isPlainObject(collection) && collection.enabled === true),
    collector ? ['data_collector', 'collections'] : ['data_collector'],
  );
  fields.set('appInsightsEnabled', typeof spec.app_insights_enabled === 'boolean' ? spec.app_insights_enabled : undefined, [
    'app_insights_enabled',
  ]);
  fields.set('egressPublicNetworkAccess', asNetworkAccess(text(spec.egress_public_network_access)), ['egress_public_network_access']);
  fields.set('model', modelOf(spec.model), ['model']);
  const deployment: OnlineDeploymentSubject = {
    kind: 'online-deployment',
    ...common(reader, name, tagsOf(spec)),
    localName: String(spec.name),
    ...fields.values,
    sources: fields.sources,
  };
  return [deployment, ...inlineEnvironment(spec.environment, deployment, ['environment'], reader)];
}

function batchDeploymentSubjects(spec: Record<string, unknown>, reader: YamlReader): StaticSubject[] {
  const fields = fieldCollector<BatchDeploymentFields>(reader.source);
  const settings = isPlainObject(spec.settings) ? spec.settings : {};
  const retry = isPlainObject(settings.retry_settings) ? settings.retry_settings : {};
  fields.set('endpointName', text(spec.endpoint_name), ['endpoint_name']);
  fields.set('compute', text(spec.compute), ['compute']);
  fields.set('maxRetries', number(retry.max_retries), ['settings', 'retry_settings', 'max_retries']);
  fields.set('model', modelOf(spec.model), ['model']);
  const deployment: BatchDeploymentSubject = {
    kind: 'batch-deployment',
    ...common(reader, `${String(spec.endpoint_name)}/${String(spec.name)}`, tagsOf(spec)),
    localName: String(spec.name),
    ...fields.values,
    sources: fields.sources,
  };
  return [deployment, ...inlineEnvironment(spec.environment, deployment, ['environment'], reader)];
}

function environmentSubject(
  name: string,
  tags: Readonly<Record<string, string>>,
  environment: Record<string, unknown>,
  prefix: FieldPath,
  reader: YamlReader,
  owner?: { kind: string; name: string },
): EnvironmentSubject {
  const fields = fieldCollector<EnvironmentFields>(reader.source);
  fields.set('image', text(environment.image), [...prefix, 'image']);
  fields.set('packages', packagesOf(environment.conda_file, reader), [...prefix, 'conda_file']);
  // An inline environment has no name of its own to be referred to by.
  const identity = owner ? { name, owner } : { name, localName: name };
  return { kind: 'environment', ...identity, origin: reader.origin, tags, ...fields.values, sources: fields.sources };
}

/** The environment given inline in a job or deployment, as a subject of its own; none for a reference. */
function inlineEnvironment(
  environment: unknown,
  owner: { kind: string; name: string },
  prefix: FieldPath,
  reader: YamlReader,
): EnvironmentSubject[] {
  if (!isPlainObject(environment)) return [];
  const subject = environmentSubject(`${owner.name}/environment`, {}, environment, prefix, reader, { kind: owner.kind, name: owner.name });
  return [subject];
}

function packagesOf(condaFile: unknown, reader: YamlReader): Known<PackageList> | undefined {
  if (condaFile === undefined) return undefined;
  if (typeof condaFile === 'string') {
    if (!reader.condaFiles.has(condaFile)) return unresolved(condaFile, 'a conda file that was not read with this file');
    return packagesOfFile(reader.condaFiles.get(condaFile)) ?? unresolved(condaFile, 'not a conda file with a dependencies list');
  }
  return packagesFromConda(condaFile) ?? { conda: [], pip: [] };
}

/** The packages of a conda file's content: one list for every file that names that file (the rules only read it). */
const packagesOfContent = new WeakMap<object, PackageList | undefined>();

function packagesOfFile(content: unknown): PackageList | undefined {
  if (typeof content !== 'object' || content === null) return packagesFromConda(content);
  if (!packagesOfContent.has(content)) packagesOfContent.set(content, packagesFromConda(content));
  return packagesOfContent.get(content);
}

interface CommandLike {
  compute?: string | undefined;
  resources?: { instance_type?: string | undefined; instance_count?: number | undefined } | undefined;
  limits?: { timeout: number } | undefined;
  environment?: unknown;
}

function commandJobSubjects(
  name: string,
  tags: Readonly<Record<string, string>>,
  job: CommandLike,
  prefix: FieldPath,
  reader: YamlReader,
  inheritedCompute?: { value: string; path: FieldPath },
): StaticSubject[] {
  const fields = fieldCollector<CommandJobFields>(reader.source);
  const compute = job.compute ?? inheritedCompute?.value;
  fields.set('compute', compute, job.compute === undefined && inheritedCompute ? inheritedCompute.path : [...prefix, 'compute']);
  fields.set('instanceType', job.resources?.instance_type, [...prefix, 'resources', 'instance_type']);
  fields.set('instanceCount', job.resources?.instance_count, [...prefix, 'resources', 'instance_count']);
  fields.set('timeout', job.limits?.timeout, [...prefix, 'limits', 'timeout']);
  const subject: CommandJobSubject = { kind: 'command-job', ...common(reader, name, tags), ...fields.values, sources: fields.sources };
  return [subject, ...inlineEnvironment(job.environment, subject, [...prefix, 'environment'], reader)];
}

interface SweepLike {
  compute?: string | undefined;
  resources?: Record<string, unknown> | undefined;
  trial?: { resources?: Record<string, unknown> | undefined; environment?: unknown } | undefined;
  sampling_algorithm: { type: string };
  early_termination?: { type: string } | undefined;
  limits: { max_total_trials?: number | undefined; max_concurrent_trials?: number | undefined; timeout?: number | undefined };
}

function sweepJobSubjects(
  name: string,
  tags: Readonly<Record<string, string>>,
  sweep: SweepLike,
  prefix: FieldPath,
  reader: YamlReader,
  inheritedCompute?: { value: string; path: FieldPath },
): StaticSubject[] {
  const fields = fieldCollector<SweepJobFields>(reader.source);
  const compute = sweep.compute ?? inheritedCompute?.value;
  fields.set('compute', compute, sweep.compute === undefined && inheritedCompute ? inheritedCompute.path : [...prefix, 'compute']);
  const trialType = text(sweep.trial?.resources?.instance_type);
  fields.set(
    'instanceType',
    trialType ?? text(sweep.resources?.instance_type),
    trialType === undefined ? [...prefix, 'resources', 'instance_type'] : [...prefix, 'trial', 'resources', 'instance_type'],
  );
  fields.set('samplingAlgorithm', sweep.sampling_algorithm.type, [...prefix, 'sampling_algorithm']);
  fields.set('earlyTermination', sweep.early_termination?.type, [...prefix, 'early_termination']);
  fields.set('maxTotalTrials', sweep.limits.max_total_trials, [...prefix, 'limits', 'max_total_trials']);
  fields.set('maxConcurrentTrials', sweep.limits.max_concurrent_trials, [...prefix, 'limits', 'max_concurrent_trials']);
  fields.set('timeout', sweep.limits.timeout, [...prefix, 'limits', 'timeout']);
  const subject: SweepJobSubject = { kind: 'sweep-job', ...common(reader, name, tags), ...fields.values, sources: fields.sources };
  return [subject, ...inlineEnvironment(sweep.trial?.environment, subject, [...prefix, 'trial', 'environment'], reader)];
}

/** A pipeline as parsePipelineDocument gives it, or as the fast path does (plain-pipeline-job.ts). */
type PipelineLike = Pick<PipelineJobFile, 'name' | 'display_name' | 'compute' | 'settings'> & {
  jobs: Readonly<Record<string, PipelineStepFile | PlainPipelineJob['jobs'][string]>>;
};

function pipelineSubjects(pipeline: PipelineLike, base: string, reader: YamlReader): StaticSubject[] {
  const pipelineName = pipeline.name ?? pipeline.display_name ?? base;
  const defaultCompute = pipeline.compute ?? pipeline.settings?.default_compute;
  const inherited =
    defaultCompute === undefined
      ? undefined
      : { value: defaultCompute, path: pipeline.compute === undefined ? ['settings', 'default_compute'] : ['compute'] };
  const subjects: StaticSubject[] = [];
  for (const [stepName, step] of Object.entries(pipeline.jobs)) {
    const name = `${pipelineName}/${stepName}`;
    const prefix = ['jobs', stepName];
    if (step.sweep)
      subjects.push(
        ...sweepJobSubjects(
          name,
          step.tags ?? noTags,
          { ...step, ...step.sweep, trial: { environment: step.environment } },
          prefix,
          reader,
          inherited,
        ),
      );
    else if (!step.parallel) subjects.push(...commandJobSubjects(name, step.tags ?? noTags, step, prefix, reader, inherited));
  }
  return subjects;
}

function modelOf(model: unknown): ModelSource | undefined {
  if (typeof model === 'string') return modelSourceOf(model);
  if (isPlainObject(model) && typeof model.path === 'string') return { from: 'inline', reference: model.path };
  return undefined;
}

function tagsOf(spec: Record<string, unknown>): Readonly<Record<string, string>> {
  return isPlainObject(spec.tags) ? (spec.tags as Record<string, string>) : noTags;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function number(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

function wholeNumberText(value: unknown): Known<number> | undefined {
  if (value === undefined) return undefined;
  const written = String(value).trim();
  return /^\d+$/.test(written) ? Number(written) : unresolved(written, 'not a whole number');
}
