/**
 * Endpoints and their deployments as Trellis keeps them. The YAML a user applies is the `spec`
 * (validated by the schemas in core/azureml); what Trellis adds is where each one stands and, for a
 * deployment, the exact versions it serves, fixed when it is created or updated: that is what
 * `show` answers and what every scoring response names.
 */

import { registryStorageOf } from '../registries/registry-asset-id.js';
import type { BatchDeploymentSpec } from '../azureml/batch-deployment-schema.js';
import type { OnlineDeploymentSpec } from '../azureml/online-deployment-schema.js';

export type EndpointType = 'online' | 'batch';
export type EndpointAuthMode = 'key' | 'aml_token';

/** Azure's provisioning states. */
export type ProvisioningState = 'Creating' | 'Updating' | 'Succeeded' | 'Failed' | 'Deleting';

export interface Endpoint<Type extends EndpointType = EndpointType> {
  workspace: string;
  name: string;
  type: Type;
  description: string | null;
  tags: Record<string, string>;
  authMode: EndpointAuthMode;
  /** Live traffic per deployment (percent, summing to 100, or empty / all 0 for none). */
  traffic: Record<string, number>;
  /** A copy of this percent of requests goes to the deployment; its answers are discarded. */
  mirrorTraffic: Record<string, number>;
  /** Batch endpoints: the deployment an invoke uses when it names none. */
  defaultDeployment: string | null;
  /** Online endpoints on a Kubernetes compute: that compute's name (the file's `compute: azureml:<name>`); null when instances run on this server. */
  compute: string | null;
  state: ProvisioningState;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
  etag: string;
}

/** What a deployment serves, resolved to exact versions when it was created or last updated. */
export interface DeploymentLineage {
  /** `registry` is set when the model was deployed from an Azure ML registry (azureml://registries/...), not the workspace. */
  model: { name: string; version: string; type: string; registry?: string | undefined } | null;
  environment: { name: string; version: string | null; curated: boolean } | null;
  code: { name: string; digest: string } | null;
  deployedBy: string;
  deployedAt: number;
}

/** The spec of a deployment of each endpoint type: its YAML as validated (endpoint_name and name included). */
export interface DeploymentSpecs {
  online: OnlineDeploymentSpec;
  batch: BatchDeploymentSpec;
}

/** A deployment's spec when its endpoint type is not known. */
export type DeploymentSpec = DeploymentSpecs[EndpointType];

/** A deployment of an endpoint of type `Type`; its spec is typed by that type. */
export interface Deployment<Type extends EndpointType = EndpointType> {
  workspace: string;
  endpoint: string;
  name: string;
  /** The deployment YAML as validated (endpoint_name and name included). */
  spec: DeploymentSpecs[Type];
  lineage: DeploymentLineage;
  state: ProvisioningState;
  /** Why it is not Succeeded, in words (a model that does not load, ...). */
  reason: string | null;
  /** Instances wanted now (instance_count, or what the autoscaler chose). */
  instanceCount: number;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
  etag: string;
}

/** True when `endpoint` is of type `type`; narrows it (and what its deployments' specs are). */
export function isEndpointOfType<Type extends EndpointType>(endpoint: Endpoint, type: Type): endpoint is Endpoint<Type> {
  return endpoint.type === type;
}

/** Keys and the secret aml_tokens are signed with, per endpoint. */
export interface EndpointSecrets {
  primaryKey: string;
  secondaryKey: string;
  tokenSecret: string;
}

/** Where a deployment's model lives: its registry's storage space, or the deployment's workspace. */
export function modelSpaceOf(deployment: { workspace: string; lineage: DeploymentLineage }): string {
  const registry = deployment.lineage.model?.registry;
  return registry === undefined ? deployment.workspace : registryStorageOf(registry);
}
