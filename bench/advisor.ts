/**
 * The advisor's goal (issue 18): `trellis advisor check` on a folder of 10,000 resource files, and
 * the live evaluation of a workspace holding 10,000 resources, each a whole check in under 1 s.
 *
 * Static: 10,000 Azure ML YAML files and ARM templates of every kind the rules read (clusters and
 * instances, command and sweep jobs, pipelines, online endpoints and deployments, environments with
 * a shared conda file, workspaces, templates of three resources) written to a temporary folder; the
 * built CLI run on it as CI would (`advisor check -f <folder> --format json`, output discarded; again
 * with --include-passed, every check in the report), and
 * the same work in-process phase by phase: reading the files, reading them into subjects, checking.
 *
 * Live: a workspace filled through the store (one transaction per thousand rows): clusters with
 * nodes, environment and model versions, jobs of the last week with their events, sweeps, online
 * endpoints and deployments (some tagged production), 10,000 resources in all; then the live rules
 * in-process (adviseWorkspace) and GET /advisor/score from a server started on the same data.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { LocalArtifactStore } from '../src/artifacts/local/local-artifact-store.js';
import { collectAdvisorFiles } from '../src/cli/advisor-files.js';
import { readFileSet } from '../src/core/advisor/file-set.js';
import { checkFiles } from '../src/core/advisor/static-rules.js';
import { parseOnlineDeployment } from '../src/core/azureml/parse-endpoint-file.js';
import { parseJobFile } from '../src/core/azureml/parse-job-file.js';
import { parseResourceFile } from '../src/core/azureml/parse-resource-file.js';
import type { Deployment, Endpoint } from '../src/core/endpoints/endpoint.js';
import type { Job } from '../src/core/jobs/job.js';
import type { SpecOf } from '../src/core/resources/resource-spec.js';
import { adviseWorkspace } from '../src/services/advisor/advisor-service.js';
import { submitSweep } from '../src/services/sweeps/submit-sweep.js';
import type { Context } from '../src/services/context.js';
import { Store } from '../src/store/store.js';
import { cliPath, removeHome, startTrellis } from '../test/support/trellis-process.js';

export interface AdvisorBenchOptions {
  /** Resource files of the static check. */
  files: number;
  /** Resources of the live workspace. */
  resources: number;
  /** Timed runs of each measurement (the median is reported). */
  runs: number;
  /** Whether to measure the live rules too (false: the static check only, for quicker iterations). */
  live?: boolean;
  /** Another built CLI (e.g. of the commit before a change), timed on the same folder, its runs alternated with this one's. */
  compareCli?: string;
  log: (line: string) => void;
}

export interface AdvisorBenchResult {
  static: {
    files: number;
    subjects: number;
    checks: number;
    findings: number;
    /** The built CLI on the folder, process start to exit. */
    cliSeconds: number[];
    /** The other CLI (options.compareCli) on the same folder, when one was given. */
    compareCliSeconds?: number[];
    /** This CLI with --include-passed (every check in the report, as before 68563fa), its runs alternated with the others. */
    includePassedSeconds: number[];
    /** In-process phases of the same check. */
    readSeconds: number[];
    subjectSeconds: number[];
    checkSeconds: number[];
  };
  /** Absent when the options leave the live rules out. */
  live?: {
    resources: Record<string, number>;
    checks: number;
    findings: number;
    serviceSeconds: number[];
    httpSeconds: number[];
  };
}

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

export async function runAdvisorBench(options: AdvisorBenchOptions): Promise<AdvisorBenchResult> {
  const folder = await mkdtemp(join(tmpdir(), 'trellis-bench-advisor-'));
  try {
    const files = await staticBench(folder, options);
    return options.live === false ? { static: files } : { static: files, live: await liveBench(folder, options) };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Static: a folder of resource files

const schema = (name: string) => `$schema: https://azuremlschemas.azureedge.net/latest/${name}.schema.json`;

/** The i-th file of the folder: its path and text; kinds in a fixed rotation so every run writes the same folder. */
export function resourceFile(index: number): { path: string; text: string } {
  const kind = index % 20;
  const n = String(index).padStart(5, '0');
  const cluster = `cpu-${String(index - (index % 20)).padStart(5, '0')}`;
  if (kind < 4)
    return {
      path: `compute/${cluster}-${kind}.yml`,
      text: `${schema('amlCompute')}\nname: ${kind === 0 ? cluster : `cpu-${n}`}\ntype: amlcompute\nsize: Standard_DS3_v2\nmin_instances: ${index % 3}\nmax_instances: 4\nidle_time_before_scale_down: ${index % 2 === 0 ? 120 : 7200}\ntier: ${index % 5 === 0 ? 'low_priority' : 'dedicated'}\n`,
    };
  if (kind === 4)
    return {
      path: `compute/ci-${n}.yml`,
      text: `${schema('computeInstance')}\nname: ci-${n}\ntype: computeinstance\nsize: Standard_DS3_v2\n${index % 40 === 4 ? 'idle_time_before_shutdown_minutes: 60\n' : ''}`,
    };
  if (kind < 9)
    return {
      path: `jobs/train-${n}.yml`,
      text: `${schema('commandJob')}\ntype: command\nname: train-${n}\ncommand: python train.py --epochs 10\nenvironment:\n  image: python:3.11-slim\n  conda_file: ../conda/env.yml\ncompute: azureml:${cluster}\n${index % 3 === 0 ? 'limits:\n  timeout: 3600\n' : ''}resources:\n  instance_count: ${1 + (index % 2)}\n`,
    };
  if (kind < 11)
    return {
      path: `jobs/tune-${n}.yml`,
      text: `${schema('sweepJob')}\ntype: sweep\nname: tune-${n}\ncompute: azureml:${cluster}\nsampling_algorithm: random\nsearch_space:\n  lr: {type: uniform, min_value: 0.001, max_value: 0.1}\nobjective: {goal: maximize, primary_metric: accuracy}\ntrial:\n  command: python train.py --lr \${{search_space.lr}}\n  environment: azureml:train-env:3\nlimits: {max_total_trials: 20, max_concurrent_trials: ${index % 8}}\n${index % 4 === 0 ? 'early_termination: {type: bandit, slack_factor: 0.1}\n' : ''}`,
    };
  if (kind === 11)
    return {
      path: `jobs/pipeline-${n}.yml`,
      text: `${schema('pipelineJob')}\ntype: pipeline\nname: pipeline-${n}\nsettings: {default_compute: azureml:${cluster}}\njobs:\n  prep:\n    type: command\n    command: python prep.py\n    environment: azureml:train-env:3\n  train:\n    type: command\n    command: python train.py\n    environment: azureml:train-env:3\n    limits: {timeout: 7200}\n`,
    };
  if (kind === 12)
    return {
      path: `endpoints/ep-${n}.yml`,
      text: `${schema('managedOnlineEndpoint')}\nname: ep-${n}\nauth_mode: ${index % 2 === 0 ? 'key' : 'aml_token'}\n${index % 3 === 0 ? 'tags: {environment: production}\n' : ''}`,
    };
  if (kind < 15)
    return {
      path: `endpoints/blue-${n}.yml`,
      text: `${schema('managedOnlineDeployment')}\nname: blue\nendpoint_name: ep-${String(index - kind + 12).padStart(5, '0')}\nmodel: azureml:fraud:${1 + (index % 7)}\ninstance_type: Standard_DS3_v2\ninstance_count: ${1 + (index % 3)}\n${index % 5 === 0 ? 'scale_settings: {type: target_utilization, min_instances: 2, max_instances: 6}\n' : ''}`,
    };
  if (kind < 18)
    return {
      path: `environments/env-${n}.yml`,
      text: `${schema('environment')}\nname: env-${n}\nversion: "1"\nimage: ${index % 2 === 0 ? 'python:3.11-slim' : 'python:latest'}\nconda_file: ../conda/env.yml\n`,
    };
  if (kind === 18)
    return {
      path: `workspaces/ws-${n}.yml`,
      text: `${schema('workspace')}\nname: ws-${n}\npublic_network_access: ${index % 2 === 0 ? 'Disabled' : 'Enabled'}\n${index % 3 === 0 ? 'managed_network: {isolation_mode: allow_only_approved_outbound}\n' : ''}`,
    };
  return { path: `arm/template-${n}.json`, text: armTemplate(n) };
}

function armTemplate(n: string): string {
  const ml = 'Microsoft.MachineLearningServices/workspaces';
  return JSON.stringify(
    {
      $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
      contentVersion: '1.0.0.0',
      resources: [
        { type: ml, apiVersion: '2024-04-01', name: `mlw-${n}`, properties: { publicNetworkAccess: 'Disabled' } },
        {
          type: `${ml}/computes`,
          apiVersion: '2024-04-01',
          name: `mlw-${n}/gpu`,
          properties: {
            computeType: 'AmlCompute',
            properties: { vmSize: 'Standard_NC6s_v3', scaleSettings: { minNodeCount: 0, maxNodeCount: 4 } },
          },
        },
        {
          type: `${ml}/onlineEndpoints/deployments`,
          apiVersion: '2024-04-01',
          name: `mlw-${n}/scoring/blue`,
          sku: { name: 'Default', capacity: 3 },
          properties: { endpointComputeType: 'Managed', model: 'azureml:fraud:3', instanceType: 'Standard_DS3_v2' },
        },
      ],
    },
    null,
    2,
  );
}

async function staticBench(root: string, options: AdvisorBenchOptions): Promise<AdvisorBenchResult['static']> {
  const folder = join(root, 'repository');
  for (const sub of ['compute', 'jobs', 'endpoints', 'environments', 'workspaces', 'arm', 'conda'])
    await mkdir(join(folder, sub), { recursive: true });
  await writeFile(
    join(folder, 'conda', 'env.yml'),
    'name: train\ndependencies:\n  - python=3.11\n  - pip:\n    - numpy==1.26.4\n    - pandas\n',
  );
  for (let index = 0; index < options.files; index += 1) {
    const file = resourceFile(index);
    await writeFile(join(folder, file.path), file.text);
  }
  options.log(`advisor: ${options.files} resource files written to ${folder}`);

  const cliSeconds: number[] = [];
  const compareCliSeconds: number[] = [];
  const includePassedSeconds: number[] = [];
  for (let run = 0; run < options.runs; run += 1) {
    cliSeconds.push(await timedCli(folder));
    if (options.compareCli) compareCliSeconds.push(await timedCli(folder, options.compareCli));
    includePassedSeconds.push(await timedCli(folder, cliPath, ['--include-passed']));
  }
  options.log(`advisor: the CLI checked the folder in ${cliSeconds.map((s) => s.toFixed(2)).join(', ')} s`);
  options.log(`advisor: with --include-passed in ${includePassedSeconds.map((s) => s.toFixed(2)).join(', ')} s`);
  if (options.compareCli)
    options.log(`advisor: ${options.compareCli} checked it in ${compareCliSeconds.map((s) => s.toFixed(2)).join(', ')} s`);

  const readSeconds: number[] = [];
  const subjectSeconds: number[] = [];
  const checkSeconds: number[] = [];
  let counts = { subjects: 0, checks: 0, findings: 0 };
  for (let run = 0; run < options.runs + 1; run += 1) {
    const started = performance.now();
    const { files } = await collectAdvisorFiles([folder], root);
    const read = performance.now();
    const reading = readFileSet(files);
    const subjects = performance.now();
    const { checks, findings } = checkFiles(reading.subjects);
    const checked = performance.now();
    counts = { subjects: reading.subjects.length, checks: checks.length, findings: findings.length };
    // The first run warms the JIT: the CLI has no such help, so only the in-process phases drop it.
    if (run === 0) continue;
    readSeconds.push((read - started) / 1000);
    subjectSeconds.push((subjects - read) / 1000);
    checkSeconds.push((checked - subjects) / 1000);
  }
  const compared = options.compareCli ? { compareCliSeconds } : {};
  return { files: options.files, ...counts, cliSeconds, ...compared, includePassedSeconds, readSeconds, subjectSeconds, checkSeconds };
}

function timedCli(folder: string, cli = cliPath, extra: readonly string[] = []): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [cli, 'advisor', 'check', '-f', folder, '--format', 'json', '--fail-on', 'none', ...extra], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) =>
      code === 0 ? resolve((performance.now() - started) / 1000) : reject(new Error(`advisor check exited ${code}: ${stderr}`)),
    );
  });
}

// ---------------------------------------------------------------------------------------------
// Live: a workspace of 10,000 resources

function computeSpec(text: string): SpecOf<'compute'> {
  const parsed = parseResourceFile(text, { fileName: 'compute.yml' });
  if (parsed.kind !== 'compute') throw new Error('not a compute');
  return parsed.spec;
}

function environmentSpec(text: string): SpecOf<'environment'> {
  const parsed = parseResourceFile(text, { fileName: 'environment.yml' });
  if (parsed.kind !== 'environment') throw new Error('not an environment');
  return parsed.spec;
}

function modelSpec(text: string): SpecOf<'model'> {
  const parsed = parseResourceFile(text, { fileName: 'model.yml' });
  if (parsed.kind !== 'model') throw new Error('not a model');
  return parsed.spec;
}

async function liveBench(root: string, options: AdvisorBenchOptions): Promise<NonNullable<AdvisorBenchResult['live']>> {
  const home = join(root, 'home');
  await mkdir(home, { recursive: true });
  const store = Store.open({ home });
  await store.migrate();
  const now = Date.now();
  const iso = new Date(now - 3 * 86_400_000).toISOString();
  const ws = 'bench';
  await store.repositories.workspaces.insert({ name: ws, spec: {}, status: {}, tags: { team: 'fraud' }, description: null }, 'bench', iso);

  // Of every 100 resources: 2 clusters, 30 environment versions, 20 model versions, 40 jobs, 1 sweep, 2 endpoints and 5 deployments.
  const per100 = { computes: 2, environments: 30, models: 20, jobs: 40, sweeps: 1, endpoints: 2, deployments: 5 };
  const scale = options.resources / 100;
  const counts = Object.fromEntries(Object.entries(per100).map(([kind, share]) => [kind, Math.round(share * scale)]));
  const cluster = computeSpec('name: c\ntype: amlcompute\nsize: Standard_DS3_v2\nmin_instances: 1\nmax_instances: 8\n');
  const lowPriority = computeSpec('name: c\ntype: amlcompute\nsize: Standard_DS3_v2\ntier: low_priority\nmax_instances: 8\n');
  const environment = environmentSpec(`${schema('environment')}\nname: e\nimage: python:3.11-slim\n`);
  const model = modelSpec(`${schema('model')}\nname: m\npath: azureml://jobs/train-00001/outputs/model\ntype: mlflow_model\n`);
  const jobFile = parseJobFile(
    'type: command\ncommand: python train.py\nenvironment: azureml:env-0001:1\ncompute: azureml:cpu-0\n',
    'job.yml',
  ).job;
  const deploymentSpec = (endpoint: string, index: number) =>
    parseOnlineDeployment(
      `name: dep-${index}\nendpoint_name: ${endpoint}\nmodel: azureml:model-${index % 50}:1\ninstance_type: Standard_DS3_v2\ninstance_count: ${1 + (index % 3)}\n${index % 4 === 0 ? "data_collector: {collections: {model_inputs: {enabled: 'True'}}}\n" : ''}`,
      'deployment.yml',
    ).spec;

  const inBatches = async (count: number, write: (index: number, repositories: Store['repositories']) => Promise<void>) => {
    for (let start = 0; start < count; start += 1000)
      await store.transaction(async (repositories) => {
        for (let index = start; index < Math.min(count, start + 1000); index += 1) await write(index, repositories);
      });
  };
  const started = performance.now();
  await inBatches(counts.computes!, async (index, repositories) => {
    await repositories.resources.insert(
      {
        kind: 'compute',
        workspace: ws,
        name: `cpu-${index}`,
        version: null,
        spec: index % 5 === 0 ? lowPriority : cluster,
        status: {},
        tags: {},
        description: null,
      },
      'bench',
      iso,
    );
    for (let node = 0; node < 2; node += 1)
      await repositories.jobs.insertNode({
        workspace: ws,
        compute: `cpu-${index}`,
        nodeId: `cpu-${index}-${node}`,
        state: 'idle',
        job: null,
        size: 'Standard_DS3_v2',
        tier: 'dedicated',
        createdAt: now - 6 * 86_400_000,
        idleSince: now - 3_600_000,
        removedAt: node === 0 ? null : now - 86_400_000,
        removedReason: node === 0 ? null : 'idle',
      });
  });
  await inBatches(counts.environments!, (index, repositories) =>
    repositories.resources
      .insert(
        {
          kind: 'environment',
          workspace: ws,
          name: `env-${String(index % 300).padStart(4, '0')}`,
          version: String(1 + Math.floor(index / 300)),
          spec: environment,
          status: {},
          tags: {},
          description: null,
        },
        'bench',
        new Date(now - (index % 2 === 0 ? 200 : 10) * 86_400_000).toISOString(),
      )
      .then(() => undefined),
  );
  await inBatches(counts.models!, (index, repositories) =>
    repositories.resources
      .insert(
        {
          kind: 'model',
          workspace: ws,
          name: `model-${index % 50}`,
          version: String(1 + Math.floor(index / 50)),
          spec: model,
          status: index % 3 === 0 ? { lineage: { run: { id: `run-${index}` } } } : {},
          tags: {},
          description: null,
        },
        'bench',
        iso,
      )
      .then(() => undefined),
  );
  await inBatches(counts.jobs!, async (index, repositories) => {
    const submittedAt = now - (index % 7) * 86_400_000 - 3_600_000;
    const finished = index % 10 !== 0;
    const name = `train-${String(index).padStart(5, '0')}`;
    const job: Job = {
      workspace: ws,
      name,
      displayName: name,
      experimentName: 'bench',
      description: null,
      tags: {},
      compute: `cpu-${index % counts.computes!}`,
      spec: { ...jobFile, name },
      lineage: {
        code: null,
        environment: { name: `env-${String(index % 300).padStart(4, '0')}`, version: '1', curated: false },
        inputs: {},
        compute: `cpu-${index % counts.computes!}`,
        submittedBy: 'user:bench',
      },
      state: 'Queued',
      reason: null,
      exitCode: null,
      retries: 0,
      attempt: 1,
      priority: 2,
      instanceCount: 1,
      submittedAt,
      startedAt: null,
      endedAt: null,
      runId: `run-${index}`,
      createdBy: 'user:bench',
      nodeSeconds: 0,
      nodes: [],
      handle: null,
      stopRequest: null,
    };
    await repositories.jobs.insert(job, submittedAt);
    await repositories.jobs.update(ws, name, { state: 'Preparing' }, submittedAt + 60_000 * (index % 30));
    await repositories.jobs.update(
      ws,
      name,
      finished
        ? { state: 'Completed', startedAt: submittedAt + 120_000, endedAt: submittedAt + 1_920_000, nodeSeconds: 1800 }
        : { state: 'Running', startedAt: submittedAt + 120_000 },
      submittedAt + 1_920_000,
    );
  });
  const context: Context = {
    store,
    artifactsFor: (workspace) => new LocalArtifactStore(join(home, 'artifacts', 'workspaces', workspace)),
    clock: () => new Date(),
    logger: pino({ level: 'silent' }),
  };
  for (let index = 0; index < counts.sweeps!; index += 1) {
    const sweep = await submitSweep(
      context,
      { actor: 'user:bench', requestId: null },
      {
        workspace: ws,
        fileName: 'sweep.yml',
        text: `type: sweep\nname: tune-${index}\ncompute: azureml:cpu-0\nsampling_algorithm: random\nsearch_space:\n  lr: {type: uniform, min_value: 0.01, max_value: 0.1}\nobjective: {goal: maximize, primary_metric: acc}\nlimits: {max_total_trials: 4}\ntrial:\n  command: echo \${{search_space.lr}}\n  environment: azureml:env-0001:1\n${index % 2 === 0 ? 'early_termination: {type: median_stopping}\n' : ''}`,
        uploads: {},
        inlined: {},
      },
    );
    await store.repositories.sweeps.update(ws, sweep.name, { state: 'Completed', endedAt: now - 3_600_000 });
  }
  await inBatches(counts.endpoints!, async (index, repositories) => {
    const name = `ep-${index}`;
    const deployments = Array.from(
      { length: Math.round(counts.deployments! / counts.endpoints!) },
      (_, slot) => `dep-${index * 10 + slot}`,
    );
    const endpoint: Endpoint = {
      workspace: ws,
      name,
      type: 'online',
      description: null,
      tags: index % 3 === 0 ? { environment: 'production' } : {},
      authMode: 'key',
      traffic: { [deployments[0]!]: 100 },
      mirrorTraffic: {},
      defaultDeployment: null,
      compute: null,
      state: 'Succeeded',
      createdBy: 'user:bench',
      createdAt: now,
      updatedAt: now,
      etag: 'bench',
    };
    await repositories.endpoints.insertEndpoint(endpoint);
    for (const [slot, deploymentName] of deployments.entries()) {
      const deployment: Deployment<'online'> = {
        workspace: ws,
        endpoint: name,
        name: deploymentName,
        spec: deploymentSpec(name, index * 10 + slot),
        lineage: {
          model: { name: `model-${(index * 10 + slot) % 50}`, version: '1', type: 'mlflow_model' },
          environment: null,
          code: null,
          deployedBy: 'user:bench',
          deployedAt: now,
        },
        state: 'Succeeded',
        reason: null,
        instanceCount: 1,
        createdBy: 'user:bench',
        createdAt: now,
        updatedAt: now,
        etag: 'bench',
      };
      await repositories.endpoints.insertDeployment(deployment);
    }
  });
  const resources = { ...counts, total: Object.values(counts).reduce((sum, count) => sum + count, 0) };
  options.log(
    `advisor: workspace '${ws}' filled with ${resources.total} resources in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );

  const server = { host: '127.0.0.1', listensOnLoopbackOnly: true, localAuth: true, publicUrl: null, servesTls: false };
  const serviceSeconds: number[] = [];
  let totals = { checks: 0, findings: 0 };
  for (let run = 0; run < options.runs + 1; run += 1) {
    const begun = performance.now();
    const advice = await adviseWorkspace(context, ws, server);
    if (run > 0) serviceSeconds.push((performance.now() - begun) / 1000);
    totals = { checks: advice.checks.length, findings: advice.recommendations.length };
  }
  await store.close();

  const trellis = await startTrellis({ home });
  const httpSeconds: number[] = [];
  try {
    for (let run = 0; run < options.runs + 1; run += 1) {
      const begun = performance.now();
      const answer = await fetch(`${trellis.url}/api/v1/workspaces/${ws}/advisor/score`);
      if (answer.status !== 200) throw new Error(`advisor score answered ${answer.status}: ${await answer.text()}`);
      await answer.json();
      if (run > 0) httpSeconds.push((performance.now() - begun) / 1000);
    }
  } finally {
    await trellis.stop();
    await removeHome(home);
  }
  return { resources, ...totals, serviceSeconds, httpSeconds };
}
