import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { applyModifications, compilePolicy, evaluatePolicy, type PolicyVerdict } from './evaluate-policy.js';
import { parsePolicyDefinition, resolveParameterValues } from './policy-definition.js';
import {
  computeType,
  deploymentModelType,
  type InstallationFacts,
  jobComputeType,
  type PolicyTarget,
  workspaceType,
} from './policy-target.js';

// Azure's built-in Machine Learning definitions, byte for byte (policies/azure-machine-learning/NOTICE.md).
const folder = fileURLToPath(new URL('../../../policies/azure-machine-learning/', import.meta.url));
const files = readdirSync(folder).filter((name) => name.endsWith('.json'));
const load = (file: string) => {
  const definition = parsePolicyDefinition(JSON.parse(readFileSync(join(folder, file), 'utf8')), { what: file });
  return compilePolicy(definition);
};
const loopback: InstallationFacts = { listensOnLoopbackOnly: true };
const exposed: InstallationFacts = { listensOnLoopbackOnly: false };

function verdict(file: string, target: PolicyTarget, assigned: Record<string, unknown> = {}, facts = loopback): PolicyVerdict {
  const policy = load(file);
  const { values, problems } = resolveParameterValues(policy.definition, assigned);
  assert.deepEqual(problems, []);
  return evaluatePolicy(policy, values, target, facts);
}

const workspace = (spec: Record<string, unknown> = {}): PolicyTarget => ({
  type: workspaceType,
  workspace: 'dev',
  name: 'dev',
  tags: {},
  spec,
});
const compute = (spec: Record<string, unknown>, tags: Record<string, string> = {}): PolicyTarget => ({
  type: computeType,
  workspace: 'dev',
  name: 'cpu',
  tags,
  spec,
});
const deployed = (assetId: string, registryName?: string, publisher?: string): PolicyTarget => ({
  type: deploymentModelType,
  workspace: 'dev',
  name: 'blue',
  endpoint: 'ep',
  tags: {},
  model: { assetId, registryName, publisher },
});
const job = (computeName: string, spec: Record<string, unknown> | undefined, tags: Record<string, string> = {}): PolicyTarget => ({
  type: jobComputeType,
  workspace: 'dev',
  name: 'job-1',
  tags: {},
  compute: { name: computeName, spec, tags },
});

describe("Azure's built-in Machine Learning policy definitions, unchanged", () => {
  it('all 26 load and compile', () => {
    assert.equal(files.length, 26);
    for (const file of files) assert.doesNotThrow(() => load(file), file);
  });

  it('IdleShutdown_Audit: a compute instance without idle shutdown is non-compliant; audit and deny', () => {
    const without = compute({ type: 'computeinstance', size: 'STANDARD_DS3_V2' });
    const bad = verdict('IdleShutdown_Audit.json', without);
    assert.equal(bad.compliance, 'NonCompliant');
    assert.equal(bad.effect, 'audit');
    assert.match(bad.reasons.join('\n'), /idleTimeBeforeShutdown is not set/);
    assert.equal(verdict('IdleShutdown_Audit.json', without, { effect: 'Deny' }).effect, 'deny');
    assert.equal(
      verdict('IdleShutdown_Audit.json', compute({ type: 'computeinstance', idle_time_before_shutdown: 'PT30M' })).compliance,
      'Compliant',
    );
    assert.equal(
      verdict('IdleShutdown_Audit.json', compute({ type: 'computeinstance', idle_time_before_shutdown_minutes: 20 })).compliance,
      'Compliant',
    );
    assert.equal(verdict('IdleShutdown_Audit.json', compute({ type: 'amlcompute' })).compliance, 'Compliant');
  });

  it('DisableLocalAuth_Audit and _Modify: SSH credentials are local authentication', () => {
    const withPassword = compute({ type: 'amlcompute', ssh_settings: { admin_username: 'a', admin_password: 'p' } });
    assert.equal(verdict('DisableLocalAuth_Audit.json', withPassword).compliance, 'NonCompliant');
    assert.equal(verdict('DisableLocalAuth_Audit.json', withPassword, { effect: 'Deny' }).effect, 'deny');
    assert.equal(verdict('DisableLocalAuth_Audit.json', compute({ type: 'amlcompute' })).compliance, 'Compliant');
    assert.equal(
      verdict('DisableLocalAuth_Audit.json', compute({ type: 'slurm', ssh_public_access_enabled: true })).compliance,
      'Compliant',
    );

    const modify = verdict('DisableLocalAuth_Modify.json', withPassword);
    assert.equal(modify.effect, 'modify');
    assert.deepEqual(modify.modifications, [
      { operation: 'addOrReplace', field: 'Microsoft.MachineLearningServices/workspaces/computes/disableLocalAuth', value: true },
    ]);
    const fixed = applyModifications(withPassword.type === computeType ? withPassword.spec : {}, {}, modify.modifications);
    assert.deepEqual(fixed.spec, { type: 'amlcompute', ssh_settings: { admin_username: 'a' }, ssh_public_access_enabled: false });
    assert.match(fixed.changes[0] ?? '', /disableLocalAuth = true/);
    assert.equal(verdict('DisableLocalAuth_Modify.json', compute(fixed.spec)).compliance, 'Compliant');
  });

  it('Vnet_Audit: clusters and compute instances name a subnet', () => {
    assert.equal(verdict('Vnet_Audit.json', compute({ type: 'amlcompute' })).compliance, 'NonCompliant');
    assert.equal(
      verdict('Vnet_Audit.json', compute({ type: 'amlcompute', network_settings: { vnet_name: 'v', subnet: 's' } })).compliance,
      'Compliant',
    );
    assert.equal(verdict('Vnet_Audit.json', compute({ type: 'kubernetes' })).compliance, 'Compliant');
  });

  it('Workspace_PublicNetworkAccessDisabled_Audit and _Modify: the field, else where the server listens', () => {
    assert.equal(verdict('Workspace_PublicNetworkAccessDisabled_Audit.json', workspace()).compliance, 'Compliant');
    assert.equal(verdict('Workspace_PublicNetworkAccessDisabled_Audit.json', workspace(), {}, exposed).compliance, 'NonCompliant');
    const enabled = workspace({ public_network_access: 'Enabled' });
    assert.equal(verdict('Workspace_PublicNetworkAccessDisabled_Audit.json', enabled).compliance, 'NonCompliant');
    assert.equal(verdict('Workspace_PublicNetworkAccessDisabled_Audit.json', enabled, { effect: 'Deny' }).effect, 'deny');
    const modify = verdict('Workspace_PublicNetworkAccessDisabled_Modify.json', enabled);
    assert.deepEqual(modify.modifications, [
      { operation: 'addOrReplace', field: 'Microsoft.MachineLearningServices/workspaces/publicNetworkAccess', value: 'Disabled' },
    ]);
    const fixed = applyModifications({ public_network_access: 'Enabled' }, {}, modify.modifications);
    assert.equal(verdict('Workspace_PublicNetworkAccessDisabled_Modify.json', workspace(fixed.spec)).compliance, 'Compliant');
  });

  it('Workspace_CMKEnabled_Audit and _V2: a customer-managed key wraps the workspace key', () => {
    const cmk = workspace({ customer_managed_key: { key_uri: 'pkcs11:token=t;object=k' } });
    for (const file of ['Workspace_CMKEnabled_Audit.json', 'Workspace_CMKEnabled_Audit_V2.json']) {
      assert.equal(verdict(file, workspace()).compliance, 'NonCompliant', file);
      assert.equal(verdict(file, cmk).compliance, 'Compliant', file);
      assert.equal(verdict(file, workspace({ kind: 'project', hub_id: 'h' })).compliance, 'Compliant', file);
    }
    assert.equal(verdict('Workspace_CMKEnabled_Audit.json', workspace(), { effect: 'Deny' }).effect, 'deny');
  });

  it('Workspace_UAIEnabled_Audit and ManagedNetworkIsolationMode_Audit read the recorded fields', () => {
    assert.equal(verdict('Workspace_UAIEnabled_Audit.json', workspace()).compliance, 'NonCompliant');
    assert.equal(verdict('Workspace_UAIEnabled_Audit.json', workspace({ primary_user_assigned_identity: '/id' })).compliance, 'Compliant');
    const approved = workspace({ managed_network: { isolation_mode: 'allow_only_approved_outbound' } });
    assert.equal(verdict('ManagedNetworkIsolationMode_Audit.json', approved).compliance, 'NonCompliant');
    assert.equal(
      verdict('ManagedNetworkIsolationMode_Audit.json', approved, { isolationMode: 'AllowOnlyApprovedOutbound' }).compliance,
      'Compliant',
    );
    assert.equal(verdict('ManagedNetworkIsolationMode_Audit.json', workspace()).compliance, 'Compliant');
  });

  it('OnlyDeployAllowedRegistryModels_Deny and AllowDeployRegistryModels_Audit: models only from allowed registries', () => {
    const params = { effect: 'Deny', allowedRegistryName: 'approved' };
    const outside = deployed('azureml://registries/other/models/m/versions/1', 'other', 'other');
    const denied = verdict('OnlyDeployAllowedRegistryModels_Deny.json', outside, params);
    assert.equal(denied.compliance, 'NonCompliant');
    assert.equal(denied.effect, 'deny');
    assert.match(denied.reasons.join('\n'), /model\.assetId is "azureml:\/\/registries\/other/);
    const inside = deployed('azureml://registries/approved/models/m/versions/1', 'approved', 'approved');
    assert.equal(verdict('OnlyDeployAllowedRegistryModels_Deny.json', inside, params).compliance, 'Compliant');
    assert.equal(
      verdict('OnlyDeployAllowedRegistryModels_Deny.json', inside, {
        ...params,
        restrictedModels: ['azureml://registries/approved/models/m/versions/1'],
      }).compliance,
      'NonCompliant',
    );
    assert.equal(
      verdict('OnlyDeployAllowedRegistryModels_Deny.json', deployed('azureml://workspaces/dev/models/m/versions/1'), params).compliance,
      'Compliant',
    );

    const audit = { allowedAssetIds: ['azureml://registries/approved/'] };
    assert.equal(verdict('AllowDeployRegistryModels_Audit.json', outside, audit).compliance, 'NonCompliant');
    assert.equal(verdict('AllowDeployRegistryModels_Audit.json', inside, audit).compliance, 'Compliant');
    assert.equal(verdict('AllowDeployRegistryModels_Audit.json', outside, { allowedPublishers: ['other'] }).compliance, 'Compliant');
    assert.equal(verdict('AllowDeployRegistryModels_Audit.json', outside, { ...audit, effect: 'Deny' }).effect, 'deny');
  });

  it('the enforce-setting definitions hand their setting to the jobs on the computes they select', () => {
    const cluster = { type: 'amlcompute', network_settings: { subnet: 's' } };
    const acr = verdict('AllowedACRs_EnforceSetting.json', job('gpu', cluster), { allowedACRs: ['registry.example.com'] });
    assert.deepEqual(acr.setting, {
      name: 'allowedACRs',
      value: { allowedList: ['registry.example.com'], trustIPProtectedComponent: 'None' },
    });
    // Narrowed to other computes, to isolated networks only, or to tags the compute lacks: no setting.
    assert.equal(verdict('AllowedACRs_EnforceSetting.json', job('cpu', cluster), { computeNames: ['gpu'] }).setting, undefined);
    assert.equal(
      verdict('AllowedACRs_EnforceSetting.json', job('gpu', { type: 'amlcompute' }), { isIsolatedNetwork: 'Yes' }).setting,
      undefined,
    );
    assert.ok(verdict('AllowedACRs_EnforceSetting.json', job('gpu', cluster), { isIsolatedNetwork: 'Yes' }).setting);
    assert.equal(verdict('AllowedACRs_EnforceSetting.json', job('gpu', cluster), { tags: ['team:a'] }).setting, undefined);
    assert.ok(verdict('AllowedACRs_EnforceSetting.json', job('gpu', cluster, { team: 'a' }), { tags: ['team:a'] }).setting);
    assert.equal(
      verdict('AllowedACRs_EnforceSetting.json', job('local', undefined), { computeType: 'MachineLearningCompute' }).setting,
      undefined,
    );
    assert.ok(verdict('AllowedACRs_EnforceSetting.json', job('local', undefined), { computeType: 'Automatic' }).setting);

    const channels = verdict('AllowedPythonPackageChannels_EnforceSetting.json', job('cpu', cluster), {
      allowedPythonPackageChannels: ['https://pypi.example.com/simple'],
    });
    assert.deepEqual(channels.setting, { name: 'allowedPythonPackageChannels', value: ['https://pypi.example.com/simple'] });
    const signing = verdict('AllowedSigningKey_EnforceSetting.json', job('cpu', cluster), { signingKey: 'KEY' });
    assert.deepEqual(signing.setting, { name: 'signingKeys', value: { allowedList: ['KEY', ''], trustIPProtectedComponent: 'None' } });
    // Data-plane definitions apply to jobs only.
    assert.equal(verdict('AllowedACRs_EnforceSetting.json', compute(cluster)).compliance, 'NotApplicable');
  });

  it('definitions on what Trellis has no counterpart for are not applicable, saying why', () => {
    const cases: Array<[string, PolicyTarget]> = [
      ['ComputeInstanceUpdates_Audit.json', compute({ type: 'computeinstance' })],
      ['Workspace_EnableV1LegacyMode_Audit.json', workspace()],
      ['Workspace_PrivateEndpoint_Audit.json', workspace()],
      ['Workspace_PrivateEndpoint_Audit_V2.json', workspace()],
      ['Workspace_PrivateEndpoint_DINE.json', workspace()],
      ['AuditDiagnosticLog_Audit.json', workspace()],
      ['AuditDiagnosticLog_DINE.json', workspace()],
    ];
    for (const [file, target] of cases) {
      const required: Record<string, Record<string, unknown>> = {
        'AuditDiagnosticLog_DINE.json': { logAnalytics: '/la' },
        'Workspace_PrivateEndpoint_DINE.json': { privateEndpointSubnetId: '/subnet' },
      };
      const result = verdict(file, target, required[file] ?? {});
      assert.equal(result.compliance, 'NotApplicable', file);
      assert.ok(result.note && result.note.length > 10, file);
    }
  });
});
