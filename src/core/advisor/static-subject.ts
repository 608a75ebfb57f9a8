import { type FieldPath, formatFieldPath } from '../yaml/field-path.js';

/**
 * A resource as the static rules see it: the same normalised fields whether it was read from an
 * Azure ML CLI v2 YAML file (yaml-subjects.ts) or from an ARM template (arm-subjects.ts), so each
 * rule is written once. Field names follow Trellis (camelCase of the YAML names); enum values are
 * lower snake case ('allow_only_approved_outbound', 'low_priority') whatever the source wrote.
 * A field is undefined when the file leaves it out (the rule then applies Azure's default) and
 * Unresolved when its value cannot be known from the file alone.
 */

/** A value the file does not give: an ARM expression, a conda file not read, ... */
export interface Unresolved {
  /** What the file has in its place: the expression as written, the path of the file. */
  readonly unresolved: string;
  /** Why it cannot be known here, e.g. 'an ARM expression, known only when deployed'. */
  readonly reason: string;
}
export type Known<T> = T | Unresolved;

export function isUnresolved(value: unknown): value is Unresolved {
  return typeof value === 'object' && value !== null && typeof (value as { unresolved?: unknown }).unresolved === 'string';
}

export function unresolved(text: string, reason: string): Unresolved {
  return { unresolved: text, reason };
}

export type SubjectFormat = 'azureml-yaml' | 'arm-template';

/** Where a field is (or would be) written, and its name there: `min_instances`, `properties.properties.scaleSettings.minNodeCount`. */
export interface FieldSource {
  name: string;
  /** JSON pointer from the file's root. */
  pointer: string;
  line?: number;
}

export interface SubjectOrigin {
  format: SubjectFormat;
  file?: string;
  /** JSON pointer of the resource in its file ('' for a YAML file). */
  pointer: string;
  line?: number;
}

interface SubjectBase<Kind extends string, Fields> {
  kind: Kind;
  /** As written: 'cpu-cluster'; for an ARM child resource 'ws/cpu-cluster', or the expression that makes it. */
  name: string;
  /** The name other resources refer to it by (an ARM name's last segment); undefined when an expression hides it. */
  localName?: string;
  /** ARM: the name of the workspace (or registry) it belongs to, when it can be told. */
  parent?: string;
  origin: SubjectOrigin;
  tags: Readonly<Record<string, string>>;
  /** Where each field is written (or would be, when left out). */
  sources: { readonly [Field in keyof Fields]?: FieldSource };
}

/** The tags of a resource that has none: one object for them all (a subject's tags are only read). */
export const noTags: Readonly<Record<string, string>> = Object.freeze({});

export type NetworkAccess = 'enabled' | 'disabled';

export interface WorkspaceFields {
  publicNetworkAccess?: Known<NetworkAccess>;
  /** ARM only: allowPublicAccessWhenBehindVnet. */
  allowPublicAccessWhenBehindVnet?: Known<boolean>;
  /** 'system_assigned', 'user_assigned', 'system_assigned,user_assigned' or 'none'. */
  identityType?: Known<string>;
  /** How many user-assigned identities it lists. */
  userAssignedIdentities?: Known<number>;
  primaryUserAssignedIdentity?: Known<string>;
  /** The key that encrypts its data, when a customer-managed one is set. */
  customerManagedKey?: Known<string>;
  /** 'disabled', 'allow_internet_outbound' or 'allow_only_approved_outbound'. */
  managedNetworkIsolation?: Known<string>;
}

export interface ComputeFields {
  /** 'amlcompute', 'computeinstance', 'kubernetes', 'virtualmachine', 'synapsespark', 'slurm', ... */
  computeType: Known<string>;
  size?: Known<string>;
  /** 'dedicated' or 'low_priority'. */
  tier?: Known<string>;
  minInstances?: Known<number>;
  maxInstances?: Known<number>;
  /** Seconds. */
  idleTimeBeforeScaleDown?: Known<number>;
  /** Compute instances: minutes idle before it shuts down. */
  idleTimeBeforeShutdown?: Known<number>;
  /** Compute instances: whether an enabled schedule stops it. */
  hasStopSchedule?: Known<boolean>;
  subnet?: Known<string>;
  /** ARM only (the CLI v2 YAML has no such field): disableLocalAuth. */
  disableLocalAuth?: Known<boolean>;
  /** 'enabled', 'disabled' or 'not_specified' (ARM: closed only when the compute is in a VNet). */
  sshPublicAccess?: Known<string>;
  /** Whether an SSH admin key or password is given. */
  hasSshCredentials?: Known<boolean>;
  enableNodePublicIp?: Known<boolean>;
}

export interface OnlineEndpointFields {
  /** 'key', 'aml_token' or 'aad_token'. */
  authMode?: Known<string>;
  publicNetworkAccess?: Known<NetworkAccess>;
}

/** Where a deployment's model comes from: files given with it, a workspace's model, or a registry's. */
export interface ModelSource {
  from: 'inline' | 'workspace' | 'registry';
  /** The reference or path as written. */
  reference: string;
}

export interface OnlineDeploymentFields {
  endpointName?: Known<string>;
  /** 'managed' or 'kubernetes' (ARM: endpointComputeType). */
  deploymentType?: Known<string>;
  /** 'default' (a fixed instance_count) or 'target_utilization' (autoscale). */
  scaleType?: Known<string>;
  instanceType?: Known<string>;
  instanceCount?: Known<number>;
  minInstances?: Known<number>;
  maxInstances?: Known<number>;
  maxConcurrentRequestsPerInstance?: Known<number>;
  /** The inference server's WORKER_COUNT environment variable. */
  workerCount?: Known<number>;
  /** Whether a data collector collects at least one collection. */
  collectsData?: Known<boolean>;
  appInsightsEnabled?: Known<boolean>;
  egressPublicNetworkAccess?: Known<NetworkAccess>;
  model?: Known<ModelSource>;
}

export interface BatchDeploymentFields {
  endpointName?: Known<string>;
  /** The compute it runs on, as referenced. */
  compute?: Known<string>;
  maxRetries?: Known<number>;
  model?: Known<ModelSource>;
}

/** The packages an environment's conda file asks for, as written. */
export interface PackageList {
  conda: string[];
  pip: string[];
}

export interface EnvironmentFields {
  image?: Known<string>;
  /** Its conda file's dependencies; undefined when it has none. */
  packages?: Known<PackageList>;
}

export interface CommandJobFields {
  compute?: Known<string>;
  instanceType?: Known<string>;
  instanceCount?: Known<number>;
  /** Seconds. */
  timeout?: Known<number>;
}

export interface SweepJobFields {
  compute?: Known<string>;
  instanceType?: Known<string>;
  /** 'random', 'grid', 'bayesian', 'tpe'. */
  samplingAlgorithm?: Known<string>;
  /** The policy's type: 'bandit', 'median_stopping', 'truncation_selection', 'asha'. */
  earlyTermination?: Known<string>;
  maxTotalTrials?: Known<number>;
  maxConcurrentTrials?: Known<number>;
  /** Seconds. */
  timeout?: Known<number>;
}

export interface RegistryFields {
  /** The regions it is replicated to. */
  regions?: Known<string[]>;
}

/** ARM: a Microsoft.Insights diagnostic setting. */
export interface DiagnosticSettingFields {
  /** The name of the resource it collects from. */
  target?: Known<string>;
  /** Whether it sends at least one log category. */
  logsEnabled?: Known<boolean>;
}

/** ARM: a Microsoft.Insights autoscale setting. */
export interface AutoscaleSettingFields {
  /** The name of the resource it scales (its id's last segment). */
  target?: Known<string>;
  enabled?: Known<boolean>;
}

export type WorkspaceSubject = SubjectBase<'workspace', WorkspaceFields> & WorkspaceFields;
export type ComputeSubject = SubjectBase<'compute', ComputeFields> & ComputeFields;
export type OnlineEndpointSubject = SubjectBase<'online-endpoint', OnlineEndpointFields> & OnlineEndpointFields;
export type OnlineDeploymentSubject = SubjectBase<'online-deployment', OnlineDeploymentFields> & OnlineDeploymentFields;
export type BatchDeploymentSubject = SubjectBase<'batch-deployment', BatchDeploymentFields> & BatchDeploymentFields;
/** An environment file or ARM environment version, or the inline environment of a job or deployment (`owner`). */
export type EnvironmentSubject = SubjectBase<'environment', EnvironmentFields> &
  EnvironmentFields & { owner?: { kind: string; name: string } };
/** A command job, or a command or parallel step of a pipeline (named `<pipeline>/<step>`). */
export type CommandJobSubject = SubjectBase<'command-job', CommandJobFields> & CommandJobFields;
/** A sweep job, or a sweep step of a pipeline. */
export type SweepJobSubject = SubjectBase<'sweep-job', SweepJobFields> & SweepJobFields;
export type RegistrySubject = SubjectBase<'registry', RegistryFields> & RegistryFields;
export type DiagnosticSettingSubject = SubjectBase<'diagnostic-setting', DiagnosticSettingFields> & DiagnosticSettingFields;
export type AutoscaleSettingSubject = SubjectBase<'autoscale-setting', AutoscaleSettingFields> & AutoscaleSettingFields;

export type StaticSubject =
  | WorkspaceSubject
  | ComputeSubject
  | OnlineEndpointSubject
  | OnlineDeploymentSubject
  | BatchDeploymentSubject
  | EnvironmentSubject
  | CommandJobSubject
  | SweepJobSubject
  | RegistrySubject
  | DiagnosticSettingSubject
  | AutoscaleSettingSubject;

export type SubjectKind = StaticSubject['kind'];
export type SubjectOfKind<Kind extends SubjectKind> = Extract<StaticSubject, { kind: Kind }>;

/**
 * Collects a subject's fields with where each is written: `set` records the source even for a
 * field the file leaves out, so a finding about a missing field points at where it would go.
 */
export function fieldCollector<Fields extends object>(source: (path: FieldPath) => FieldSource) {
  const values: Partial<Fields> = {};
  const sources: { [Field in keyof Fields]?: FieldSource } = {};
  return {
    values,
    sources,
    set<Field extends keyof Fields>(field: Field, value: Fields[Field] | undefined, path: FieldPath): void {
      sources[field] = source(path);
      if (value !== undefined) values[field] = value;
    },
  };
}

/** Where a path's sources are kept: one node per path segment, so that a lookup makes no key. */
interface SourceNode {
  children?: Map<string | number | typeof within, SourceNode>;
  /** The path's source at each line it was found written on. */
  byLine?: Map<number | undefined, FieldSource>;
}

/** The key that ends the path of the resource a field is in (an ARM template's `resources/1`), before the field's own path. */
const within: unique symbol = Symbol('within');

let sourceRoot: SourceNode = {};
let sourceCount = 0;
/** Enough for every field of the files of a check; past it the cache starts again (a server checks files for years). */
const maxSources = 20_000;

function childOf(node: SourceNode, segment: string | number | typeof within): SourceNode {
  node.children ??= new Map();
  let child = node.children.get(segment);
  if (child === undefined) {
    child = {};
    node.children.set(segment, child);
  }
  return child;
}

/**
 * The source of the field at `path`, written on `line`, in the resource at `resource` (an ARM
 * template's resource; the root for an Azure ML YAML file): the same object for every file that
 * writes that field on that line. A check of ten thousand files reads some hundred thousand fields,
 * most of them at the same places; made once, their names and pointers are not copied around by
 * every garbage collection until the report is written. Never changed by anyone (FieldSource is
 * plain data, read by the rules and the report). The name is the field's path within the resource,
 * the pointer its path from the file's root.
 */
export function sharedFieldSource(path: FieldPath, line: number | undefined, resource: FieldPath = []): FieldSource {
  let node = sourceRoot;
  for (const segment of resource) node = childOf(node, segment);
  if (resource.length > 0) node = childOf(node, within);
  for (const segment of path) node = childOf(node, segment);
  node.byLine ??= new Map();
  let source = node.byLine.get(line);
  if (source === undefined) {
    if (sourceCount >= maxSources) {
      sourceRoot = {};
      sourceCount = 0;
    }
    source = { name: formatFieldPath(path), pointer: jsonPointer(resource.length > 0 ? [...resource, ...path] : path), line };
    node.byLine.set(line, source);
    sourceCount += 1;
  }
  return source;
}

/** `~` and `/` escaped, as RFC 6901 asks. */
export function jsonPointer(path: FieldPath): string {
  // A loop, and the replacements only where needed: every field of every subject has a pointer.
  let pointer = '';
  for (const segment of path) {
    const text = typeof segment === 'string' ? segment : String(segment);
    pointer += text.includes('~') || text.includes('/') ? `/${text.replaceAll('~', '~0').replaceAll('/', '~1')}` : `/${text}`;
  }
  return pointer;
}

/** The name a reference points at: `azureml:cpu-cluster`, `cpu-cluster`, `/subscriptions/.../computes/cpu-cluster` all give `cpu-cluster`. */
export function referencedName(reference: string): string {
  const withoutScheme = reference.replace(/^azureml:/i, '');
  const segments = withoutScheme.split('/').filter((segment) => segment !== '');
  return (segments.at(-1) ?? withoutScheme).replace(/^azureml:/i, '');
}
