import { closestName } from '../azureml/did-you-mean.js';
import { plainObjectOr } from '../azureml/schema-helpers.js';
import {
  computeType,
  deploymentModelType,
  type InstallationFacts,
  jobComputeType,
  onlineDeploymentType,
  onlineEndpointType,
  type PolicyTarget,
  workspaceType,
} from './policy-target.js';

/**
 * The aliases of Microsoft.MachineLearningServices that Azure's built-in Machine Learning
 * definitions use, and a few more, each mapped to the Trellis field it reads (`meaning`, shown in
 * `trellis policy alias list` and docs/governance.md). An alias a definition names that is not
 * here is refused when the definition is created; `noMeaning` aliases load (Azure's built-ins use
 * them) but read nothing, as a property that is never set.
 */
export interface PolicyAlias {
  name: string;
  /** The resource type the alias belongs to. */
  type: string;
  /** What it reads in Trellis, in words. */
  meaning: string;
  read(target: PolicyTarget, facts: InstallationFacts): unknown;
  /** Set when the property has no counterpart in Trellis: a rule that reads it is not applicable here. */
  meaningless?: true;
  /** How a modify effect sets it in the target's spec; absent: modify cannot set it here. */
  write?: (spec: Record<string, unknown>, value: unknown) => void;
}

type Spec = Record<string, unknown>;

const specOf = (target: PolicyTarget): Spec => ('spec' in target ? target.spec : {});

/** Azure's compute type names for Trellis's YAML `type`s (Slurm is Trellis's own). */
const armComputeTypes: Record<string, string> = {
  amlcompute: 'AmlCompute',
  computeinstance: 'ComputeInstance',
  kubernetes: 'Kubernetes',
  virtualmachine: 'VirtualMachine',
  synapsespark: 'SynapseSpark',
  slurm: 'Slurm',
};

/** The compute types Azure's "enforce setting" definitions name, for the computes jobs run on. */
const dataPlaneComputeTypes: Record<string, string> = {
  amlcompute: 'MachineLearningCompute',
  computeinstance: 'ComputeInstance',
  kubernetes: 'Kubernetes',
  slurm: 'Slurm',
  synapsespark: 'SynapseSpark',
  virtualmachine: 'VirtualMachine',
};

const isolationModes: Record<string, string> = {
  disabled: 'Disabled',
  allow_internet_outbound: 'AllowInternetOutbound',
  allow_only_approved_outbound: 'AllowOnlyApprovedOutbound',
};

/** An ISO 8601 duration for a compute instance's idle shutdown, from either of its YAML fields. */
function idleShutdown(spec: Spec): string | undefined {
  if (typeof spec.idle_time_before_shutdown === 'string') return spec.idle_time_before_shutdown;
  if (typeof spec.idle_time_before_shutdown_minutes === 'number') return `PT${spec.idle_time_before_shutdown_minutes}M`;
  return undefined;
}

/** SSH credentials or public SSH access are a compute's local authentication; without them only Trellis identities reach it. */
function localAuthDisabled(spec: Spec): boolean {
  const ssh = plainObjectOr(spec.ssh_settings) ?? {};
  return spec.ssh_public_access_enabled !== true && ssh.admin_password === undefined && ssh.ssh_key_value === undefined;
}

const ws = (suffix: string) => `${workspaceType}/${suffix}`;
const compute = (suffix: string) => `${computeType}/${suffix}`;
const deployment = (suffix: string) => `${deploymentModelType}/${suffix}`;
const dataPlane = (suffix: string) => `Microsoft.MachineLearningServices.Data/workspaces/${suffix}`;

const noMeaning = (name: string, type: string, why: string): PolicyAlias => ({
  name,
  type,
  meaning: `no meaning here: ${why}`,
  meaningless: true,
  read: () => undefined,
});

export const policyAliases: readonly PolicyAlias[] = [
  {
    name: ws('publicNetworkAccess'),
    type: workspaceType,
    meaning:
      "the workspace's public_network_access; when the file leaves it out, 'Disabled' if the server listens on loopback only, else 'Enabled'",
    read: (target, facts) => specOf(target).public_network_access ?? (facts.listensOnLoopbackOnly ? 'Disabled' : 'Enabled'),
    write: (spec, value) => {
      spec.public_network_access = value;
    },
  },
  {
    name: ws('encryption.status'),
    type: workspaceType,
    meaning:
      "'Enabled' when the workspace's customer_managed_key.key_uri names the key that wraps its data key (a pkcs11: key in an HSM), else 'Disabled'",
    read: (target) => (typeof plainObjectOr(specOf(target).customer_managed_key)?.key_uri === 'string' ? 'Enabled' : 'Disabled'),
  },
  {
    name: ws('primaryUserAssignedIdentity'),
    type: workspaceType,
    meaning: "the workspace's primary_user_assigned_identity (recorded)",
    read: (target) => specOf(target).primary_user_assigned_identity,
    write: (spec, value) => {
      spec.primary_user_assigned_identity = value;
    },
  },
  {
    name: ws('managedNetwork.isolationMode'),
    type: workspaceType,
    meaning: "the workspace's managed_network.isolation_mode in Azure's spelling; 'Disabled' when not set, as Azure",
    read: (target) => {
      const mode = plainObjectOr(specOf(target).managed_network)?.isolation_mode;
      return typeof mode === 'string' ? (isolationModes[mode.toLowerCase()] ?? mode) : 'Disabled';
    },
  },
  noMeaning(ws('v1LegacyMode'), workspaceType, 'Trellis has no v1 API to keep compatible'),
  noMeaning(ws('privateEndpointConnections[*]'), workspaceType, 'Azure private links; Trellis has none'),
  noMeaning(
    ws('privateEndpointConnections[*].privateLinkServiceConnectionState.status'),
    workspaceType,
    'Azure private links; Trellis has none',
  ),
  noMeaning(
    ws('privateEndpointConnections/privateLinkServiceConnectionState.status'),
    workspaceType,
    'Azure private links; Trellis has none',
  ),
  {
    name: compute('computeType'),
    type: computeType,
    meaning: "the compute's type in Azure's spelling (AmlCompute, ComputeInstance, Kubernetes, ...; Slurm for Trellis's own)",
    read: (target) => {
      const type = specOf(target).type;
      return typeof type === 'string' ? (armComputeTypes[type] ?? type) : undefined;
    },
  },
  {
    name: compute('idleTimeBeforeShutdown'),
    type: computeType,
    meaning: "a compute instance's idle_time_before_shutdown (or _minutes, as PT<n>M)",
    read: (target) => idleShutdown(specOf(target)),
    write: (spec, value) => {
      spec.idle_time_before_shutdown = value;
      delete spec.idle_time_before_shutdown_minutes;
    },
  },
  {
    name: compute('disableLocalAuth'),
    type: computeType,
    meaning: 'true unless the compute has SSH credentials (ssh_settings) or public SSH access (ssh_public_access_enabled)',
    read: (target) => localAuthDisabled(specOf(target)),
    write: (spec, value) => {
      if (value !== true) return;
      spec.ssh_public_access_enabled = false;
      const ssh = plainObjectOr(spec.ssh_settings);
      if (ssh) {
        delete ssh.admin_password;
        delete ssh.ssh_key_value;
      }
    },
  },
  {
    name: compute('subnet.id'),
    type: computeType,
    meaning: "the compute's network_settings.subnet (recorded)",
    read: (target) => plainObjectOr(specOf(target).network_settings)?.subnet,
    write: (spec, value) => {
      spec.network_settings = { ...plainObjectOr(spec.network_settings), subnet: value };
    },
  },
  {
    name: compute('scaleSettings.minNodeCount'),
    type: computeType,
    meaning: "a cluster's min_instances",
    read: (target) => specOf(target).min_instances,
    write: (spec, value) => {
      spec.min_instances = value;
    },
  },
  {
    name: compute('scaleSettings.maxNodeCount'),
    type: computeType,
    meaning: "a cluster's max_instances",
    read: (target) => specOf(target).max_instances,
    write: (spec, value) => {
      spec.max_instances = value;
    },
  },
  {
    name: compute('scaleSettings.nodeIdleTimeBeforeScaleDown'),
    type: computeType,
    meaning: "a cluster's idle_time_before_scale_down, as PT<n>S",
    read: (target) => {
      const seconds = specOf(target).idle_time_before_scale_down;
      return typeof seconds === 'number' ? `PT${seconds}S` : undefined;
    },
  },
  {
    name: compute('vmSize'),
    type: computeType,
    meaning: "the compute's size",
    read: (target) => specOf(target).size,
  },
  {
    name: compute('vmPriority'),
    type: computeType,
    meaning: "a cluster's tier in Azure's spelling: Dedicated or LowPriority",
    read: (target) => {
      const tier = specOf(target).tier;
      return tier === 'low_priority' ? 'LowPriority' : tier === 'dedicated' ? 'Dedicated' : undefined;
    },
  },
  noMeaning(
    'Microsoft.Network/privateEndpoints/privateLinkServiceConnections[*].groupIds[*]',
    'Microsoft.Network/privateEndpoints',
    'Azure private endpoints; Trellis has none',
  ),
  noMeaning(compute('osImageMetadata.isLatestOsImageVersion'), computeType, 'nodes run on the host Trellis runs on; there is no OS image'),
  {
    name: `${onlineEndpointType}/authMode`,
    type: onlineEndpointType,
    meaning: "the endpoint's auth_mode in Azure's spelling (Key, AMLToken, AADToken)",
    read: (target) => {
      const mode = specOf(target).auth_mode;
      const spelled: Record<string, string> = { key: 'Key', aml_token: 'AMLToken', aad_token: 'AADToken' };
      return typeof mode === 'string' ? (spelled[mode.toLowerCase()] ?? mode) : undefined;
    },
  },
  {
    name: `${onlineEndpointType}/publicNetworkAccess`,
    type: onlineEndpointType,
    meaning: "the endpoint's public_network_access (enabled when left out, as Azure)",
    read: (target) => {
      const access = specOf(target).public_network_access;
      return typeof access === 'string' ? access.charAt(0).toUpperCase() + access.slice(1).toLowerCase() : 'Enabled';
    },
  },
  {
    name: `${onlineDeploymentType}/instanceType`,
    type: onlineDeploymentType,
    meaning: "the deployment's instance_type",
    read: (target) => specOf(target).instance_type,
  },
  {
    name: `${onlineDeploymentType}/sku.capacity`,
    type: onlineDeploymentType,
    meaning: "the deployment's instance_count",
    read: (target) => specOf(target).instance_count,
  },
  {
    name: deployment('model.assetId'),
    type: deploymentModelType,
    meaning:
      "the served model as an asset id: azureml://registries/<registry>/models/<name>/versions/<v>, or azureml://workspaces/<workspace>/models/<name>/versions/<v> for the workspace's own",
    read: (target) => (target.type === deploymentModelType ? target.model.assetId : undefined),
  },
  {
    name: deployment('model.registryName'),
    type: deploymentModelType,
    meaning: 'the registry the served model comes from; not set for a model of the workspace',
    read: (target) => (target.type === deploymentModelType ? target.model.registryName : undefined),
  },
  {
    name: deployment('model.publisher'),
    type: deploymentModelType,
    meaning: "the served registry model's publisher: its 'publisher' tag, else the registry's name",
    read: (target) => (target.type === deploymentModelType ? target.model.publisher : undefined),
  },
  {
    name: dataPlane('computeName'),
    type: jobComputeType,
    meaning: "the compute a job runs on ('local' for a job without one)",
    read: (target) => (target.type === jobComputeType ? target.compute.name : undefined),
  },
  {
    name: dataPlane('computeType'),
    type: jobComputeType,
    meaning:
      "that compute's type as Azure's data-plane definitions name it: MachineLearningCompute for a cluster, ComputeInstance, Kubernetes, Slurm; Automatic for local runs (Azure's serverless)",
    read: (target) => {
      if (target.type !== jobComputeType) return undefined;
      const type = target.compute.spec?.type;
      return typeof type === 'string' ? (dataPlaneComputeTypes[type] ?? type) : 'Automatic';
    },
  },
  {
    name: dataPlane('isIsolatedNetwork'),
    type: jobComputeType,
    meaning: "'Yes' when that compute names a subnet (network_settings.subnet), else 'No'",
    read: (target) =>
      target.type === jobComputeType && typeof plainObjectOr(target.compute.spec?.network_settings)?.subnet === 'string' ? 'Yes' : 'No',
  },
  {
    name: dataPlane('tags[*]'),
    type: jobComputeType,
    meaning: "that compute's tags, each as 'key:value'",
    read: (target) =>
      target.type === jobComputeType ? Object.entries(target.compute.tags).map(([key, value]) => `${key}:${value}`) : undefined,
  },
];

const byName = new Map(policyAliases.map((alias) => [alias.name.toLowerCase(), alias]));

/** Fields every resource has, named without an alias (Azure's "fields" of a policy rule). */
export const builtInFields = ['name', 'fullName', 'type', 'kind', 'location', 'id', 'tags', 'identity.type'] as const;

/** The alias named `name` (ignoring case, as Azure), or undefined. */
export function findAlias(name: string): PolicyAlias | undefined {
  return byName.get(name.toLowerCase());
}

/** Why `field` is not a field a condition can name, or undefined: a built-in field, a tag, or a known alias. */
export function fieldProblem(field: string): string | undefined {
  if (isBuiltInField(field) || tagKey(field) !== undefined || findAlias(field)) return undefined;
  const near = closestName(field, [...builtInFields, ...policyAliases.map((alias) => alias.name)]);
  return `unknown field or alias '${field}'${near ? `; did you mean '${near}'?` : ''} (list the aliases Trellis maps with: trellis policy alias list)`;
}

function isBuiltInField(field: string): boolean {
  return (builtInFields as readonly string[]).some((known) => known.toLowerCase() === field.toLowerCase());
}

/** The tag a field names (`tags['cost-center']`, `tags[cost-center]`, `tags.team`), or undefined. */
export function tagKey(field: string): string | undefined {
  const quoted = /^tags\['(.+)'\]$/i.exec(field) ?? /^tags\[([^\]*]+)\]$/i.exec(field) ?? /^tags\.(.+)$/i.exec(field);
  return quoted?.[1];
}
