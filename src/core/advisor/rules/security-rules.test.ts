import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unpinned } from './security-rules.js';
import { armTemplate as arm, azureMlFile, ml, verdicts, yamlFile as yaml } from '../../../../test/support/advisor-files.js';

const workspace = azureMlFile.workspace;
const armWorkspace = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  type: `${ml}/workspaces`,
  name: 'ws',
  properties,
  ...extra,
});
const cluster = azureMlFile.cluster;
const instance = azureMlFile.instance;
const armCompute = (computeType: string, properties: Record<string, unknown>, outer: Record<string, unknown> = {}) => ({
  type: `${ml}/workspaces/computes`,
  name: 'ws/cpu',
  properties: { computeType, properties, ...outer },
});
const endpoint = azureMlFile.onlineEndpoint;
const deployment = azureMlFile.onlineDeployment;

describe('TRL-SEC-001 workspace public network access (PSRule Azure.ML.PublicAccess)', () => {
  it('fails a workspace that leaves it out or enables it, passes one that disables it', () => {
    assert.deepEqual(verdicts('TRL-SEC-001', { 'ws.yml': workspace() }), [
      "failed ws: public_network_access is not set (Azure's default: enabled)",
    ]);
    assert.deepEqual(verdicts('TRL-SEC-001', { 'ws.yml': workspace({ public_network_access: 'Enabled' }) }), [
      'failed ws: public_network_access is enabled',
    ]);
    assert.deepEqual(verdicts('TRL-SEC-001', { 'ws.yml': workspace({ public_network_access: 'Disabled' }) }), ['passed ws:']);
  });

  it('in ARM, also fails allowPublicAccessWhenBehindVnet, and leaves an expression unknown', () => {
    assert.deepEqual(verdicts('TRL-SEC-001', { 't.json': arm(armWorkspace({ publicNetworkAccess: 'Disabled' })) }), ['passed ws:']);
    assert.deepEqual(
      verdicts('TRL-SEC-001', { 't.json': arm(armWorkspace({ publicNetworkAccess: 'Disabled', allowPublicAccessWhenBehindVnet: true })) }),
      ['failed ws: properties.allowPublicAccessWhenBehindVnet is true: the workspace still accepts public traffic'],
    );
    assert.deepEqual(verdicts('TRL-SEC-001', { 't.json': arm(armWorkspace({ publicNetworkAccess: 'Enabled' })) }), [
      'failed ws: properties.publicNetworkAccess is enabled',
    ]);
    assert.deepEqual(verdicts('TRL-SEC-001', { 't.json': arm(armWorkspace({ publicNetworkAccess: "[parameters('access')]" })) }), [
      "unknown ws: properties.publicNetworkAccess is [parameters('access')]: an ARM expression, known only when the template is deployed",
    ]);
  });
});

describe('TRL-SEC-002 user-assigned managed identity (PSRule Azure.ML.UserManagedIdentity)', () => {
  const identity = '/subscriptions/s/resourceGroups/g/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ml';
  it('fails the default identity and a user-assigned one not made primary; passes a primary user-assigned identity', () => {
    assert.deepEqual(verdicts('TRL-SEC-002', { 'ws.yml': workspace() }), [
      "failed ws: identity.type is not set (Azure's default: system_assigned)",
    ]);
    assert.deepEqual(
      verdicts('TRL-SEC-002', { 'ws.yml': workspace({ identity: `{type: user_assigned, user_assigned_identities: {${identity}: {}}}` }) }),
      ['failed ws: primary_user_assigned_identity is not set'],
    );
    assert.deepEqual(
      verdicts('TRL-SEC-002', {
        'ws.yml': workspace({
          identity: `{type: user_assigned, user_assigned_identities: {${identity}: {}}}`,
          primary_user_assigned_identity: identity,
        }),
      }),
      ['passed ws:'],
    );
  });

  it('reads identity.type, userAssignedIdentities and primaryUserAssignedIdentity in ARM', () => {
    const withIdentity = (type: string, identities: Record<string, unknown>) =>
      arm(armWorkspace({ primaryUserAssignedIdentity: identity }, { identity: { type, userAssignedIdentities: identities } }));
    assert.deepEqual(verdicts('TRL-SEC-002', { 't.json': withIdentity('UserAssigned', { [identity]: {} }) }), ['passed ws:']);
    assert.deepEqual(verdicts('TRL-SEC-002', { 't.json': withIdentity('UserAssigned', {}) }), [
      'failed ws: identity.userAssignedIdentities lists no identity',
    ]);
    assert.deepEqual(verdicts('TRL-SEC-002', { 't.json': withIdentity('SystemAssigned', {}) }), [
      'failed ws: identity.type is system_assigned',
    ]);
  });
});

describe('TRL-SEC-003 customer-managed key', () => {
  it('fails a workspace without a key, passes one with a key, in YAML and ARM', () => {
    assert.deepEqual(verdicts('TRL-SEC-003', { 'ws.yml': workspace() }), [
      'failed ws: customer_managed_key.key_uri is not set: data at rest is encrypted with a platform key',
    ]);
    assert.deepEqual(verdicts('TRL-SEC-003', { 'ws.yml': workspace({ customer_managed_key: '{key_uri: "pkcs11:token=t;object=k"}' }) }), [
      'passed ws:',
    ]);
    const encryption = (status: string) => ({
      encryption: { status, keyVaultProperties: { keyVaultArmId: '/kv', keyIdentifier: 'https://kv/keys/k' } },
    });
    assert.deepEqual(verdicts('TRL-SEC-003', { 't.json': arm(armWorkspace(encryption('Enabled'))) }), ['passed ws:']);
    assert.deepEqual(verdicts('TRL-SEC-003', { 't.json': arm(armWorkspace(encryption('Disabled'))) }), [
      'failed ws: properties.encryption.keyVaultProperties.keyIdentifier is not set: data at rest is encrypted with a platform key',
    ]);
  });
});

describe('TRL-SEC-004 managed network allowing only approved outbound', () => {
  it('fails no managed network and internet outbound, passes approved outbound only', () => {
    assert.deepEqual(verdicts('TRL-SEC-004', { 'ws.yml': workspace({ managed_network: '{isolation_mode: allow_internet_outbound}' }) }), [
      'failed ws: managed_network.isolation_mode is allow_internet_outbound',
    ]);
    assert.deepEqual(
      verdicts('TRL-SEC-004', { 'ws.yml': workspace({ managed_network: '{isolation_mode: allow_only_approved_outbound}' }) }),
      ['passed ws:'],
    );
    assert.deepEqual(verdicts('TRL-SEC-004', { 't.json': arm(armWorkspace({})) }), [
      "failed ws: properties.managedNetwork.isolationMode is not set (Azure's default: disabled)",
    ]);
    assert.deepEqual(
      verdicts('TRL-SEC-004', { 't.json': arm(armWorkspace({ managedNetwork: { isolationMode: 'AllowOnlyApprovedOutbound' } })) }),
      ['passed ws:'],
    );
  });
});

describe('TRL-SEC-005 compute local authentication (PSRule Azure.ML.DisableLocalAuth)', () => {
  it('applies to ARM computes only: fails unless disableLocalAuth is true', () => {
    assert.deepEqual(verdicts('TRL-SEC-005', { 't.json': arm(armCompute('AmlCompute', {})) }), [
      'failed ws/cpu: properties.disableLocalAuth is not set (default: false)',
    ]);
    assert.deepEqual(verdicts('TRL-SEC-005', { 't.json': arm(armCompute('AmlCompute', {}, { disableLocalAuth: true })) }), [
      'passed ws/cpu:',
    ]);
    assert.deepEqual(verdicts('TRL-SEC-005', { 'cpu.yml': cluster() }), []);
  });
});

describe('TRL-SEC-006 compute in a virtual network (PSRule Azure.ML.ComputeVnet)', () => {
  it('fails a compute with no subnet; passes a subnet, or a workspace with a managed network', () => {
    assert.deepEqual(verdicts('TRL-SEC-006', { 'cpu.yml': cluster() }), [
      'failed cpu: network_settings.subnet is not set and its workspace is not among the files checked',
    ]);
    assert.deepEqual(verdicts('TRL-SEC-006', { 'cpu.yml': cluster({ network_settings: '{vnet_name: v, subnet: ml}' }) }), ['passed cpu:']);
    assert.deepEqual(
      verdicts('TRL-SEC-006', {
        'ws.yml': workspace({ managed_network: '{isolation_mode: allow_internet_outbound}' }),
        'ci.yml': instance(),
      }),
      ['passed ci:'],
    );
  });

  it('in ARM, reads properties.properties.subnet.id and the parent workspace; skips attached computes', () => {
    assert.deepEqual(verdicts('TRL-SEC-006', { 't.json': arm(armWorkspace({}), armCompute('AmlCompute', {})) }), [
      "failed ws/cpu: properties.properties.subnet.id is not set and its workspace 'ws' has no managed network",
    ]);
    assert.deepEqual(verdicts('TRL-SEC-006', { 't.json': arm(armCompute('ComputeInstance', { subnet: { id: '/subnets/ml' } })) }), [
      'passed ws/cpu:',
    ]);
    assert.deepEqual(verdicts('TRL-SEC-006', { 't.json': arm(armCompute('Kubernetes', {})) }), []);
  });
});

describe('TRL-SEC-007 public SSH port', () => {
  it('fails an explicitly open port, and a cluster with an admin account, no subnet and nothing said', () => {
    assert.deepEqual(verdicts('TRL-SEC-007', { 'cpu.yml': cluster({ ssh_public_access_enabled: 'true' }) }), [
      'failed cpu: ssh_public_access_enabled opens the public SSH port',
    ]);
    assert.deepEqual(
      verdicts('TRL-SEC-007', { 'cpu.yml': cluster({ ssh_settings: '{admin_username: azureuser, ssh_key_value: ssh-rsa AAAA}' }) }),
      [
        'failed cpu: ssh_public_access_enabled is not set, ssh_settings gives an SSH admin account and there is no subnet: Azure opens the public SSH port',
      ],
    );
  });

  it('passes a closed port, a cluster without an admin account, and an instance that says nothing', () => {
    assert.deepEqual(verdicts('TRL-SEC-007', { 'cpu.yml': cluster({ ssh_public_access_enabled: 'false' }) }), ['passed cpu:']);
    assert.deepEqual(verdicts('TRL-SEC-007', { 'cpu.yml': cluster() }), ['passed cpu:']);
    assert.deepEqual(verdicts('TRL-SEC-007', { 'ci.yml': instance({ ssh_settings: '{ssh_key_value: ssh-rsa AAAA}' }) }), ['passed ci:']);
  });

  it('in ARM, reads remoteLoginPortPublicAccess and sshSettings.sshPublicAccess', () => {
    assert.deepEqual(verdicts('TRL-SEC-007', { 't.json': arm(armCompute('AmlCompute', { remoteLoginPortPublicAccess: 'Enabled' })) }), [
      'failed ws/cpu: properties.properties.remoteLoginPortPublicAccess opens the public SSH port',
    ]);
    assert.deepEqual(
      verdicts('TRL-SEC-007', { 't.json': arm(armCompute('ComputeInstance', { sshSettings: { sshPublicAccess: 'Disabled' } })) }),
      ['passed ws/cpu:'],
    );
  });
});

describe('TRL-SEC-008 node public IP', () => {
  it('fails a compute that leaves it out or enables it, passes one that disables it', () => {
    assert.deepEqual(verdicts('TRL-SEC-008', { 'cpu.yml': cluster() }), [
      "failed cpu: enable_node_public_ip is not set (Azure's default: true)",
    ]);
    assert.deepEqual(verdicts('TRL-SEC-008', { 'ci.yml': instance({ enable_node_public_ip: 'false' }) }), ['passed ci:']);
    assert.deepEqual(verdicts('TRL-SEC-008', { 't.json': arm(armCompute('AmlCompute', { enableNodePublicIp: true })) }), [
      'failed ws/cpu: properties.properties.enableNodePublicIp is true',
    ]);
    assert.deepEqual(verdicts('TRL-SEC-008', { 't.json': arm(armCompute('AmlCompute', { enableNodePublicIp: false })) }), [
      'passed ws/cpu:',
    ]);
  });
});

describe('TRL-SEC-009 endpoint key authentication', () => {
  it('fails key (the default), passes tokens', () => {
    assert.deepEqual(verdicts('TRL-SEC-009', { 'ep.yml': endpoint() }), ['failed ep1: auth_mode is key']);
    assert.deepEqual(verdicts('TRL-SEC-009', { 'ep.yml': endpoint({ auth_mode: 'aml_token' }) }), ['passed ep1:']);
    const armEndpoint = (authMode: string) => arm({ type: `${ml}/workspaces/onlineEndpoints`, name: 'ws/ep1', properties: { authMode } });
    assert.deepEqual(verdicts('TRL-SEC-009', { 't.json': armEndpoint('Key') }), ['failed ws/ep1: properties.authMode is key']);
    assert.deepEqual(verdicts('TRL-SEC-009', { 't.json': armEndpoint('AADToken') }), ['passed ws/ep1:']);
  });
});

describe('TRL-SEC-010 endpoint public network access', () => {
  it('fails a public endpoint, passes a private one', () => {
    assert.deepEqual(verdicts('TRL-SEC-010', { 'ep.yml': endpoint() }), [
      "failed ep1: public_network_access is not set (Azure's default: enabled)",
    ]);
    assert.deepEqual(verdicts('TRL-SEC-010', { 'ep.yml': endpoint({ public_network_access: 'disabled' }) }), ['passed ep1:']);
    const armEndpoint = (access: string) =>
      arm({ type: `${ml}/workspaces/onlineEndpoints`, name: 'ws/ep1', properties: { authMode: 'Key', publicNetworkAccess: access } });
    assert.deepEqual(verdicts('TRL-SEC-010', { 't.json': armEndpoint('Enabled') }), [
      'failed ws/ep1: properties.publicNetworkAccess is enabled',
    ]);
    assert.deepEqual(verdicts('TRL-SEC-010', { 't.json': armEndpoint('Disabled') }), ['passed ws/ep1:']);
  });
});

describe('TRL-SEC-011 deployment egress', () => {
  it('fails open egress; passes disabled egress, or a workspace with a managed network; skips Kubernetes deployments', () => {
    assert.deepEqual(verdicts('TRL-SEC-011', { 'd.yml': deployment() }), [
      "failed ep1/blue: egress_public_network_access is not set (Azure's default: enabled) and its workspace is not among the files checked",
    ]);
    assert.deepEqual(verdicts('TRL-SEC-011', { 'd.yml': deployment({ egress_public_network_access: 'disabled' }) }), ['passed ep1/blue:']);
    assert.deepEqual(
      verdicts('TRL-SEC-011', {
        'ws.yml': workspace({ managed_network: '{isolation_mode: allow_only_approved_outbound}' }),
        'd.yml': deployment(),
      }),
      ['passed ep1/blue:'],
    );
    const armDeployment = (properties: Record<string, unknown>) =>
      arm({ type: `${ml}/workspaces/onlineEndpoints/deployments`, name: 'ws/ep1/blue', properties });
    assert.deepEqual(verdicts('TRL-SEC-011', { 't.json': armDeployment({ egressPublicNetworkAccess: 'Enabled' }) }), [
      'failed ws/ep1/blue: properties.egressPublicNetworkAccess is enabled and its workspace is not among the files checked',
    ]);
    assert.deepEqual(verdicts('TRL-SEC-011', { 't.json': armDeployment({ endpointComputeType: 'Kubernetes' }) }), []);
  });
});

describe('TRL-SEC-012 production model from a registry', () => {
  it('applies to deployments tagged production (or whose endpoint is): fails a workspace or inline model, passes a registry model', () => {
    assert.deepEqual(verdicts('TRL-SEC-012', { 'd.yml': deployment() }), []);
    assert.deepEqual(verdicts('TRL-SEC-012', { 'd.yml': deployment({ tags: '{environment: production}' }) }), [
      'failed ep1/blue: model is azureml:m:1, a workspace model, not a model from a registry',
    ]);
    assert.deepEqual(
      verdicts('TRL-SEC-012', {
        'ep.yml': endpoint({ tags: '{env: prod}' }),
        'd.yml': deployment({ model: 'azureml://registries/shared/models/m/versions/1' }),
      }),
      ['passed ep1/blue:'],
    );
    const batch = yaml({
      $schema: 'https://azuremlschemas.azureedge.net/latest/modelBatchDeployment.schema.json',
      name: 'nightly',
      endpoint_name: 'scoring',
      model: '{path: ./model, type: mlflow_model}',
      tags: '{stage: Prod}',
    });
    assert.deepEqual(verdicts('TRL-SEC-012', { 'b.yml': batch }), [
      'failed scoring/nightly: model is model files given with the deployment (./model), not a model from a registry',
    ]);
  });

  it('in ARM, a model id under /registries/ passes', () => {
    const armDeployment = (model: string) =>
      arm({ type: `${ml}/workspaces/onlineEndpoints/deployments`, name: 'ws/ep1/blue', tags: { env: 'prod' }, properties: { model } });
    assert.deepEqual(
      verdicts('TRL-SEC-012', {
        't.json': armDeployment(`/subscriptions/s/resourceGroups/g/providers/${ml}/registries/r/models/m/versions/1`),
      }),
      ['passed ws/ep1/blue:'],
    );
    assert.deepEqual(
      verdicts('TRL-SEC-012', {
        't.json': armDeployment(`/subscriptions/s/resourceGroups/g/providers/${ml}/workspaces/ws/models/m/versions/1`),
      }),
      [
        `failed ws/ep1/blue: properties.model is /subscriptions/s/resourceGroups/g/providers/${ml}/workspaces/ws/models/m/versions/1, a workspace model, not a model from a registry`,
      ],
    );
  });
});

describe('TRL-SEC-013 pinned packages', () => {
  const environment = (conda: string) =>
    yaml({
      $schema: 'https://azuremlschemas.azureedge.net/latest/environment.schema.json',
      name: 'env',
      image: 'python:3.11',
      conda_file: conda,
    });
  it('fails unpinned conda and pip packages, passes pinned ones; applies only to environments with a conda file', () => {
    assert.deepEqual(
      verdicts('TRL-SEC-013', {
        'e.yml': environment('{dependencies: [python=3.11, pip, numpy, {pip: [pandas>=2, scikit-learn==1.5.0]}]}'),
      }),
      ['failed env: conda_file does not pin 2 packages: numpy, pandas>=2'],
    );
    assert.deepEqual(
      verdicts('TRL-SEC-013', { 'e.yml': environment('{dependencies: [python=3.11, pip=24.0, {pip: [scikit-learn==1.5.0]}]}') }),
      ['passed env:'],
    );
    const noConda = yaml({
      $schema: 'https://azuremlschemas.azureedge.net/latest/environment.schema.json',
      name: 'env',
      image: 'python:3.11',
    });
    assert.deepEqual(verdicts('TRL-SEC-013', { 'e.yml': noConda }), []);
    assert.deepEqual(verdicts('TRL-SEC-013', { 'e.yml': environment('./conda.yml') }), [
      'unknown env: conda_file is ./conda.yml: a conda file that was not read with this file',
    ]);
  });

  it('reads an ARM environment version’s conda file', () => {
    const version = (condaFile: string) =>
      arm({ type: `${ml}/workspaces/environments/versions`, name: 'ws/env/1', properties: { image: 'python:3.11', condaFile } });
    assert.deepEqual(verdicts('TRL-SEC-013', { 't.json': version('dependencies:\n  - numpy\n') }), [
      'failed ws/env/1: properties.condaFile does not pin 1 package: numpy',
    ]);
    assert.deepEqual(verdicts('TRL-SEC-013', { 't.json': version('dependencies:\n  - numpy=1.26.4\n') }), ['passed ws/env/1:']);
  });

  it('knows which specs pin one version', () => {
    assert.deepEqual(
      unpinned({
        conda: ['conda-forge::numpy=1.26.4=py311', 'python 3.11', 'scipy>=1', 'torch=2.*', 'pip'],
        pip: [
          'requests[socks]==2.32.3 ; python_version > "3.8"',
          '--extra-index-url https://x',
          'lib @ git+https://g/x@0123456789abcdef0123456789abcdef01234567',
          'other @ https://x/o.whl',
          'a~=1.0',
        ],
      }),
      ['scipy>=1', 'torch=2.*', 'other @ https://x/o.whl', 'a~=1.0'],
    );
  });
});
