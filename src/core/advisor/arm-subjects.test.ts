import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTrellisError } from '../errors.js';
import { subjectsFromArm, subjectsFromArmTemplate } from './arm-subjects.js';
import { literalLastSegment } from './arm-values.js';
import type { StaticSubject, SubjectKind, SubjectOfKind } from './static-subject.js';

const ml = 'Microsoft.MachineLearningServices';
const template = (...resources: unknown[]) => ({
  $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
  contentVersion: '1.0.0.0',
  resources,
});
const read = (value: unknown) => subjectsFromArmTemplate(JSON.stringify(value, null, 2), 'main.json');

function only<Kind extends SubjectKind>(subjects: StaticSubject[], kind: Kind): SubjectOfKind<Kind> {
  const found = subjects.filter((subject): subject is SubjectOfKind<Kind> => subject.kind === kind);
  assert.equal(found.length, 1, `one ${kind} among ${subjects.map((subject) => subject.kind).join(', ')}`);
  return found[0]!;
}

describe('subjectsFromArmTemplate', () => {
  it('reads a workspace with its nested children, whose types and names are relative to it', () => {
    const subjects = read(
      template({
        type: `${ml}/workspaces`,
        apiVersion: '2024-04-01',
        name: 'ws',
        location: 'westeurope',
        identity: {
          type: 'SystemAssigned,UserAssigned',
          userAssignedIdentities: { '/subscriptions/s/x/id1': {}, '/subscriptions/s/x/id2': {} },
        },
        properties: {
          publicNetworkAccess: 'Disabled',
          allowPublicAccessWhenBehindVnet: false,
          primaryUserAssignedIdentity: '/subscriptions/s/x/id1',
          encryption: {
            status: 'Enabled',
            keyVaultProperties: { keyVaultArmId: '/kv', keyIdentifier: 'https://kv.vault.azure.net/keys/k/1' },
          },
          managedNetwork: { isolationMode: 'AllowOnlyApprovedOutbound' },
        },
        resources: [
          {
            type: 'computes',
            apiVersion: '2024-04-01',
            name: 'cpu',
            properties: {
              computeType: 'AmlCompute',
              disableLocalAuth: true,
              properties: {
                vmSize: 'STANDARD_DS3_V2',
                vmPriority: 'LowPriority',
                scaleSettings: { minNodeCount: 0, maxNodeCount: 4, nodeIdleTimeBeforeScaleDown: 'PT30M' },
                subnet: { id: '/subscriptions/s/vnets/v/subnets/ml' },
                remoteLoginPortPublicAccess: 'NotSpecified',
                enableNodePublicIp: false,
              },
            },
          },
          {
            type: 'onlineEndpoints',
            apiVersion: '2024-04-01',
            name: 'ep1',
            properties: { authMode: 'AMLToken', publicNetworkAccess: 'Disabled' },
            resources: [
              {
                type: 'deployments',
                apiVersion: '2024-04-01',
                name: 'blue',
                sku: { name: 'Default', capacity: 3 },
                properties: {
                  endpointComputeType: 'Managed',
                  model: `/subscriptions/s/resourceGroups/g/providers/${ml}/registries/shared/models/m/versions/1`,
                  instanceType: 'Standard_DS3_v2',
                  scaleSettings: { scaleType: 'TargetUtilization', minInstances: 3, maxInstances: 6 },
                  dataCollector: { collections: { model_inputs: { dataCollectionMode: 'Enabled' } } },
                  appInsightsEnabled: true,
                  egressPublicNetworkAccess: 'Disabled',
                },
              },
            ],
          },
        ],
      }),
    );
    assert.deepEqual(
      subjects.map((subject) => `${subject.kind} ${subject.name} ${subject.parent ?? '-'}`),
      ['workspace ws -', 'compute ws/cpu ws', 'online-endpoint ws/ep1 ws', 'online-deployment ws/ep1/blue ws'],
    );
    const workspace = only(subjects, 'workspace');
    assert.deepEqual(
      [workspace.publicNetworkAccess, workspace.identityType, workspace.userAssignedIdentities, workspace.managedNetworkIsolation],
      ['disabled', 'system_assigned,user_assigned', 2, 'allow_only_approved_outbound'],
    );
    assert.equal(workspace.customerManagedKey, 'https://kv.vault.azure.net/keys/k/1');
    const compute = only(subjects, 'compute');
    assert.deepEqual(
      [
        compute.computeType,
        compute.tier,
        compute.minInstances,
        compute.maxInstances,
        compute.idleTimeBeforeScaleDown,
        compute.sshPublicAccess,
      ],
      ['amlcompute', 'low_priority', 0, 4, 1800, 'not_specified'],
    );
    assert.equal(compute.localName, 'cpu');
    assert.deepEqual(compute.sources.minInstances, {
      name: 'properties.properties.scaleSettings.minNodeCount',
      pointer: '/resources/0/resources/0/properties/properties/scaleSettings/minNodeCount',
      line: 44,
    });
    assert.equal(only(subjects, 'online-endpoint').authMode, 'aml_token');
    const deployment = only(subjects, 'online-deployment');
    assert.deepEqual(
      [deployment.endpointName, deployment.deploymentType, deployment.instanceCount, deployment.scaleType, deployment.collectsData],
      ['ep1', 'managed', 3, 'target_utilization', true],
    );
    assert.equal(deployment.model && !('unresolved' in deployment.model) ? deployment.model.from : undefined, 'registry');
    assert.equal(deployment.origin.line, 65);
  });

  it('treats values written as ARM expressions as unresolved, and "[[" as a literal', () => {
    const workspace = only(
      read(
        template({
          type: `${ml}/workspaces`,
          name: "[parameters('workspaceName')]",
          properties: {
            publicNetworkAccess: "[parameters('access')]",
            managedNetwork: "[variables('network')]",
            friendlyName: '[[not an expression]',
          },
          tags: { team: 'ml', owner: "[parameters('owner')]" },
        }),
      ),
      'workspace',
    );
    assert.equal(workspace.name, "[parameters('workspaceName')]");
    assert.equal(workspace.localName, undefined);
    assert.deepEqual(workspace.publicNetworkAccess, {
      unresolved: "[parameters('access')]",
      reason: 'an ARM expression, known only when the template is deployed',
    });
    assert.deepEqual(workspace.managedNetworkIsolation, {
      unresolved: "[variables('network')]",
      reason: 'an ARM expression, known only when the template is deployed',
    });
    assert.deepEqual(workspace.tags, { team: 'ml' });
  });

  it('finds the name an expression builds from a literal, and resolves references with it', () => {
    assert.equal(literalLastSegment("[concat(parameters('ws'), '/cpu-cluster')]"), 'cpu-cluster');
    assert.equal(literalLastSegment("[format('{0}/gpu', parameters('ws'))]"), 'gpu');
    assert.equal(literalLastSegment(`[resourceId('${ml}/workspaces/computes', parameters('ws'), 'cpu')]`), 'cpu');
    assert.equal(literalLastSegment("[parameters('compute')]"), undefined);
    const subjects = read(
      template(
        { type: `${ml}/workspaces/computes`, name: "[concat(parameters('ws'), '/cpu')]", properties: { computeType: 'AmlCompute' } },
        {
          type: `${ml}/workspaces/jobs`,
          name: "[concat(parameters('ws'), '/train')]",
          properties: {
            jobType: 'Command',
            computeId: `[resourceId('${ml}/workspaces/computes', parameters('ws'), 'cpu')]`,
            resources: { instanceCount: 2 },
            limits: { jobLimitsType: 'Command', timeout: 'PT2H' },
          },
        },
      ),
    );
    assert.equal(only(subjects, 'compute').localName, 'cpu');
    const job = only(subjects, 'command-job');
    assert.deepEqual([job.compute, job.instanceCount, job.timeout], ['cpu', 2, 7200]);
  });

  it('reads the symbolic-name form of resources, nested deployments (Bicep modules), and skips existing resources', () => {
    const subjects = read({
      languageVersion: '2.0',
      resources: {
        workspace: { type: `${ml}/workspaces`, name: 'ws', existing: true },
        instance: {
          type: `${ml}/workspaces/computes`,
          name: 'ws/ci',
          properties: {
            computeType: 'ComputeInstance',
            properties: { idleTimeBeforeShutdown: 'PT45M', sshSettings: { sshPublicAccess: 'Enabled' } },
          },
        },
        module: {
          type: 'Microsoft.Resources/deployments',
          name: 'registry-module',
          properties: {
            template: {
              resources: [{ type: `${ml}/registries`, name: 'shared', properties: { regionDetails: [{ location: 'westeurope' }] } }],
            },
          },
        },
      },
    });
    assert.deepEqual(
      subjects.map((subject) => `${subject.kind} ${subject.name} ${subject.origin.pointer}`),
      ['compute ws/ci /resources/instance', 'registry shared /resources/module/properties/template/resources/0'],
    );
    const instance = only(subjects, 'compute');
    assert.deepEqual([instance.computeType, instance.idleTimeBeforeShutdown, instance.sshPublicAccess], ['computeinstance', 45, 'enabled']);
    assert.deepEqual(only(subjects, 'registry').regions, ['westeurope']);
  });

  it('reads environment versions (their conda file is YAML text), sweeps, batch deployments, diagnostic and autoscale settings', () => {
    const subjects = subjectsFromArm(
      template(
        {
          type: `${ml}/workspaces/environments/versions`,
          name: 'ws/env/3',
          properties: { image: 'python:3.11', condaFile: 'dependencies:\n  - python=3.11\n  - pip:\n    - pandas\n' },
        },
        {
          type: `${ml}/workspaces/jobs`,
          name: 'ws/tune',
          properties: {
            jobType: 'Sweep',
            computeId: 'azureml:gpu',
            samplingAlgorithm: { samplingAlgorithmType: 'Bayesian' },
            earlyTermination: { policyType: 'MedianStopping' },
            limits: { jobLimitsType: 'Sweep', maxTotalTrials: 50, maxConcurrentTrials: 8 },
          },
        },
        {
          type: `${ml}/workspaces/batchEndpoints/deployments`,
          name: 'ws/scoring/nightly',
          properties: {
            compute: `/subscriptions/s/resourceGroups/g/providers/${ml}/workspaces/ws/computes/batch`,
            retrySettings: { maxRetries: 0 },
            model: { referenceType: 'Id', assetId: 'azureml:m:1' },
          },
        },
        {
          type: 'Microsoft.Insights/diagnosticSettings',
          name: 'logs',
          scope: `[resourceId('${ml}/workspaces', 'ws')]`,
          properties: { logs: [{ categoryGroup: 'allLogs', enabled: true }] },
        },
        {
          type: 'Microsoft.Insights/autoscalesettings',
          name: 'scale',
          properties: { targetResourceUri: "[parameters('target')]", enabled: true },
        },
      ),
    );
    assert.deepEqual(only(subjects, 'environment').packages, { conda: ['python=3.11'], pip: ['pandas'] });
    const sweep = only(subjects, 'sweep-job');
    assert.deepEqual(
      [sweep.compute, sweep.samplingAlgorithm, sweep.earlyTermination, sweep.maxTotalTrials],
      ['gpu', 'bayesian', 'median_stopping', 50],
    );
    const batch = only(subjects, 'batch-deployment');
    assert.deepEqual([batch.endpointName, batch.compute, batch.maxRetries], ['scoring', 'batch', 0]);
    assert.deepEqual(batch.model, { from: 'workspace', reference: 'azureml:m:1' });
    const diagnostics = only(subjects, 'diagnostic-setting');
    assert.deepEqual([diagnostics.target, diagnostics.logsEnabled], ['ws', true]);
    assert.equal(diagnostics.origin.line, undefined);
    assert.deepEqual(only(subjects, 'autoscale-setting').target, {
      unresolved: "[parameters('target')]",
      reason: 'an ARM expression, known only when the template is deployed',
    });
  });

  it('marks a field built by a copy loop as unresolved', () => {
    const registry = only(
      read(
        template({
          type: `${ml}/registries`,
          name: 'shared',
          properties: { copy: [{ name: 'regionDetails', count: "[length(parameters('regions'))]", input: {} }] },
        }),
      ),
      'registry',
    );
    assert.deepEqual(registry.regions, {
      unresolved: 'copy: regionDetails',
      reason: 'built by an ARM copy loop, known only when the template is deployed',
    });
  });

  it('refuses text that is not JSON, and JSON that is not a template', () => {
    assert.throws(
      () => subjectsFromArmTemplate('{ "resources": [', 'broken.json'),
      (error: unknown) => isTrellisError(error) && /broken\.json/.test(error.message) && /not valid JSON/.test(error.message),
    );
    assert.throws(() => subjectsFromArm({ parameters: {} }), /resources list/);
  });
});
