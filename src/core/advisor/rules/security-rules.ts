import { seedLines } from '../seed-lines.js';
import { defineStaticRule, type StaticRule, undecided, written } from '../static-rule.js';
import { isUnresolved, type PackageList, type WorkspaceSubject } from '../static-subject.js';
import { fromArm, isComputeType, managedComputeTypes, shown } from './rule-helpers.js';
import { hasManagedNetwork, isProduction, workspaceOf } from './subject-relations.js';

const workspacePublicAccess = defineStaticRule({
  id: 'TRL-SEC-001',
  pillar: 'security',
  severity: 'high',
  title: 'Workspace accepts traffic from the public internet',
  seed: seedLines.restrictWorkspaceNetwork,
  why: 'A workspace reachable from any network exposes its APIs, data and credentials to the whole internet; reached only through private endpoints, its attack surface stays inside your virtual network.',
  fix: 'Set public_network_access: disabled and reach the workspace through a private endpoint.',
  fixIn: {
    'arm-template':
      "Set properties.publicNetworkAccess to 'Disabled', leave allowPublicAccessWhenBehindVnet false, and add a private endpoint.",
  },
  appliesTo: 'workspaces',
  alsoKnownAs: ['PSRule for Azure: Azure.ML.PublicAccess', 'Azure Policy 438c38d2-3772-465a-a9cc-7a6666a275ce'],
  kinds: ['workspace'],
  check(workspace) {
    const access = workspace.publicNetworkAccess;
    if (isUnresolved(access)) return undecided(workspace, 'publicNetworkAccess', access);
    if (access !== 'disabled')
      return [
        {
          message: `${written(workspace, 'publicNetworkAccess')} is ${shown(access, "Azure's default: enabled")}`,
          field: 'publicNetworkAccess',
        },
      ];
    const behindVnet = workspace.allowPublicAccessWhenBehindVnet;
    if (isUnresolved(behindVnet)) return undecided(workspace, 'allowPublicAccessWhenBehindVnet', behindVnet);
    if (behindVnet !== true) return [];
    const message = `${written(workspace, 'allowPublicAccessWhenBehindVnet')} is true: the workspace still accepts public traffic`;
    return [{ message, field: 'allowPublicAccessWhenBehindVnet' }];
  },
});

const userAssignedIdentity = defineStaticRule({
  id: 'TRL-SEC-002',
  pillar: 'security',
  severity: 'medium',
  title: 'Workspace has no user-assigned managed identity',
  seed: seedLines.managedIdentity,
  why: 'A user-assigned identity is created, granted least-privilege roles and audited apart from the workspace, and survives it; the default system-assigned identity is made and granted broad access with the workspace. PSRule asks for identity type UserAssigned alone; this rule also accepts system_assigned,user_assigned with a primary user-assigned identity.',
  fix: 'Set identity.type: user_assigned, list the identity under identity.user_assigned_identities and name it in primary_user_assigned_identity.',
  fixIn: {
    'arm-template':
      "Set identity.type to 'UserAssigned', list it in identity.userAssignedIdentities and name it in properties.primaryUserAssignedIdentity.",
  },
  appliesTo: 'workspaces',
  alsoKnownAs: ['PSRule for Azure: Azure.ML.UserManagedIdentity', 'Azure Policy 5f0c7d88-c7de-45b8-ac49-db49e72eaa78'],
  kinds: ['workspace'],
  check(workspace) {
    const type = workspace.identityType;
    if (isUnresolved(type)) return undecided(workspace, 'identityType', type);
    if (type === undefined || !type.includes('user_assigned'))
      return [
        { message: `${written(workspace, 'identityType')} is ${shown(type, "Azure's default: system_assigned")}`, field: 'identityType' },
      ];
    const count = workspace.userAssignedIdentities;
    if (isUnresolved(count)) return undecided(workspace, 'userAssignedIdentities', count);
    if (!count) return [{ message: `${written(workspace, 'userAssignedIdentities')} lists no identity`, field: 'userAssignedIdentities' }];
    const primary = workspace.primaryUserAssignedIdentity;
    if (isUnresolved(primary)) return undecided(workspace, 'primaryUserAssignedIdentity', primary);
    if (primary !== undefined) return [];
    return [{ message: `${written(workspace, 'primaryUserAssignedIdentity')} is not set`, field: 'primaryUserAssignedIdentity' }];
  },
});

const customerManagedKey = defineStaticRule({
  id: 'TRL-SEC-003',
  pillar: 'security',
  severity: 'medium',
  title: 'Workspace data is not encrypted with a customer-managed key',
  seed: seedLines.customerManagedKeys,
  why: 'With a key you hold, you decide who can decrypt the workspace data at rest and can revoke it; with the platform key you cannot, which many regulations do not allow.',
  fix: 'Set customer_managed_key.key_uri (in Trellis a pkcs11: URI of a key in your token; in Azure a Key Vault key).',
  fixIn: {
    'arm-template': "Set properties.encryption.status to 'Enabled' with keyVaultProperties.keyIdentifier and keyVaultArmId of your key.",
  },
  appliesTo: 'workspaces',
  alsoKnownAs: [
    'Azure Policy ba769a63-b8cc-4b2d-abf6-ac33c7204be8',
    'Azure Advisor: Workspaces should be encrypted with a customer-managed key (CMK)',
  ],
  kinds: ['workspace'],
  check(workspace) {
    const key = workspace.customerManagedKey;
    if (isUnresolved(key)) return undecided(workspace, 'customerManagedKey', key);
    if (key !== undefined) return [];
    return [
      {
        message: `${written(workspace, 'customerManagedKey')} is not set: data at rest is encrypted with a platform key`,
        field: 'customerManagedKey',
      },
    ];
  },
});

const approvedOutboundOnly = defineStaticRule({
  id: 'TRL-SEC-004',
  pillar: 'security',
  severity: 'medium',
  title: 'Workspace managed network allows any outbound traffic',
  seed: seedLines.preventExfiltration,
  why: 'Compute that can reach any internet address can send workspace data anywhere; allowing only approved outbound destinations closes that path for a compromised job or package.',
  fix: 'Set managed_network.isolation_mode: allow_only_approved_outbound and add outbound rules for what the workspace needs.',
  fixIn: { 'arm-template': "Set properties.managedNetwork.isolationMode to 'AllowOnlyApprovedOutbound' and add outboundRules." },
  appliesTo: 'workspaces',
  kinds: ['workspace'],
  check(workspace) {
    const mode = workspace.managedNetworkIsolation;
    if (isUnresolved(mode)) return undecided(workspace, 'managedNetworkIsolation', mode);
    if (mode === 'allow_only_approved_outbound') return [];
    return [
      {
        message: `${written(workspace, 'managedNetworkIsolation')} is ${shown(mode, "Azure's default: disabled")}`,
        field: 'managedNetworkIsolation',
      },
    ];
  },
});

const computeLocalAuth = defineStaticRule({
  id: 'TRL-SEC-005',
  pillar: 'security',
  severity: 'high',
  title: 'Compute accepts local authentication',
  seed: seedLines.disableLocalAuth,
  why: 'Local accounts and keys bypass Microsoft Entra ID: they are not tied to a person, not covered by conditional access and hard to audit or revoke. ARM templates only: the CLI v2 YAML has no such field.',
  fix: 'Set properties.disableLocalAuth to true.',
  appliesTo: 'computes in ARM templates',
  alsoKnownAs: ['PSRule for Azure: Azure.ML.DisableLocalAuth', 'Azure Policy e96a9a5f-07ca-471b-9bc5-6a0f33cbd68f'],
  kinds: ['compute'],
  applies: (compute) => fromArm(compute),
  check(compute) {
    const disabled = compute.disableLocalAuth;
    if (isUnresolved(disabled)) return undecided(compute, 'disableLocalAuth', disabled);
    if (disabled === true) return [];
    return [{ message: `${written(compute, 'disableLocalAuth')} is ${shown(disabled, 'default: false')}`, field: 'disableLocalAuth' }];
  },
});

const computeInVirtualNetwork = defineStaticRule({
  id: 'TRL-SEC-006',
  pillar: 'security',
  severity: 'high',
  title: 'Compute is not in a virtual network',
  seed: seedLines.computeInVirtualNetwork,
  why: 'Compute outside a virtual network reaches, and is reached from, the internet; in a subnet (or the workspace managed network) its traffic goes through your network controls. A compute passes when its workspace, among the files checked, has a managed network.',
  fix: 'Set network_settings.subnet (and vnet_name), or give the workspace a managed network.',
  fixIn: { 'arm-template': 'Set properties.properties.subnet.id, or give the workspace properties.managedNetwork.' },
  appliesTo: 'compute clusters and compute instances',
  alsoKnownAs: ['PSRule for Azure: Azure.ML.ComputeVnet', 'Azure Policy 7804b5c7-01dc-4723-969b-ae300cc07ff1'],
  kinds: ['compute'],
  applies: (compute) => isComputeType(compute.computeType, managedComputeTypes),
  check(compute, all) {
    if (isUnresolved(compute.computeType)) return undecided(compute, 'computeType', compute.computeType);
    const subnet = compute.subnet;
    if (isUnresolved(subnet)) return undecided(compute, 'subnet', subnet);
    if (subnet !== undefined) return [];
    const workspace = workspaceOf(compute, all);
    const mode = workspace?.managedNetworkIsolation;
    if (workspace && isUnresolved(mode)) return undecided(workspace, 'managedNetworkIsolation', mode);
    if (hasManagedNetwork(workspace)) return [];
    return [{ message: `${written(compute, 'subnet')} is not set and ${withoutManagedNetwork(workspace)}`, field: 'subnet' }];
  },
});

const publicSsh = defineStaticRule({
  id: 'TRL-SEC-007',
  pillar: 'security',
  severity: 'medium',
  title: 'Compute opens its SSH port to the internet',
  seed: seedLines.closePublicSsh,
  why: 'An SSH port open to the internet invites brute-force and exploit attempts on every node. A cluster that leaves the setting out gets an open port when it has an SSH admin account and no subnet (Azure: NotSpecified).',
  fix: 'Set ssh_public_access_enabled: false.',
  fixIn: {
    'arm-template':
      "Set properties.properties.remoteLoginPortPublicAccess (clusters) or sshSettings.sshPublicAccess (instances) to 'Disabled'.",
  },
  appliesTo: 'compute clusters and compute instances',
  kinds: ['compute'],
  applies: (compute) => isComputeType(compute.computeType, managedComputeTypes),
  check(compute) {
    const type = compute.computeType;
    if (isUnresolved(type)) return undecided(compute, 'computeType', type);
    const access = compute.sshPublicAccess;
    if (isUnresolved(access)) return undecided(compute, 'sshPublicAccess', access);
    if (access === 'enabled')
      return [{ message: `${written(compute, 'sshPublicAccess')} opens the public SSH port`, field: 'sshPublicAccess' }];
    // A compute instance's port is closed unless asked for; a cluster's is open when unspecified, with an admin account and no VNet.
    if (access === 'disabled' || type === 'computeinstance') return [];
    const credentials = compute.hasSshCredentials;
    if (isUnresolved(credentials)) return undecided(compute, 'hasSshCredentials', credentials);
    const subnet = compute.subnet;
    if (isUnresolved(subnet)) return undecided(compute, 'subnet', subnet);
    if (credentials !== true || subnet !== undefined) return [];
    const message = `${written(compute, 'sshPublicAccess')} is not set, ${written(compute, 'hasSshCredentials')} gives an SSH admin account and there is no subnet: Azure opens the public SSH port`;
    return [{ message, field: 'sshPublicAccess' }];
  },
});

const nodePublicIp = defineStaticRule({
  id: 'TRL-SEC-008',
  pillar: 'security',
  severity: 'medium',
  title: 'Compute nodes get public IP addresses',
  seed: seedLines.noPublicIp,
  why: 'A public IP address on each node makes every node reachable from the internet; without one, nodes reach out only through your network.',
  fix: 'Set enable_node_public_ip: false (the compute then needs a subnet or a managed network).',
  fixIn: { 'arm-template': 'Set properties.properties.enableNodePublicIp to false.' },
  appliesTo: 'compute clusters and compute instances',
  kinds: ['compute'],
  applies: (compute) => isComputeType(compute.computeType, managedComputeTypes),
  check(compute) {
    if (isUnresolved(compute.computeType)) return undecided(compute, 'computeType', compute.computeType);
    const publicIp = compute.enableNodePublicIp;
    if (isUnresolved(publicIp)) return undecided(compute, 'enableNodePublicIp', publicIp);
    if (publicIp === false) return [];
    return [
      { message: `${written(compute, 'enableNodePublicIp')} is ${shown(publicIp, "Azure's default: true")}`, field: 'enableNodePublicIp' },
    ];
  },
});

const endpointKeyAuth = defineStaticRule({
  id: 'TRL-SEC-009',
  pillar: 'security',
  severity: 'low',
  title: 'Online endpoint authenticates callers with long-lived keys',
  seed: seedLines.identityBasedAccess,
  why: 'A key never expires and does not say who calls; a leaked key works until someone regenerates it. Tokens expire and are issued to an identity.',
  fix: 'Set auth_mode: aml_token.',
  fixIn: { 'arm-template': "Set properties.authMode to 'AADToken' (Microsoft Entra ID) or 'AMLToken'." },
  appliesTo: 'online endpoints',
  kinds: ['online-endpoint'],
  check(endpoint) {
    const mode = endpoint.authMode;
    if (isUnresolved(mode)) return undecided(endpoint, 'authMode', mode);
    if (mode !== undefined && mode !== 'key') return [];
    return [{ message: `${written(endpoint, 'authMode')} is ${shown(mode, 'default: key')}`, field: 'authMode' }];
  },
});

const endpointPublicAccess = defineStaticRule({
  id: 'TRL-SEC-010',
  pillar: 'security',
  severity: 'low',
  title: 'Online endpoint is reachable from the public internet',
  seed: seedLines.restrictWorkspaceNetwork,
  why: "A public scoring URI can be called, and probed, from anywhere; an endpoint that only serves your own applications is safer reached through the workspace's private endpoint.",
  fix: 'Set public_network_access: disabled when only callers inside your network use the endpoint.',
  fixIn: { 'arm-template': "Set properties.publicNetworkAccess to 'Disabled'." },
  appliesTo: 'online endpoints',
  kinds: ['online-endpoint'],
  check(endpoint) {
    const access = endpoint.publicNetworkAccess;
    if (isUnresolved(access)) return undecided(endpoint, 'publicNetworkAccess', access);
    if (access === 'disabled') return [];
    return [
      {
        message: `${written(endpoint, 'publicNetworkAccess')} is ${shown(access, "Azure's default: enabled")}`,
        field: 'publicNetworkAccess',
      },
    ];
  },
});

const deploymentEgress = defineStaticRule({
  id: 'TRL-SEC-011',
  pillar: 'security',
  severity: 'medium',
  title: 'Online deployment can send data to the public internet',
  seed: seedLines.preventExfiltration,
  why: "A scoring container that can reach any address can leak the requests it scores and the model it holds. It passes when its workspace, among the files checked, has a managed network: that network's outbound rules govern the deployment then.",
  fix: 'Set egress_public_network_access: disabled, or isolate the workspace with a managed network.',
  fixIn: { 'arm-template': "Set properties.egressPublicNetworkAccess to 'Disabled', or give the workspace properties.managedNetwork." },
  appliesTo: 'managed online deployments',
  kinds: ['online-deployment'],
  applies: (deployment) => deployment.deploymentType !== 'kubernetes',
  check(deployment, all) {
    const egress = deployment.egressPublicNetworkAccess;
    if (isUnresolved(egress)) return undecided(deployment, 'egressPublicNetworkAccess', egress);
    if (egress === 'disabled') return [];
    const workspace = workspaceOf(deployment, all);
    const mode = workspace?.managedNetworkIsolation;
    if (workspace && isUnresolved(mode)) return undecided(workspace, 'managedNetworkIsolation', mode);
    if (hasManagedNetwork(workspace)) return [];
    const message = `${written(deployment, 'egressPublicNetworkAccess')} is ${shown(egress, "Azure's default: enabled")} and ${withoutManagedNetwork(workspace)}`;
    return [{ message, field: 'egressPublicNetworkAccess' }];
  },
});

const productionModelFromRegistry = defineStaticRule({
  id: 'TRL-SEC-012',
  pillar: 'security',
  severity: 'high',
  title: 'Production deployment serves a model from outside a registry',
  seed: seedLines.approvedModelRegistries,
  why: 'A registry holds models that were reviewed and promoted with their lineage; a model uploaded with the deployment, or taken from a workspace, reaches production without that gate. Production: a tag environment, env or stage of prod or production on the deployment (or its online endpoint).',
  fix: 'Promote the model to a registry and reference it as azureml://registries/<registry>/models/<name>/versions/<version>.',
  appliesTo: 'online and batch deployments tagged as production',
  alsoKnownAs: ['Azure Policy 19539b54-c61e-4196-9a38-67598701be90 (restrict model deployment to specific registries)'],
  kinds: ['online-deployment', 'batch-deployment'],
  applies: (deployment, all) => isProduction(deployment, all),
  check(deployment) {
    const model = deployment.model;
    if (isUnresolved(model)) return undecided(deployment, 'model', model);
    if (model === undefined || model.from === 'registry') return [];
    const what =
      model.from === 'inline' ? `model files given with the deployment (${model.reference})` : `${model.reference}, a workspace model`;
    return [{ message: `${written(deployment, 'model')} is ${what}, not a model from a registry`, field: 'model' }];
  },
});

const pinnedPackages = defineStaticRule({
  id: 'TRL-SEC-013',
  pillar: 'security',
  severity: 'medium',
  title: 'Environment installs packages without pinned versions',
  seed: seedLines.trustedPackages,
  why: 'An unpinned package installs whatever version is newest at build time: a compromised or breaking release gets in unreviewed, and two builds of the same environment differ. The bare pip entry of a conda file is not counted.',
  fix: 'Pin every package to one version (numpy==1.26.4 for pip, numpy=1.26.4 for conda).',
  appliesTo: 'environments with a conda file (environment files, inline environments, ARM environment versions)',
  kinds: ['environment'],
  applies: (environment) => environment.packages !== undefined,
  check(environment) {
    const packages = environment.packages;
    if (isUnresolved(packages)) return undecided(environment, 'packages', packages);
    const loose = unpinned(packages ?? { conda: [], pip: [] });
    if (loose.length === 0) return [];
    const listed = loose.slice(0, 5).join(', ') + (loose.length > 5 ? `, and ${loose.length - 5} more` : '');
    return [
      {
        message: `${written(environment, 'packages')} does not pin ${loose.length} package${loose.length === 1 ? '' : 's'}: ${listed}`,
        field: 'packages',
      },
    ];
  },
});

function withoutManagedNetwork(workspace: WorkspaceSubject | undefined): string {
  return workspace ? `its workspace '${workspace.name}' has no managed network` : 'its workspace is not among the files checked';
}

/** The specs in a conda file that do not name one version. */
export function unpinned(packages: PackageList): string[] {
  const conda = packages.conda.filter((spec) => spec.trim() !== 'pip' && !isPinnedConda(spec));
  const pip = packages.pip.filter((spec) => !spec.trim().startsWith('-') && spec.trim() !== '' && !isPinnedPip(spec));
  return [...conda, ...pip];
}

/** `numpy=1.26.4`, `numpy==1.26.4`, `conda-forge::numpy=1.26.4=py311h...`: one version (a series such as python=3.11 counts). */
function isPinnedConda(spec: string): boolean {
  const withoutChannel = spec.trim().replace(/^[^:\s]+::/, '');
  return /^[A-Za-z0-9_.-]+\s*(==?|\s)\s*[0-9][^\s*<>,|!=]*(=[^\s*]+)?$/.test(withoutChannel);
}

/** `numpy==1.26.4` (extras and markers allowed), or a direct reference fixed by a commit or hash. */
function isPinnedPip(spec: string): boolean {
  const requirement = spec.split('#')[0]?.split(';')[0]?.trim() ?? '';
  if (requirement.includes('@')) return /@[0-9a-f]{40}\b/i.test(spec) || /#sha256=[0-9a-f]{64}/i.test(spec);
  return /^[A-Za-z0-9_.-]+(\[[^\]]*\])?\s*===?\s*[^\s,*<>=!~]+$/.test(requirement);
}

export const securityRules: readonly StaticRule[] = [
  workspacePublicAccess,
  userAssignedIdentity,
  customerManagedKey,
  approvedOutboundOnly,
  computeLocalAuth,
  computeInVirtualNetwork,
  publicSsh,
  nodePublicIp,
  endpointKeyAuth,
  endpointPublicAccess,
  deploymentEgress,
  productionModelFromRegistry,
  pinnedPackages,
];
