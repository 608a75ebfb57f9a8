import type { Problem } from '../errors.js';
import type { ResourceKind } from '../resources/kinds.js';

/** How the kind of a file was told: from its `$schema`, its `type`, or its workspace `kind`. */
export type KindDetection =
  | { kind: ResourceKind; from: '$schema' | 'type' | 'kind' }
  /** isOtherKind: `$schema` names another Azure ML file kind (a job, an endpoint, ...). */
  | { kind: null; problem: Problem; isOtherKind: boolean };

// Schema file names (lower-cased, without .schema.json) as published at
// https://azuremlschemas.azureedge.net/latest/ and listed in the CLI (v2) YAML schema docs.
const schemaKinds: Readonly<Record<string, ResourceKind>> = {
  workspace: 'workspace',
  environment: 'environment',
  data: 'data',
  code: 'code',
  model: 'model',
  amlcompute: 'compute',
  computeinstance: 'compute',
  vmcompute: 'compute',
  kubernetescompute: 'compute',
  synapsesparkcompute: 'compute',
};

// Azure ML file kinds that are not resources of this parser, so the message can name them.
const otherAzureSchemas: Readonly<Record<string, { what: string; hint?: string }>> = {
  mltable: { what: 'an MLTable file', hint: 'create a data asset with type: mltable and path: <the folder holding it>' },
  dataimport: { what: 'a data import (az ml data import)', hint: 'Trellis does not import from databases or S3; copy the data and create a data asset from it' },
  schedule: { what: 'a schedule' },
  commandjob: { what: 'a command job' },
  sweepjob: { what: 'a sweep job' },
  pipelinejob: { what: 'a pipeline job' },
  sparkjob: { what: 'a Spark job' },
  commandcomponent: { what: 'a command component' },
  pipelinecomponent: { what: 'a pipeline component' },
  sparkcomponent: { what: 'a Spark component' },
  managedonlineendpoint: { what: 'an online endpoint' },
  kubernetesonlineendpoint: { what: 'an online endpoint' },
  batchendpoint: { what: 'a batch endpoint' },
  managedonlinedeployment: { what: 'an online deployment' },
  kubernetesonlinedeployment: { what: 'an online deployment' },
  batchdeployment: { what: 'a batch deployment' },
  modelbatchdeployment: { what: 'a batch deployment' },
  pipelinecomponentbatchdeployment: { what: 'a batch deployment' },
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

/**
 * Tells which kind of resource a parsed Azure ML file describes: from `$schema` (e.g.
 * https://azuremlschemas.azureedge.net/latest/amlCompute.schema.json), else from `type`
 * (amlcompute, uri_file, mlflow_model, ...), else from a workspace `kind` (hub, project).
 * Returns kind null with the problem to report when the kind cannot be told, or when
 * `$schema` names another Azure ML file kind such as a job.
 */
export function detectKind(document: Readonly<Record<string, unknown>>): KindDetection {
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
  const type = document.type;
  if (typeof type === 'string') {
    const kind = typeKinds[type.toLowerCase()];
    if (kind) return { kind, from: 'type' };
  }
  const workspaceKind = document.kind;
  if (typeof workspaceKind === 'string' && ['hub', 'project', 'default'].includes(workspaceKind.toLowerCase())) {
    return { kind: 'workspace', from: 'kind' };
  }
  const message =
    'cannot tell what kind of resource this file describes; add $schema (e.g. $schema: https://azuremlschemas.azureedge.net/latest/model.schema.json) or create it with trellis <kind> create --file';
  return { kind: null, problem: { path: '', message }, isOtherKind: false };
}

/** `amlCompute` from `https://azuremlschemas.azureedge.net/latest/amlCompute.schema.json`, lower-cased. */
function schemaName(schema: string): string {
  const withoutQuery = schema.trim().split(/[?#]/)[0] ?? '';
  const file = withoutQuery.split('/').pop() ?? '';
  return file.replace(/\.schema\.json$/i, '').replace(/\.json$/i, '').toLowerCase();
}
