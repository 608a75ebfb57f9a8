import { parse as parseYamlText } from 'yaml';
import { invalidInput } from '../errors.js';
import type { FieldPath } from '../yaml/field-path.js';
import { jsonLineLocator } from './json-lines.js';
import { type ArmNode, armResources } from './arm-resources.js';
import { armAt, armBoolean, armDuration, armNumber, armString, isArmExpression, mapKnown, referencedArmName } from './arm-values.js';
import {
  type AutoscaleSettingFields,
  type BatchDeploymentFields,
  type CommandJobFields,
  type ComputeFields,
  type DiagnosticSettingFields,
  type EnvironmentFields,
  fieldCollector,
  isUnresolved,
  jsonPointer,
  type Known,
  type ModelSource,
  type OnlineDeploymentFields,
  type OnlineEndpointFields,
  type PackageList,
  type RegistryFields,
  type StaticSubject,
  type SweepJobFields,
  noTags,
  sharedFieldSource,
  unresolved,
  type WorkspaceFields,
} from './static-subject.js';
import { computeTypeName, modelSourceOf, packagesFromConda, snakeCase } from './subject-values.js';

/**
 * Reads an Azure Resource Manager template into the subjects the static rules check: the
 * Microsoft.MachineLearningServices resources (workspaces, computes, online endpoints and
 * deployments, batch deployments, environment versions, command and sweep jobs, registries) and
 * the Microsoft.Insights diagnostic and autoscale settings that the rules relate to them. Child
 * resources nested under `resources`, templates of nested deployments (Bicep modules) and the
 * symbolic-name form of `resources` (languageVersion 2.0) are read too. Values written as ARM
 * expressions are Unresolved: the rules that need them report the check as unknown.
 */
export function subjectsFromArmTemplate(text: string, fileName: string): StaticSubject[] {
  let template: unknown;
  try {
    template = JSON.parse(text);
  } catch (error) {
    throw invalidInput(fileName, [{ path: '', message: `not valid JSON: ${(error as Error).message}` }]);
  }
  return subjectsFromArm(template, { file: fileName, locate: jsonLineLocator(text) });
}

export interface ArmReadOptions {
  file?: string;
  /** The line a JSON path is written on, when the template's text is known. */
  locate?: (path: FieldPath) => number | undefined;
}

/** As subjectsFromArmTemplate, for a template already parsed. */
export function subjectsFromArm(template: unknown, options: ArmReadOptions = {}): StaticSubject[] {
  if (typeof template !== 'object' || template === null || !('resources' in template))
    throw invalidInput(options.file ?? 'the template', [
      { path: 'resources', message: 'an ARM template has a resources list; none found' },
    ]);
  const subjects: StaticSubject[] = [];
  for (const node of armResources((template as { resources: unknown }).resources)) {
    const subject = subjectOf(node, options);
    if (subject) subjects.push(subject);
  }
  return subjects;
}

const ml = 'microsoft.machinelearningservices/';

function subjectOf(node: ArmNode, options: ArmReadOptions): StaticSubject | undefined {
  const type = node.type.toLowerCase();
  const read = reader(node, options);
  if (type === `${ml}workspaces`) return { kind: 'workspace', ...read.identity(), ...workspaceFields(read) };
  if (type === `${ml}workspaces/computes`) return { kind: 'compute', ...read.identity(1), ...computeFields(read) };
  if (type === `${ml}workspaces/onlineendpoints`) return { kind: 'online-endpoint', ...read.identity(1), ...onlineEndpointFields(read) };
  if (type === `${ml}workspaces/onlineendpoints/deployments`)
    return { kind: 'online-deployment', ...read.identity(1), ...onlineDeploymentFields(read, node) };
  if (type === `${ml}workspaces/batchendpoints/deployments`)
    return { kind: 'batch-deployment', ...read.identity(1), ...batchDeploymentFields(read, node) };
  if (type === `${ml}workspaces/environments/versions` || type === `${ml}registries/environments/versions`)
    return { kind: 'environment', ...read.identity(1), ...environmentFields(read) };
  if (type === `${ml}workspaces/jobs`) {
    const jobType = armString(armAt(node.resource, ['properties', 'jobType']));
    if (jobType === 'Command') return { kind: 'command-job', ...read.identity(1), ...commandJobFields(read) };
    if (jobType === 'Sweep') return { kind: 'sweep-job', ...read.identity(1), ...sweepJobFields(read) };
    return undefined;
  }
  if (type === `${ml}registries`) return { kind: 'registry', ...read.identity(), ...registryFields(read) };
  if (type === 'microsoft.insights/diagnosticsettings' || type.endsWith('/providers/diagnosticsettings'))
    return { kind: 'diagnostic-setting', ...read.identity(), ...diagnosticSettingFields(read, node) };
  if (type === 'microsoft.insights/autoscalesettings') return { kind: 'autoscale-setting', ...read.identity(), ...autoscaleFields(read) };
  return undefined;
}

type Reader = ReturnType<typeof reader>;

function reader(node: ArmNode, options: ArmReadOptions) {
  const source = (path: FieldPath) => sharedFieldSource(path, options.locate?.([...node.path, ...path]), node.path);
  return {
    node,
    at: (path: FieldPath) => armAt(node.resource, path),
    collector: <Fields extends object>() => fieldCollector<Fields>(source),
    /** Name, tags and origin; `parentDepth` 1: the first name segment is the workspace (or registry) it belongs to. */
    identity(parentDepth = 0) {
      const { written, segments } = node.name;
      const localName = segments.at(-1);
      const parent = parentDepth > 0 && segments.length > 1 ? segments[0] : undefined;
      return {
        name: written,
        ...(localName === undefined ? {} : { localName }),
        ...(parent === undefined ? {} : { parent }),
        origin: {
          format: 'arm-template' as const,
          pointer: jsonPointer(node.path),
          ...(options.file === undefined ? {} : { file: options.file }),
          ...lineOf(options.locate?.(node.path)),
        },
        tags: tagsOf(node.resource.tags),
      };
    },
  };
}

function lineOf(line: number | undefined): { line?: number } {
  return line === undefined ? {} : { line };
}

function tagsOf(tags: unknown): Readonly<Record<string, string>> {
  if (typeof tags !== 'object' || tags === null || Array.isArray(tags)) return noTags;
  return Object.fromEntries(
    Object.entries(tags).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && !isArmExpression(entry[1])),
  );
}

const snake = (value: unknown) => mapKnown(armString(value), snakeCase);
const access = (value: unknown) =>
  mapKnown(armString(value), (text) => (text.toLowerCase() === 'disabled' ? ('disabled' as const) : ('enabled' as const)));

function workspaceFields(read: Reader) {
  const fields = read.collector<WorkspaceFields>();
  fields.set('publicNetworkAccess', access(read.at(['properties', 'publicNetworkAccess'])), ['properties', 'publicNetworkAccess']);
  fields.set('allowPublicAccessWhenBehindVnet', armBoolean(read.at(['properties', 'allowPublicAccessWhenBehindVnet'])), [
    'properties',
    'allowPublicAccessWhenBehindVnet',
  ]);
  fields.set('identityType', snake(read.at(['identity', 'type'])), ['identity', 'type']);
  const identities = read.at(['identity', 'userAssignedIdentities']);
  fields.set('userAssignedIdentities', countOf(identities), ['identity', 'userAssignedIdentities']);
  fields.set('primaryUserAssignedIdentity', armString(read.at(['properties', 'primaryUserAssignedIdentity'])), [
    'properties',
    'primaryUserAssignedIdentity',
  ]);
  const status = armString(read.at(['properties', 'encryption', 'status']));
  const keyPath = ['properties', 'encryption', 'keyVaultProperties', 'keyIdentifier'];
  const key = isUnresolved(status) ? status : status?.toLowerCase() === 'enabled' ? armString(read.at(keyPath)) : undefined;
  fields.set('customerManagedKey', key, isUnresolved(status) ? ['properties', 'encryption', 'status'] : keyPath);
  fields.set('managedNetworkIsolation', snake(read.at(['properties', 'managedNetwork', 'isolationMode'])), [
    'properties',
    'managedNetwork',
    'isolationMode',
  ]);
  return { ...fields.values, sources: fields.sources };
}

function computeFields(read: Reader) {
  const fields = read.collector<ComputeFields>();
  const computeType = mapKnown(armString(read.at(['properties', 'computeType'])), computeTypeName) ?? '';
  fields.set('computeType', computeType, ['properties', 'computeType']);
  fields.set('disableLocalAuth', armBoolean(read.at(['properties', 'disableLocalAuth'])), ['properties', 'disableLocalAuth']);
  const inner = (path: FieldPath) => ['properties', 'properties', ...path];
  const set = <Field extends keyof ComputeFields>(field: Field, value: ComputeFields[Field] | undefined, path: FieldPath) =>
    fields.set(field, value, inner(path));
  set('size', armString(read.at(inner(['vmSize']))), ['vmSize']);
  set('subnet', armString(read.at(inner(['subnet', 'id']))), ['subnet', 'id']);
  set('enableNodePublicIp', armBoolean(read.at(inner(['enableNodePublicIp']))), ['enableNodePublicIp']);
  if (computeType === 'amlcompute') {
    set('tier', snake(read.at(inner(['vmPriority']))), ['vmPriority']);
    set('minInstances', armNumber(read.at(inner(['scaleSettings', 'minNodeCount']))), ['scaleSettings', 'minNodeCount']);
    set('maxInstances', armNumber(read.at(inner(['scaleSettings', 'maxNodeCount']))), ['scaleSettings', 'maxNodeCount']);
    set('idleTimeBeforeScaleDown', armDuration(read.at(inner(['scaleSettings', 'nodeIdleTimeBeforeScaleDown']))), [
      'scaleSettings',
      'nodeIdleTimeBeforeScaleDown',
    ]);
    set('sshPublicAccess', snake(read.at(inner(['remoteLoginPortPublicAccess']))), ['remoteLoginPortPublicAccess']);
    const credentials = read.at(inner(['userAccountCredentials']));
    set('hasSshCredentials', isUnresolved(credentials) ? credentials : credentials !== undefined, ['userAccountCredentials']);
  }
  if (computeType === 'computeinstance') {
    set(
      'idleTimeBeforeShutdown',
      mapKnown(armDuration(read.at(inner(['idleTimeBeforeShutdown']))), (seconds) => seconds / 60),
      ['idleTimeBeforeShutdown'],
    );
    set('hasStopSchedule', stopScheduleOf(read.at(inner(['schedules', 'computeStartStop']))), ['schedules', 'computeStartStop']);
    set('sshPublicAccess', snake(read.at(inner(['sshSettings', 'sshPublicAccess']))), ['sshSettings', 'sshPublicAccess']);
    const key = read.at(inner(['sshSettings', 'adminPublicKey']));
    set('hasSshCredentials', isUnresolved(key) ? key : key !== undefined, ['sshSettings', 'adminPublicKey']);
  }
  return { ...fields.values, computeType, sources: fields.sources };
}

function stopScheduleOf(schedules: unknown): Known<boolean> | undefined {
  if (schedules === undefined || isUnresolved(schedules)) return schedules as Known<boolean> | undefined;
  if (!Array.isArray(schedules)) return false;
  return schedules.some((schedule) => {
    const action = armString(armAt(schedule, ['action']));
    const status = armString(armAt(schedule, ['status']));
    return (
      typeof action === 'string' && action.toLowerCase() === 'stop' && !(typeof status === 'string' && status.toLowerCase() === 'disabled')
    );
  });
}

function onlineEndpointFields(read: Reader) {
  const fields = read.collector<OnlineEndpointFields>();
  fields.set('authMode', snake(read.at(['properties', 'authMode'])), ['properties', 'authMode']);
  fields.set('publicNetworkAccess', access(read.at(['properties', 'publicNetworkAccess'])), ['properties', 'publicNetworkAccess']);
  return { ...fields.values, sources: fields.sources };
}

function onlineDeploymentFields(read: Reader, node: ArmNode) {
  const fields = read.collector<OnlineDeploymentFields>();
  const endpoint = node.name.segments.at(-2);
  fields.set('endpointName', endpoint ?? unresolved(node.name.written, 'an ARM expression, known only when the template is deployed'), [
    'name',
  ]);
  fields.set('deploymentType', snake(read.at(['properties', 'endpointComputeType'])), ['properties', 'endpointComputeType']);
  fields.set('scaleType', snake(read.at(['properties', 'scaleSettings', 'scaleType'])), ['properties', 'scaleSettings', 'scaleType']);
  fields.set('instanceType', armString(read.at(['properties', 'instanceType'])), ['properties', 'instanceType']);
  fields.set('instanceCount', armNumber(read.at(['sku', 'capacity'])), ['sku', 'capacity']);
  fields.set('minInstances', armNumber(read.at(['properties', 'scaleSettings', 'minInstances'])), [
    'properties',
    'scaleSettings',
    'minInstances',
  ]);
  fields.set('maxInstances', armNumber(read.at(['properties', 'scaleSettings', 'maxInstances'])), [
    'properties',
    'scaleSettings',
    'maxInstances',
  ]);
  fields.set(
    'maxConcurrentRequestsPerInstance',
    armNumber(read.at(['properties', 'requestSettings', 'maxConcurrentRequestsPerInstance'])),
    ['properties', 'requestSettings', 'maxConcurrentRequestsPerInstance'],
  );
  fields.set('workerCount', armNumber(read.at(['properties', 'environmentVariables', 'WORKER_COUNT'])), [
    'properties',
    'environmentVariables',
    'WORKER_COUNT',
  ]);
  fields.set('collectsData', collectsData(read.at(['properties', 'dataCollector', 'collections'])), ['properties', 'dataCollector']);
  fields.set('appInsightsEnabled', armBoolean(read.at(['properties', 'appInsightsEnabled'])), ['properties', 'appInsightsEnabled']);
  fields.set('egressPublicNetworkAccess', access(read.at(['properties', 'egressPublicNetworkAccess'])), [
    'properties',
    'egressPublicNetworkAccess',
  ]);
  fields.set('model', mapKnown(armString(read.at(['properties', 'model'])), modelSourceOf), ['properties', 'model']);
  return { ...fields.values, sources: fields.sources };
}

function collectsData(collections: unknown): Known<boolean> {
  if (isUnresolved(collections)) return collections;
  if (typeof collections !== 'object' || collections === null) return false;
  const modes = Object.values(collections).map((collection) => armString(armAt(collection, ['dataCollectionMode'])));
  const unknownMode = modes.find(isUnresolved);
  if (modes.some((mode) => typeof mode === 'string' && mode.toLowerCase() === 'enabled')) return true;
  return unknownMode ?? false;
}

function batchDeploymentFields(read: Reader, node: ArmNode) {
  const fields = read.collector<BatchDeploymentFields>();
  const endpoint = node.name.segments.at(-2);
  fields.set('endpointName', endpoint ?? unresolved(node.name.written, 'an ARM expression, known only when the template is deployed'), [
    'name',
  ]);
  fields.set('compute', referencedArmName(read.at(['properties', 'compute'])), ['properties', 'compute']);
  fields.set('maxRetries', armNumber(read.at(['properties', 'retrySettings', 'maxRetries'])), [
    'properties',
    'retrySettings',
    'maxRetries',
  ]);
  const referenceType = armString(read.at(['properties', 'model', 'referenceType']));
  const assetId = armString(read.at(['properties', 'model', 'assetId']));
  const model: Known<ModelSource> | undefined =
    typeof referenceType === 'string' && referenceType.toLowerCase() !== 'id'
      ? { from: 'inline', reference: referenceType }
      : mapKnown(assetId, modelSourceOf);
  fields.set('model', model, ['properties', 'model']);
  return { ...fields.values, sources: fields.sources };
}

function environmentFields(read: Reader) {
  const fields = read.collector<EnvironmentFields>();
  fields.set('image', armString(read.at(['properties', 'image'])), ['properties', 'image']);
  fields.set('packages', packagesOfCondaText(armString(read.at(['properties', 'condaFile']))), ['properties', 'condaFile']);
  return { ...fields.values, sources: fields.sources };
}

/** ARM gives the conda file's content as a YAML string. */
function packagesOfCondaText(text: Known<string> | undefined): Known<PackageList> | undefined {
  if (text === undefined || isUnresolved(text)) return text;
  let conda: unknown;
  try {
    conda = parseYamlText(text);
  } catch {
    return unresolved('condaFile', 'not readable as YAML');
  }
  return packagesFromConda(conda) ?? unresolved('condaFile', 'not a conda file with a dependencies list');
}

function commandJobFields(read: Reader) {
  const fields = read.collector<CommandJobFields>();
  fields.set('compute', referencedArmName(read.at(['properties', 'computeId'])), ['properties', 'computeId']);
  fields.set('instanceType', armString(read.at(['properties', 'resources', 'instanceType'])), ['properties', 'resources', 'instanceType']);
  fields.set('instanceCount', armNumber(read.at(['properties', 'resources', 'instanceCount'])), [
    'properties',
    'resources',
    'instanceCount',
  ]);
  fields.set('timeout', armDuration(read.at(['properties', 'limits', 'timeout'])), ['properties', 'limits', 'timeout']);
  return { ...fields.values, sources: fields.sources };
}

function sweepJobFields(read: Reader) {
  const fields = read.collector<SweepJobFields>();
  fields.set('compute', referencedArmName(read.at(['properties', 'computeId'])), ['properties', 'computeId']);
  fields.set('instanceType', armString(read.at(['properties', 'trial', 'resources', 'instanceType'])), [
    'properties',
    'trial',
    'resources',
    'instanceType',
  ]);
  fields.set('samplingAlgorithm', snake(read.at(['properties', 'samplingAlgorithm', 'samplingAlgorithmType'])), [
    'properties',
    'samplingAlgorithm',
    'samplingAlgorithmType',
  ]);
  fields.set('earlyTermination', snake(read.at(['properties', 'earlyTermination', 'policyType'])), ['properties', 'earlyTermination']);
  fields.set('maxTotalTrials', armNumber(read.at(['properties', 'limits', 'maxTotalTrials'])), ['properties', 'limits', 'maxTotalTrials']);
  fields.set('maxConcurrentTrials', armNumber(read.at(['properties', 'limits', 'maxConcurrentTrials'])), [
    'properties',
    'limits',
    'maxConcurrentTrials',
  ]);
  fields.set('timeout', armDuration(read.at(['properties', 'limits', 'timeout'])), ['properties', 'limits', 'timeout']);
  return { ...fields.values, sources: fields.sources };
}

function registryFields(read: Reader) {
  const fields = read.collector<RegistryFields>();
  const regions = read.at(['properties', 'regionDetails']);
  const locations: Known<string[]> | undefined = isUnresolved(regions)
    ? regions
    : Array.isArray(regions)
      ? regions.map((region) => {
          const location = armAt(region, ['location']);
          return isUnresolved(location) ? location.unresolved : String(location ?? '');
        })
      : undefined;
  fields.set('regions', locations, ['properties', 'regionDetails']);
  return { ...fields.values, sources: fields.sources };
}

function diagnosticSettingFields(read: Reader, node: ArmNode) {
  const fields = read.collector<DiagnosticSettingFields>();
  const isExtension = node.type.toLowerCase() === 'microsoft.insights/diagnosticsettings';
  // An extension resource names its target in `scope`; the older form '<ws>/Microsoft.Insights/<name>' in its own name.
  const target: Known<string> | undefined = isExtension
    ? referencedArmName(node.resource.scope)
    : (node.name.segments[0] ?? unresolved(node.name.written, 'an ARM expression, known only when the template is deployed'));
  fields.set('target', target, isExtension ? ['scope'] : ['name']);
  const logs = read.at(['properties', 'logs']);
  const logsEnabled: Known<boolean> = isUnresolved(logs)
    ? logs
    : Array.isArray(logs) && logs.some((log) => armBoolean(armAt(log, ['enabled'])) === true);
  fields.set('logsEnabled', logsEnabled, ['properties', 'logs']);
  return { ...fields.values, sources: fields.sources };
}

function autoscaleFields(read: Reader) {
  const fields = read.collector<AutoscaleSettingFields>();
  fields.set('target', referencedArmName(read.at(['properties', 'targetResourceUri'])), ['properties', 'targetResourceUri']);
  fields.set('enabled', armBoolean(read.at(['properties', 'enabled'])), ['properties', 'enabled']);
  return { ...fields.values, sources: fields.sources };
}

function countOf(value: unknown): Known<number> | undefined {
  if (value === undefined || isUnresolved(value)) return value as Known<number> | undefined;
  return typeof value === 'object' && value !== null ? Object.keys(value).length : undefined;
}
