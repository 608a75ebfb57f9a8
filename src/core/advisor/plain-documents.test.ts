import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseYaml } from '../yaml/parse-yaml.js';
import {
  plainCommandJob,
  plainCompute,
  plainEnvironment,
  plainOnlineDeployment,
  plainOnlineEndpoint,
  plainWorkspace,
} from './plain-documents.js';
import { plainPipelineJob } from './plain-pipeline-job.js';
import { plainSweepJob } from './plain-sweep-job.js';
import { subjectsFromYaml } from './yaml-subjects.js';

const schema = (name: string) => `$schema: https://azuremlschemas.azureedge.net/latest/${name}.schema.json`;
const lines = (...text: string[]) => `${text.join('\n')}\n`;

/** The subjects, or the error's message, code and problems: what the check reports either way. */
function outcomeOf(text: string, fileName: string, options: { isFastPathOff: boolean; condaFiles?: ReadonlyMap<string, unknown> }) {
  try {
    return { subjects: subjectsFromYaml(text, fileName, options) };
  } catch (error) {
    return { error: error instanceof Error ? { ...error, message: error.message } : { thrown: String(error) } };
  }
}

/** Both paths give the same outcome for `text`. */
function assertSamePaths(text: string) {
  const condaFiles = new Map([['./conda.yml', { dependencies: ['python=3.11', { pip: ['numpy'] }] }]]);
  assert.deepEqual(
    outcomeOf(text, 'file.yml', { isFastPathOff: false, condaFiles }),
    outcomeOf(text, 'file.yml', { isFastPathOff: true, condaFiles }),
    text,
  );
}

const cluster = [schema('amlCompute'), 'name: cpu', 'type: amlcompute'];
const instance = [schema('computeInstance'), 'name: ci', 'type: computeinstance'];
const environment = [schema('environment'), 'name: env', 'image: python:3.11-slim'];
const endpoint = [schema('managedOnlineEndpoint'), 'name: ep-1'];
const deployment = [schema('managedOnlineDeployment'), 'name: blue', 'endpoint_name: ep-1', 'instance_type: Standard_DS3_v2'];
const job = [schema('commandJob'), 'command: python train.py', 'environment: azureml:train-env:3'];
const workspace = [schema('workspace'), 'name: ws-1'];
const sweepHead = [schema('sweepJob'), 'type: sweep', 'sampling_algorithm: random', 'objective: {goal: maximize, primary_metric: acc}'];
const trial = ['trial:', '  command: python train.py --lr ${{search_space.lr}}', '  environment: azureml:train-env:3'];
const lr = ['search_space:', '  lr: {type: uniform, min_value: 0.001, max_value: 0.1}'];
const sweep = [...sweepHead, ...trial, ...lr];
const pipeline = [
  schema('pipelineJob'),
  'type: pipeline',
  'jobs:',
  '  prep:',
  '    command: python prep.py',
  '    environment: azureml:e:1',
];

/** Plain files the fast path reads, and near misses it must leave to the schema (same outcome either way). */
const cases: Record<string, string[]> = {
  'cluster, defaults filled in': cluster,
  'cluster, every plain field': [
    ...cluster,
    'size: Standard_NC6',
    'tier: low_priority',
    'min_instances: 1',
    'max_instances: 2',
    'idle_time_before_scale_down: 60',
    'description: d',
    'tags: {team: ml}',
  ],
  'cluster, type in another case': [schema('amlCompute'), 'name: cpu', 'type: AmlCompute'],
  'cluster, tier spelled as Azure does': [...cluster, 'tier: Dedicated'],
  'cluster, unknown field': [...cluster, 'foo: 1'],
  'cluster, misspelt field': [...cluster, 'max_instance: 3'],
  'cluster, quoted count': [...cluster, 'min_instances: "2"'],
  'cluster, negative count': [...cluster, 'min_instances: -1'],
  'cluster, fractional count': [...cluster, 'max_instances: 2.5'],
  'cluster, minimum above the default maximum': [...cluster, 'min_instances: 5'],
  'cluster, size null': [...cluster, 'size:'],
  'cluster, size a number': [...cluster, 'size: 3'],
  'cluster, number and boolean tags': [...cluster, 'tags: {a: 1.10, b: true}'],
  'cluster, tags null': [...cluster, 'tags:'],
  'cluster, tags empty': [...cluster, 'tags: {}'],
  'cluster, invalid name': [schema('amlCompute'), 'name: "bad name"', 'type: amlcompute'],
  'cluster, name a number': [schema('amlCompute'), 'name: 12', 'type: amlcompute'],
  'cluster, read-only field': [...cluster, 'id: /subscriptions/x'],
  'cluster, secret': [...cluster, 'ssh_settings: {admin_password: p}'],
  'cluster, unknown $schema told by type': ['$schema: https://example.com/x.json', 'name: cpu', 'type: amlcompute'],
  'cluster, no $schema': ['name: cpu', 'type: amlcompute', 'max_instances: 0'],
  'cluster, anchors': ['base: &b 2', ...cluster],
  'cluster, merge key': ['name: cpu', 'type: amlcompute', 'x: &x {min_instances: 1}', '<<: *x'],
  'cluster, merge key only': ['defaults: &d', '  min_instances: 1', 'name: cpu', 'type: amlcompute', '<<: *d'],
  'cluster, anchored value': [schema('amlCompute'), 'name: &n cpu', 'type: amlcompute', 'description: *n'],
  'cluster, two documents': [...cluster, '---', ...cluster],
  'instance, defaults': instance,
  'instance, idle minutes': [...instance, 'idle_time_before_shutdown_minutes: 60'],
  'instance, idle minutes negative': [...instance, 'idle_time_before_shutdown_minutes: -60'],
  'instance, idle duration': [...instance, 'idle_time_before_shutdown: PT30M'],
  'instance, cluster field': [...instance, 'max_instances: 2'],
  'environment, image': environment,
  'environment, local conda file': [...environment, 'conda_file: ./conda.yml', 'version: "2"'],
  'environment, conda file not read': [...environment, 'conda_file: ./other.yml'],
  'environment, remote conda file': [...environment, 'conda_file: azureml://datastores/x/paths/conda.yml'],
  'environment, inline conda': [...environment, 'conda_file: {dependencies: [python=3.10]}'],
  'environment, number version': [...environment, 'version: 1.10'],
  'environment, reserved version': [...environment, 'version: latest'],
  'environment, empty image': [schema('environment'), 'name: env', 'image: ""'],
  'environment, no image': [schema('environment'), 'name: env'],
  'environment, build': [schema('environment'), 'name: env', 'build: {path: ./docker}'],
  'environment, dependencies in the wrong place': [...environment, 'dependencies: [numpy]'],
  'endpoint, defaults': endpoint,
  'endpoint, token auth and tags': [...endpoint, 'auth_mode: aml_token', 'tags: {environment: production}'],
  'endpoint, auth spelled as Azure does': [...endpoint, 'auth_mode: AMLToken'],
  'endpoint, Entra ID auth': [...endpoint, 'auth_mode: aad_token'],
  'endpoint, short name': [schema('managedOnlineEndpoint'), 'name: ep'],
  'endpoint, traffic': [...endpoint, 'traffic: {blue: 100}'],
  'endpoint, public access': [...endpoint, 'public_network_access: disabled'],
  'endpoint, Kubernetes schema': [schema('kubernetesOnlineEndpoint'), 'name: ep-1'],
  'deployment, model reference': [...deployment, 'model: azureml:fraud:3', 'instance_count: 2'],
  'deployment, latest model': [...deployment, 'model: azureml:fraud@latest', 'instance_count: 1'],
  'deployment, no model': [...deployment, 'instance_count: 1'],
  'deployment, bad model reference': [...deployment, 'model: fraud', 'instance_count: 1'],
  'deployment, inline model': [...deployment, 'model: {path: ./model}', 'instance_count: 1'],
  'deployment, no instance count': deployment,
  'deployment, zero instances': [...deployment, 'instance_count: 0'],
  'deployment, quoted instances': [...deployment, 'instance_count: "2"'],
  'deployment, no instance type': [schema('managedOnlineDeployment'), 'name: blue', 'endpoint_name: ep-1', 'instance_count: 1'],
  'deployment, no endpoint': [schema('managedOnlineDeployment'), 'name: blue', 'instance_type: Standard_DS3_v2', 'instance_count: 1'],
  'deployment, short name': [schema('managedOnlineDeployment'), 'name: b', 'endpoint_name: ep-1', 'instance_type: x', 'instance_count: 1'],
  'deployment, default scaling': [...deployment, 'instance_count: 1', 'scale_settings: {type: default}'],
  'deployment, default scaling without count': [...deployment, 'scale_settings: {type: default}'],
  'deployment, default scaling with a range': [...deployment, 'instance_count: 1', 'scale_settings: {type: default, min_instances: 1}'],
  'deployment, target utilization': [
    ...deployment,
    'instance_count: 3',
    'scale_settings: {type: target_utilization, min_instances: 2, max_instances: 6}',
  ],
  'deployment, target utilization defaults': [...deployment, 'scale_settings: {type: target_utilization}'],
  'deployment, target utilization spelled as Azure does': [...deployment, 'instance_count: 1', 'scale_settings: {type: TargetUtilization}'],
  'deployment, count outside the range': [
    ...deployment,
    'instance_count: 1',
    'scale_settings: {type: target_utilization, min_instances: 2, max_instances: 6}',
  ],
  'deployment, minimum above maximum': [...deployment, 'scale_settings: {type: target_utilization, min_instances: 3, max_instances: 2}'],
  'deployment, target percentage': [...deployment, 'scale_settings: {type: target_utilization, target_utilization_percentage: 50}'],
  'deployment, request settings': [...deployment, 'instance_count: 1', 'request_settings: {max_concurrent_requests_per_instance: 4}'],
  'deployment, type': [...deployment, 'instance_count: 1', 'type: managed'],
  'deployment, Kubernetes schema': [
    schema('kubernetesOnlineDeployment'),
    'name: blue',
    'endpoint_name: ep-1',
    'instance_type: x',
    'instance_count: 1',
  ],
  'deployment, no $schema': ['name: blue', 'endpoint_name: ep-1', 'instance_type: Standard_DS3_v2', 'instance_count: 1'],
  'deployment, unknown field': [...deployment, 'instance_count: 1', 'replicas: 2'],
  'job, reference environment': job,
  'job, everything plain': [
    ...job,
    'type: command',
    'name: train-1',
    'display_name: d',
    'tags: {a: b}',
    'compute: azureml:cpu',
    'resources: {instance_count: 2, instance_type: Standard_DS3_v2}',
    'limits: {timeout: 60}',
  ],
  'job, inline environment': [
    schema('commandJob'),
    'command: python train.py',
    'environment: {image: python:3.11, conda_file: ./conda.yml}',
  ],
  'job, inline environment with more': [
    schema('commandJob'),
    'command: python train.py',
    'environment: {image: python:3.11, os_type: linux}',
  ],
  'job, inline environment without image': [schema('commandJob'), 'command: python train.py', 'environment: {conda_file: ./conda.yml}'],
  'job, type told only by type': ['type: command', 'command: python train.py', 'environment: azureml:e:1'],
  'job, type in another case': [schema('commandJob'), 'type: Command', 'command: python train.py', 'environment: azureml:e:1'],
  'job, resources defaulted': [...job, 'resources: {instance_type: Standard_DS3_v2}'],
  'job, resources empty': [...job, 'resources: {}'],
  'job, no instances': [...job, 'resources: {instance_count: 0}'],
  'job, quoted instances': [...job, 'resources: {instance_count: "2"}'],
  'job, empty limits': [...job, 'limits: {}'],
  'job, zero timeout': [...job, 'limits: {timeout: 0}'],
  'job, name with a dot': [...job, 'name: train.1'],
  'job, no command': [schema('commandJob'), 'environment: azureml:e:1'],
  'job, empty command': [schema('commandJob'), 'command: ""', 'environment: azureml:e:1'],
  'job, empty environment': [schema('commandJob'), 'command: python train.py', 'environment: ""'],
  'job, unknown field': [...job, 'inputs_: {}'],
  'job, inputs': [...job, 'inputs: {epochs: 10}'],
  'job, number tag': [...job, 'tags: {epochs: 10}'],
  'job, compute null': [...job, 'compute:'],
  'workspace, name only': workspace,
  'workspace, every plain field': [
    ...workspace,
    'display_name: Fraud',
    'location: westeurope',
    'description: d',
    'tags: {team: ml}',
    'public_network_access: Disabled',
    'managed_network: {isolation_mode: allow_only_approved_outbound}',
  ],
  'workspace, access in lower case': [...workspace, 'public_network_access: disabled'],
  'workspace, access misspelt': [...workspace, 'public_network_access: Closed'],
  'workspace, isolation spelled as Azure does': [...workspace, 'managed_network: {isolation_mode: AllowOnlyApprovedOutbound}'],
  'workspace, isolation unknown': [...workspace, 'managed_network: {isolation_mode: closed}'],
  'workspace, empty managed network': [...workspace, 'managed_network: {}'],
  'workspace, outbound rules': [...workspace, 'managed_network: {isolation_mode: disabled, outbound_rules: []}'],
  'workspace, project without hub': [...workspace, 'kind: project'],
  'workspace, identity': [...workspace, 'identity: {type: system_assigned}'],
  'workspace, invalid name': [schema('workspace'), 'name: "ws 1"'],
  'workspace, read-only field': [...workspace, 'mlflow_tracking_uri: azureml://x'],
  'sweep, plain': sweep,
  'sweep, every plain field': [
    ...sweepHead,
    'name: tune-1',
    'display_name: Tune',
    'description: d',
    'tags: {team: ml}',
    'compute: azureml:cpu',
    ...trial,
    'search_space:',
    '  lr: {type: loguniform, min_value: -7, max_value: -1}',
    '  layers: {type: randint, upper: 4}',
    '  optimizer: {type: choice, values: [adam, sgd, 3, true]}',
    'limits: {max_total_trials: 20, max_concurrent_trials: 4, timeout: 3600, trial_timeout: 600}',
    'early_termination: {type: bandit, slack_factor: 0.1, evaluation_interval: 1, delay_evaluation: 5}',
  ],
  'sweep, median stopping': [...sweep, 'early_termination: {type: median_stopping}'],
  'sweep, bandit with slack amount': [...sweep, 'early_termination: {type: bandit, slack_amount: 0.2}'],
  'sweep, bandit without slack': [...sweep, 'early_termination: {type: bandit}'],
  'sweep, bandit with both slacks': [...sweep, 'early_termination: {type: bandit, slack_factor: 0.1, slack_amount: 0.2}'],
  'sweep, truncation selection': [...sweep, 'early_termination: {type: truncation_selection, truncation_percentage: 10}'],
  'sweep, policy in another case': [...sweep, 'early_termination: {type: Bandit, slack_factor: 0.1}'],
  'sweep, unknown policy': [...sweep, 'early_termination: {type: patience}'],
  'sweep, policy with a quoted interval': [...sweep, 'early_termination: {type: median_stopping, evaluation_interval: "2"}'],
  'sweep, inline environment': [
    ...sweepHead,
    'trial:',
    '  command: python train.py --lr ${{search_space.lr}}',
    '  environment: {image: python:3.11, conda_file: ./conda.yml}',
    ...lr,
  ],
  'sweep, inline environment with more': [
    ...sweepHead,
    'trial:',
    '  command: python train.py',
    '  environment: {image: python:3.11, os_type: linux}',
    ...lr,
  ],
  'sweep, trial with code': [...sweepHead, ...trial, '  code: ./src', ...lr],
  'sweep, trial with resources': [...sweepHead, ...trial, '  resources: {instance_type: Standard_NC6}', ...lr],
  'sweep, empty command': [...sweepHead, 'trial:', '  command: ""', '  environment: azureml:e:1', ...lr],
  'sweep, no trial': [...sweepHead, ...lr],
  'sweep, reference to no parameter': [
    ...sweepHead,
    'trial:',
    '  command: python t.py ${{search_space.momentum}}',
    '  environment: azureml:e:1',
    ...lr,
  ],
  'sweep, bounds the wrong way': [...sweepHead, ...trial, 'search_space:', '  lr: {type: uniform, min_value: 0.1, max_value: 0.01}'],
  'sweep, equal bounds': [...sweepHead, ...trial, 'search_space:', '  lr: {type: uniform, min_value: 0.1, max_value: 0.1}'],
  'sweep, quoted bound': [...sweepHead, ...trial, 'search_space:', '  lr: {type: uniform, min_value: "0.01", max_value: 0.1}'],
  'sweep, expression type in another case': [
    ...sweepHead,
    ...trial,
    'search_space:',
    '  lr: {type: Uniform, min_value: 0.01, max_value: 0.1}',
  ],
  'sweep, normal expression': [...sweepHead, ...trial, 'search_space:', '  lr: {type: normal, mu: 0, sigma: 1}'],
  'sweep, empty choice': [...sweepHead, ...trial, 'search_space:', '  lr: {type: choice, values: []}'],
  'sweep, nested choice': [...sweepHead, ...trial, 'search_space:', '  lr: {type: choice, values: [{a: 1}]}'],
  'sweep, fractional randint': [...sweepHead, ...trial, 'search_space:', '  lr: {type: randint, upper: 2.5}'],
  'sweep, zero randint': [...sweepHead, ...trial, 'search_space:', '  lr: {type: randint, upper: 0}'],
  'sweep, empty search space': [...sweepHead, ...trial, 'search_space: {}'],
  'sweep, no search space': [...sweepHead, ...trial],
  'sweep, parameter name with a dot': [...sweepHead, ...trial, 'search_space:', '  l.r: {type: uniform, min_value: 0.01, max_value: 0.1}'],
  'sweep, grid over a range': [
    schema('sweepJob'),
    'type: sweep',
    'sampling_algorithm: grid',
    'objective: {goal: maximize, primary_metric: acc}',
    ...trial,
    ...lr,
  ],
  'sweep, sampling as a mapping': [
    schema('sweepJob'),
    'type: sweep',
    'sampling_algorithm: {type: random, seed: 7}',
    'objective: {goal: maximize, primary_metric: acc}',
    ...trial,
    ...lr,
  ],
  'sweep, sampling spelled as Azure does': [
    schema('sweepJob'),
    'type: sweep',
    'sampling_algorithm: Random',
    'objective: {goal: maximize, primary_metric: acc}',
    ...trial,
    ...lr,
  ],
  'sweep, objective goal in another case': [
    schema('sweepJob'),
    'type: sweep',
    'sampling_algorithm: random',
    'objective: {goal: Maximize, primary_metric: acc}',
    ...trial,
    ...lr,
  ],
  'sweep, no objective': [schema('sweepJob'), 'type: sweep', 'sampling_algorithm: random', ...trial, ...lr],
  'sweep, more at once than in all': [...sweep, 'limits: {max_total_trials: 2, max_concurrent_trials: 4}'],
  'sweep, trial longer than the sweep': [...sweep, 'limits: {timeout: 60, trial_timeout: 600}'],
  'sweep, zero trials': [...sweep, 'limits: {max_total_trials: 0}'],
  'sweep, quoted limit': [...sweep, 'limits: {max_total_trials: "20"}'],
  'sweep, empty limits': [...sweep, 'limits: {}'],
  'sweep, type told only by $schema': [
    schema('sweepJob'),
    'sampling_algorithm: random',
    'objective: {goal: maximize, primary_metric: acc}',
    ...trial,
    ...lr,
  ],
  'sweep, long name': [...sweep, `name: ${'a'.repeat(202)}`],
  'sweep, unknown field': [...sweep, 'max_trials: 3'],
  'sweep, inputs': [...sweep, 'inputs: {epochs: 10}'],
  'pipeline, one step': pipeline,
  'pipeline, every plain field': [
    schema('pipelineJob'),
    'type: pipeline',
    'name: pipe-1',
    'display_name: Pipe',
    'description: d',
    'tags: {team: ml}',
    'settings: {default_compute: azureml:cpu}',
    'jobs:',
    '  prep:',
    '    type: command',
    '    command: python prep.py',
    '    environment: azureml:e:1',
    '    tags: {step: prep}',
    '  train:',
    '    command: python train.py',
    '    environment: {image: python:3.11, conda_file: ./conda.yml}',
    '    compute: azureml:gpu',
    '    resources: {instance_count: 2}',
    '    limits: {timeout: 7200}',
  ],
  'pipeline, compute': [...pipeline, 'compute: azureml:cpu'],
  'pipeline, empty settings': [...pipeline, 'settings: {}'],
  'pipeline, more settings': [...pipeline, 'settings: {default_compute: azureml:cpu, continue_on_step_failure: true}'],
  'pipeline, no steps': [schema('pipelineJob'), 'type: pipeline', 'jobs: {}'],
  'pipeline, no jobs': [schema('pipelineJob'), 'type: pipeline'],
  'pipeline, step with inputs': [...pipeline, '    inputs: {epochs: 10}'],
  'pipeline, step with a binding': [...pipeline, '    inputs:', "      data: '${{parent.inputs.data}}'"],
  'pipeline, step with outputs': [...pipeline, '    outputs: {model: {type: uri_folder}}'],
  'pipeline, step compute from an input': [...pipeline, '    compute: ${{parent.inputs.compute}}'],
  'pipeline, step of another type': [...pipeline, '    type: parallel'],
  'pipeline, step type in another case': [...pipeline, '    type: Command'],
  'pipeline, step without command': [schema('pipelineJob'), 'type: pipeline', 'jobs:', '  prep:', '    environment: azureml:e:1'],
  'pipeline, step rerun': [...pipeline, '    force_rerun: true'],
  'pipeline, step component': [...pipeline.slice(0, 4), '    component: azureml:prep:1'],
  'pipeline, step name with a digit first': [
    schema('pipelineJob'),
    'type: pipeline',
    'jobs:',
    '  1prep:',
    '    command: p',
    '    environment: azureml:e:1',
  ],
  'pipeline, step a list': [schema('pipelineJob'), 'type: pipeline', 'jobs:', '  prep: [a]'],
  'pipeline, type told only by $schema': [schema('pipelineJob'), 'jobs:', '  prep:', '    command: p', '    environment: azureml:e:1'],
  'pipeline, inputs': [...pipeline, 'inputs: {epochs: 10}'],
  'pipeline, unknown field': [...pipeline, 'steps: {}'],
};

describe('the fast path for plain files', () => {
  for (const [name, text] of Object.entries(cases)) it(`gives what zod gives: ${name}`, () => assertSamePaths(lines(...text)));

  it('reads the plain files of each kind it knows without zod', () => {
    const read = (text: string[]) => parseYaml(lines(...text), 'file.yml').value;
    assert.ok(plainCompute(read(cases['cluster, every plain field']!)));
    assert.ok(plainCompute(read(instance)));
    assert.ok(plainEnvironment(read(cases['environment, local conda file']!)));
    assert.ok(plainOnlineEndpoint(read(cases['endpoint, token auth and tags']!)));
    assert.ok(plainCommandJob(read(cases['job, everything plain']!)));
    assert.ok(plainCommandJob(read(cases['job, inline environment']!)));
    assert.ok(plainOnlineDeployment(read(cases['deployment, target utilization']!)));
    assert.ok(plainWorkspace(read(cases['workspace, every plain field']!)));
    assert.ok(plainSweepJob(read(cases['sweep, every plain field']!)));
    assert.ok(plainSweepJob(read(cases['sweep, inline environment']!)));
    assert.ok(plainSweepJob(read(cases['sweep, median stopping']!)));
    assert.ok(plainPipelineJob(read(cases['pipeline, every plain field']!)));
  });

  it('leaves a file with a field it does not know to the schema', () => {
    const read = (text: string[]) => parseYaml(lines(...text), 'file.yml').value;
    assert.equal(plainCompute(read(cases['cluster, unknown field']!)), undefined);
    assert.equal(plainEnvironment(read(cases['environment, number version']!)), undefined);
    assert.equal(plainOnlineEndpoint(read(cases['endpoint, traffic']!)), undefined);
    assert.equal(plainCommandJob(read(cases['job, inputs']!)), undefined);
    assert.equal(plainWorkspace(read(cases['workspace, identity']!)), undefined);
    assert.equal(plainSweepJob(read(cases['sweep, inputs']!)), undefined);
    assert.equal(plainPipelineJob(read(cases['pipeline, step with inputs']!)), undefined);
  });

  it('leaves a sweep whose checks past the schema fail to the schema, for its error', () => {
    const read = (text: string[]) => parseYaml(lines(...text), 'file.yml').value;
    for (const name of [
      'sweep, bounds the wrong way',
      'sweep, reference to no parameter',
      'sweep, more at once than in all',
      'sweep, bandit without slack',
    ])
      assert.equal(plainSweepJob(read(cases[name]!)), undefined, name);
  });
});
