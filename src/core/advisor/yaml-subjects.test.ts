import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTrellisError } from '../errors.js';
import type { StaticSubject, SubjectKind, SubjectOfKind } from './static-subject.js';
import { subjectsFromYaml } from './yaml-subjects.js';

const schema = (name: string) => `$schema: https://azuremlschemas.azureedge.net/latest/${name}.schema.json`;
const lines = (...text: string[]) => `${text.join('\n')}\n`;

function only<Kind extends SubjectKind>(subjects: StaticSubject[], kind: Kind): SubjectOfKind<Kind> {
  const found = subjects.filter((subject): subject is SubjectOfKind<Kind> => subject.kind === kind);
  assert.equal(found.length, 1, `one ${kind} among ${subjects.map((subject) => subject.kind).join(', ')}`);
  return found[0]!;
}

describe('subjectsFromYaml', () => {
  it('reads a workspace: network, identity, key and managed network, each with the line it is written on', () => {
    const [workspace, ...rest] = subjectsFromYaml(
      lines(
        schema('workspace'),
        'name: ws',
        'public_network_access: Disabled',
        'identity:',
        '  type: user_assigned',
        '  user_assigned_identities:',
        '    /subscriptions/s/resourceGroups/g/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id: {}',
        'primary_user_assigned_identity: /subscriptions/s/resourceGroups/g/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id',
        'customer_managed_key: {key_uri: "pkcs11:token=trellis;object=ws"}',
        'managed_network: {isolation_mode: allow_only_approved_outbound}',
      ),
      'ws.yml',
    );
    assert.equal(rest.length, 0);
    assert.ok(workspace?.kind === 'workspace');
    assert.equal(workspace.name, 'ws');
    assert.equal(workspace.publicNetworkAccess, 'disabled');
    assert.equal(workspace.identityType, 'user_assigned');
    assert.equal(workspace.userAssignedIdentities, 1);
    assert.match(String(workspace.primaryUserAssignedIdentity), /userAssignedIdentities\/id$/);
    assert.equal(workspace.customerManagedKey, 'pkcs11:token=trellis;object=ws');
    assert.equal(workspace.managedNetworkIsolation, 'allow_only_approved_outbound');
    assert.deepEqual(workspace.sources.publicNetworkAccess, { name: 'public_network_access', pointer: '/public_network_access', line: 3 });
    assert.deepEqual(workspace.origin, { format: 'azureml-yaml', file: 'ws.yml', pointer: '' });
  });

  it("reads a cluster with Azure's defaults filled in, and where a field left out would go", () => {
    const cluster = only(subjectsFromYaml(lines('name: cpu', 'type: amlcompute', 'tier: low_priority'), 'cpu.yml'), 'compute');
    assert.equal(cluster.computeType, 'amlcompute');
    assert.equal(cluster.tier, 'low_priority');
    assert.equal(cluster.minInstances, 0);
    assert.equal(cluster.maxInstances, 4);
    assert.equal(cluster.idleTimeBeforeScaleDown, 120);
    assert.equal(cluster.subnet, undefined);
    assert.equal(cluster.hasSshCredentials, false);
    assert.deepEqual(cluster.sources.subnet, { name: 'network_settings.subnet', pointer: '/network_settings/subnet', line: 1 });
  });

  it('reads a compute instance: idle shutdown in minutes or as an ISO duration, stop schedules, SSH', () => {
    const inMinutes = only(
      subjectsFromYaml(lines('name: ci', 'type: computeinstance', 'idle_time_before_shutdown_minutes: 30'), 'ci.yml'),
      'compute',
    );
    assert.equal(inMinutes.idleTimeBeforeShutdown, 30);
    assert.equal(inMinutes.hasStopSchedule, false);
    const asDuration = only(
      subjectsFromYaml(
        lines(
          'name: ci',
          'type: computeinstance',
          'idle_time_before_shutdown: PT1H',
          'ssh_public_access_enabled: true',
          'ssh_settings: {ssh_key_value: ssh-rsa AAAA}',
          'schedules:',
          '  compute_start_stop:',
          '    - {action: stop, trigger: {type: cron, expression: "0 20 * * *"}}',
        ),
        'ci.yml',
      ),
      'compute',
    );
    assert.equal(asDuration.idleTimeBeforeShutdown, 60);
    assert.equal(asDuration.hasStopSchedule, true);
    assert.equal(asDuration.sshPublicAccess, 'enabled');
    assert.equal(asDuration.hasSshCredentials, true);
  });

  it('reads an online endpoint and a deployment, whose inline environment is a subject of its own', () => {
    const endpoint = only(subjectsFromYaml(lines(schema('managedOnlineEndpoint'), 'name: ep1'), 'ep.yml'), 'online-endpoint');
    assert.equal(endpoint.authMode, 'key');
    const subjects = subjectsFromYaml(
      lines(
        schema('managedOnlineDeployment'),
        'name: blue',
        'endpoint_name: ep1',
        'model: azureml://registries/shared/models/m/versions/2',
        'code_configuration: {code: ./src, scoring_script: score.py}',
        'environment:',
        '  image: mcr.microsoft.com/azureml/minimal-ubuntu22.04-py39-cpu-inference:20240101.v1',
        '  conda_file: ./conda.yml',
        'instance_type: Standard_DS3_v2',
        'scale_settings: {type: target_utilization, min_instances: 2, max_instances: 5}',
        'request_settings: {max_concurrent_requests_per_instance: 4}',
        'environment_variables: {WORKER_COUNT: 4}',
        'data_collector:',
        '  collections:',
        '    model_inputs: {enabled: true}',
        'egress_public_network_access: disabled',
        'tags: {env: prod}',
      ),
      'blue.yml',
      { condaFiles: new Map([['./conda.yml', { dependencies: ['python=3.11', { pip: ['numpy==1.26.4'] }] }]]) },
    );
    const deployment = only(subjects, 'online-deployment');
    assert.equal(deployment.name, 'ep1/blue');
    assert.equal(deployment.localName, 'blue');
    assert.equal(deployment.endpointName, 'ep1');
    assert.equal(deployment.deploymentType, 'managed');
    assert.equal(deployment.scaleType, 'target_utilization');
    assert.deepEqual([deployment.minInstances, deployment.maxInstances], [2, 5]);
    assert.equal(deployment.maxConcurrentRequestsPerInstance, 4);
    assert.equal(deployment.workerCount, 4);
    assert.equal(deployment.collectsData, true);
    assert.equal(deployment.egressPublicNetworkAccess, 'disabled');
    assert.deepEqual(deployment.model, { from: 'registry', reference: 'azureml://registries/shared/models/m/versions/2' });
    assert.deepEqual(deployment.tags, { env: 'prod' });
    const environment = only(subjects, 'environment');
    assert.equal(environment.name, 'ep1/blue/environment');
    assert.deepEqual(environment.owner, { kind: 'online-deployment', name: 'ep1/blue' });
    assert.deepEqual(environment.packages, { conda: ['python=3.11'], pip: ['numpy==1.26.4'] });
    assert.equal(environment.sources.image?.name, 'environment.image');
  });

  it('leaves the packages of a conda file it was not given unknown, naming the file', () => {
    const environment = only(
      subjectsFromYaml(lines(schema('environment'), 'name: env', 'version: 1', 'image: python:3.11', 'conda_file: conda.yml'), 'env.yml'),
      'environment',
    );
    assert.equal(environment.name, 'env:1');
    assert.deepEqual(environment.packages, { unresolved: 'conda.yml', reason: 'a conda file that was not read with this file' });
  });

  it('reads a batch deployment with its retries and an inline model', () => {
    const deployment = only(
      subjectsFromYaml(
        lines(
          schema('modelBatchDeployment'),
          'name: nightly',
          'endpoint_name: scoring',
          'model: {path: ./model, type: mlflow_model}',
          'compute: azureml:batch-cluster',
          'settings: {retry_settings: {max_retries: 0}}',
        ),
        'batch.yml',
      ),
      'batch-deployment',
    );
    assert.equal(deployment.compute, 'azureml:batch-cluster');
    assert.equal(deployment.maxRetries, 0);
    assert.deepEqual(deployment.model, { from: 'inline', reference: './model' });
  });

  it('reads command and sweep jobs with their limits', () => {
    const job = only(
      subjectsFromYaml(
        lines(
          'type: command',
          'name: train',
          'command: python train.py',
          'environment: azureml:env:1',
          'compute: azureml:gpu',
          'resources: {instance_count: 2}',
          'limits: {timeout: 3600}',
        ),
        'job.yml',
      ),
      'command-job',
    );
    assert.deepEqual([job.name, job.compute, job.instanceCount, job.timeout], ['train', 'azureml:gpu', 2, 3600]);
    const sweep = only(
      subjectsFromYaml(
        lines(
          'type: sweep',
          'trial: {command: "python t.py --lr ${{search_space.lr}}", environment: azureml:env:1}',
          'search_space: {lr: {type: uniform, min_value: 0.01, max_value: 0.1}}',
          'sampling_algorithm: random',
          'objective: {goal: maximize, primary_metric: acc}',
          'limits: {max_total_trials: 20, max_concurrent_trials: 4}',
          'early_termination: {type: bandit, slack_factor: 0.1}',
        ),
        'jobs/sweep.yml',
      ),
      'sweep-job',
    );
    assert.equal(sweep.name, 'sweep');
    assert.deepEqual(
      [sweep.samplingAlgorithm, sweep.earlyTermination, sweep.maxTotalTrials, sweep.maxConcurrentTrials, sweep.timeout],
      ['random', 'bandit', 20, 4, undefined],
    );
  });

  it("reads each command and sweep step of a pipeline, with the pipeline's default compute", () => {
    const subjects = subjectsFromYaml(
      lines(
        'type: pipeline',
        'name: train-pipeline',
        'settings: {default_compute: azureml:cpu}',
        'jobs:',
        '  prep:',
        '    command: echo prep',
        '    environment: {image: python:3.11}',
        '  tune:',
        '    type: sweep',
        '    trial: {type: command, command: "echo ${{inputs.lr}}", environment: azureml:x@latest, inputs: {lr: {type: number}}}',
        '    search_space: {lr: {type: uniform, min_value: 0, max_value: 1}}',
        '    sampling_algorithm: random',
        '    objective: {goal: minimize, primary_metric: loss}',
        '    compute: azureml:gpu',
      ),
      'pipeline.yml',
    );
    assert.deepEqual(
      subjects.map((subject) => `${subject.kind} ${subject.name}`),
      ['command-job train-pipeline/prep', 'environment train-pipeline/prep/environment', 'sweep-job train-pipeline/tune'],
    );
    const prep = only(subjects, 'command-job');
    assert.equal(prep.compute, 'azureml:cpu');
    assert.equal(prep.sources.compute?.name, 'settings.default_compute');
    assert.equal(only(subjects, 'sweep-job').compute, 'azureml:gpu');
  });

  it('validates a batch endpoint and gives it no subject; refuses what is not an Azure ML file, and invalid files', () => {
    assert.deepEqual(subjectsFromYaml(lines(schema('batchEndpoint'), 'name: scoring'), 'bep.yml'), []);
    assert.throws(
      () => subjectsFromYaml(lines('just: a mapping'), 'other.yml'),
      (error: unknown) => isTrellisError(error) && error.code === 'InvalidInput' && /cannot tell what kind/.test(error.message),
    );
    assert.throws(
      () => subjectsFromYaml(lines('name: cpu', 'type: amlcompute', 'min_instances: many'), 'cpu.yml'),
      (error: unknown) => isTrellisError(error) && error.problems.some((problem) => problem.path === 'min_instances'),
    );
  });
});
