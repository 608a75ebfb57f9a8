import type { Problem } from '../errors.js';
import type { ResourceKind } from '../resources/kinds.js';

/** How the kind of a file was told: from its `$schema`, its `type`, or its workspace `kind`. */
export type KindDetection =
  | { kind: ResourceKind; from: '$schema' | 'type' | 'kind' }
  /** isOtherKind: `$schema` (or the fields) name another Azure ML file kind (a job, an endpoint, ...). */
  | { kind: null; problem: Problem; isOtherKind: boolean };

/** The endpoint files, which Trellis keeps apart from the resources of parse-resource-file. */
export const endpointFileKinds = ['online-endpoint', 'online-deployment', 'batch-endpoint', 'batch-deployment'] as const;
export type EndpointFileKind = (typeof endpointFileKinds)[number];

/** Every kind of Azure ML file Trellis reads (jobs aside, which have their own command). */
export type FileKind = ResourceKind | EndpointFileKind;

/** As KindDetection, for any FileKind; `fields`: told by fields only that kind has (endpoint_name, traffic, ...). */
export type FileKindDetection =
  | { kind: FileKind; from: '$schema' | 'type' | 'kind' | 'fields' }
  | { kind: null; problem: Problem; isOtherKind: boolean };

export function isEndpointFileKind(kind: string): kind is EndpointFileKind {
  return (endpointFileKinds as readonly string[]).includes(kind);
}

// Schema file names (lower-cased, without .schema.json) as published at
// https://azuremlschemas.azureedge.net/latest/ and listed in the CLI (v2) YAML schema docs.
const schemaKinds: Readonly<Record<string, FileKind>> = {
  workspace: 'workspace',
  environment: 'environment',
  data: 'data',
  code: 'code',
  model: 'model',
  commandcomponent: 'component',
  amlcompute: 'compute',
  computeinstance: 'compute',
  vmcompute: 'compute',
  kubernetescompute: 'compute',
  synapsesparkcompute: 'compute',
  managedonlineendpoint: 'online-endpoint',
  kubernetesonlineendpoint: 'online-endpoint',
  managedonlinedeployment: 'online-deployment',
  kubernetesonlinedeployment: 'online-deployment',
  batchendpoint: 'batch-endpoint',
  batchdeployment: 'batch-deployment',
  modelbatchdeployment: 'batch-deployment',
  // Refused when parsed, with the reason (Trellis deploys models, not pipeline components).
  pipelinecomponentbatchdeployment: 'batch-deployment',
  // The SDK's own names, as in the data_collector examples of the docs (http://azureml/sdk-2-0/OnlineDeployment.json).
  onlineendpoint: 'online-endpoint',
  onlinedeployment: 'online-deployment',
};

// Azure ML file kinds that are not resources of this parser, so the message can name them.
const otherAzureSchemas: Readonly<Record<string, { what: string; hint?: string }>> = {
  mltable: { what: 'an MLTable file', hint: 'create a data asset with type: mltable and path: <the folder holding it>' },
  dataimport: {
    what: 'a data import (az ml data import)',
    hint: 'Trellis does not import from databases or S3; copy the data and create a data asset from it',
  },
  schedule: { what: 'a schedule' },
  commandjob: { what: 'a command job' },
  sweepjob: { what: 'a sweep job' },
  pipelinejob: { what: 'a pipeline job' },
  sparkjob: { what: 'a Spark job' },
  pipelinecomponent: { what: 'a pipeline component' },
  sparkcomponent: { what: 'a Spark component' },
  azureblob: { what: 'a datastore' },
  azurefile: { what: 'a datastore' },
  azuredatalakegen1: { what: 'a datastore' },
  azuredatalakegen2: { what: 'a datastore' },
  registry: { what: 'a registry' },
};

const typeKinds: Readonly<Record<string, ResourceKind>> = {
  amlcompute: 'compute',
  computeinstance: 'compute',
  kubernetes: 'compute',
  virtualmachine: 'compute',
  synapsespark: 'compute',
  // A Trellis extension (docs/slurm-backend.md); Azure ML has no schema file for it.
  slurm: 'compute',
  uri_file: 'data',
  uri_folder: 'data',
  mltable: 'data',
  custom_model: 'model',
  mlflow_model: 'model',
  triton_model: 'model',
};

const endpointKindWords: Readonly<Record<EndpointFileKind, string>> = {
  'online-endpoint': 'an online endpoint',
  'online-deployment': 'an online deployment',
  'batch-endpoint': 'a batch endpoint',
  'batch-deployment': 'a batch deployment',
};

// Fields only a deployment of that sort has (azure-ai-ml OnlineDeploymentSchema, BatchDeploymentSchema).
const onlineDeploymentFields = [
  'instance_type',
  'instance_count',
  'scale_settings',
  'request_settings',
  'liveness_probe',
  'readiness_probe',
  'app_insights_enabled',
  'data_collector',
  'egress_public_network_access',
  'model_mount_path',
];
const batchDeploymentFields = [
  'compute',
  'settings',
  'mini_batch_size',
  'max_concurrency_per_instance',
  'output_action',
  'output_file_name',
  'retry_settings',
  'error_threshold',
  'logging_level',
  'component',
  'job_definition',
];

/**
 * Tells which kind of resource a parsed Azure ML file describes: from `$schema` (e.g.
 * https://azuremlschemas.azureedge.net/latest/amlCompute.schema.json), else from `type`
 * (amlcompute, uri_file, mlflow_model, ...), else from a workspace `kind` (hub, project).
 * Returns kind null with the problem to report when the kind cannot be told, or when
 * the file is another Azure ML file kind such as a job or an endpoint (see detectFileKind).
 */
export function detectKind(document: Readonly<Record<string, unknown>>): KindDetection {
  const detection = detectFileKind(document);
  // A deployment that does not say whether online or batch is still not a resource of this kind.
  if (detection.kind === null) return Object.hasOwn(document, 'endpoint_name') ? { ...detection, isOtherKind: true } : detection;
  // Only endpoint kinds are told by their fields, so the others come from $schema, type or kind.
  if (!isEndpointFileKind(detection.kind)) return detection as KindDetection;
  const message = `this file is ${endpointKindWords[detection.kind]}, not a workspace, environment, data, code, model or compute resource; create it with trellis ${detection.kind} create --file`;
  return { kind: null, problem: { path: detection.from === '$schema' ? '$schema' : '', message }, isOtherKind: true };
}

/**
 * Tells which kind of file a parsed Azure ML file is, endpoints included: from `$schema` (e.g.
 * https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json), else from its
 * fields: `endpoint_name` with a field only online (instance_type, ...) or batch (compute,
 * settings, ...) deployments have; `type`; a workspace `kind`; `traffic`/`mirror_traffic`
 * (online endpoint), `defaults` (batch endpoint), or `auth_mode` (aad_token is for batch
 * endpoints only). Returns kind null with the problem to report when the kind cannot be told, or
 * when `$schema` names an Azure ML file kind Trellis does not read this way (a job, a component...).
 */
export function detectFileKind(document: Readonly<Record<string, unknown>>): FileKindDetection {
  const schema = document.$schema;
  if (typeof schema === 'string') {
    const name = schemaName(schema);
    const kind = schemaKinds[name];
    if (kind) return { kind, from: '$schema' };
    const other = otherAzureSchemas[name];
    if (other) {
      const message = `this file is ${other.what}, not a workspace, environment, data, code, model or compute resource${other.hint ? `; ${other.hint}` : ''}`;
      return { kind: null, problem: { path: '$schema', message }, isOtherKind: true };
    }
    // Azure ML ignores $schema when loading; an unknown one says nothing, so fall through.
  }
  const has = (field: string) => Object.hasOwn(document, field);
  const type = typeof document.type === 'string' ? document.type.toLowerCase() : undefined;
  // Before `type`: a Kubernetes online deployment says type: kubernetes, as a Kubernetes compute does.
  if (has('endpoint_name')) {
    if (type === 'model' || type === 'pipeline' || batchDeploymentFields.some(has)) return { kind: 'batch-deployment', from: 'fields' };
    if (type === 'managed' || type === 'kubernetes' || onlineDeploymentFields.some(has))
      return { kind: 'online-deployment', from: 'fields' };
    const message =
      'this file is a deployment (it has endpoint_name), but not whether online or batch; add $schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json (or modelBatchDeployment.schema.json)';
    return { kind: null, problem: { path: '', message }, isOtherKind: false };
  }
  if (type !== undefined) {
    const kind = typeKinds[type];
    if (kind) return { kind, from: 'type' };
  }
  const workspaceKind = document.kind;
  if (typeof workspaceKind === 'string' && ['hub', 'project', 'default'].includes(workspaceKind.toLowerCase())) {
    return { kind: 'workspace', from: 'kind' };
  }
  if (has('traffic') || has('mirror_traffic')) return { kind: 'online-endpoint', from: 'fields' };
  if (has('defaults')) return { kind: 'batch-endpoint', from: 'fields' };
  if (typeof document.auth_mode === 'string') {
    return { kind: /^aad_?token$/i.test(document.auth_mode) ? 'batch-endpoint' : 'online-endpoint', from: 'fields' };
  }
  const message =
    'cannot tell what kind of resource this file describes; add $schema (e.g. $schema: https://azuremlschemas.azureedge.net/latest/model.schema.json) or create it with trellis <kind> create --file';
  return { kind: null, problem: { path: '', message }, isOtherKind: false };
}

/** schemaName's answers: a repository's files name a handful of schemas, thousands of times (`trellis advisor check`). */
const schemaNames = new Map<string, string>();

/** `amlCompute` from `https://azuremlschemas.azureedge.net/latest/amlCompute.schema.json`, lower-cased. */
function schemaName(schema: string): string {
  let name = schemaNames.get(schema);
  if (name === undefined) {
    name = nameInSchema(schema);
    // Bounded: a file of odd schemas must not grow it without end.
    if (schemaNames.size < 256) schemaNames.set(schema, name);
  }
  return name;
}

function nameInSchema(schema: string): string {
  const withoutQuery = schema.trim().split(/[?#]/)[0] ?? '';
  const file = withoutQuery.split('/').pop() ?? '';
  return file
    .replace(/\.schema\.json$/i, '')
    .replace(/\.json$/i, '')
    .toLowerCase();
}
