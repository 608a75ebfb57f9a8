import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCachedBundle } from './cached-bundle.js';

/**
 * Makes the code cache of the CommonJS bundle `trellis advisor check` runs (cached-bundle.ts): run
 * by `npm run cli:bundle` once esbuild has written the bundle. A child process checks a few files of
 * every kind the static rules read, in each output format (its output discarded), so that the
 * functions a check uses are compiled, then writes the cache beside the bundle. Which files it
 * checks changes only how much the cache holds, never what a check does.
 */

const bundlePath = fileURLToPath(new URL('./advisor-bundle/advisor-check.cjs', import.meta.url));

const schema = (name: string) => `$schema: https://azuremlschemas.azureedge.net/latest/${name}.schema.json`;

/** One file of each kind the static rules read, with the fields they look at. */
const samples: Record<string, string> = {
  'compute/cluster.yml': `${schema('amlCompute')}\nname: cpu\ntype: amlcompute\nsize: Standard_DS3_v2\nmin_instances: 1\nmax_instances: 4\nidle_time_before_scale_down: 7200\ntier: low_priority\n`,
  'compute/instance.yml': `${schema('computeInstance')}\nname: ci\ntype: computeinstance\nsize: Standard_DS3_v2\n`,
  'jobs/train.yml': `${schema('commandJob')}\ntype: command\nname: train\ncommand: python train.py\nenvironment:\n  image: python:3.11-slim\n  conda_file: ../conda/env.yml\ncompute: azureml:cpu\nlimits:\n  timeout: 3600\nresources:\n  instance_count: 2\n`,
  'jobs/tune.yml': `${schema('sweepJob')}\ntype: sweep\nname: tune\ncompute: azureml:cpu\nsampling_algorithm: random\nsearch_space:\n  lr: {type: uniform, min_value: 0.001, max_value: 0.1}\nobjective: {goal: maximize, primary_metric: accuracy}\ntrial:\n  command: python train.py --lr \${{search_space.lr}}\n  environment: azureml:train-env:3\nlimits: {max_total_trials: 20, max_concurrent_trials: 6}\nearly_termination: {type: bandit, slack_factor: 0.1}\n`,
  'jobs/pipeline.yml': `${schema('pipelineJob')}\ntype: pipeline\nname: pipeline\nsettings: {default_compute: azureml:cpu}\njobs:\n  prep:\n    type: command\n    command: python prep.py\n    environment: azureml:train-env:3\n`,
  'endpoints/endpoint.yml': `${schema('managedOnlineEndpoint')}\nname: ep-1\nauth_mode: key\ntags: {environment: production}\n`,
  'endpoints/blue.yml': `${schema('managedOnlineDeployment')}\nname: blue\nendpoint_name: ep-1\nmodel: azureml:fraud:1\ninstance_type: Standard_DS3_v2\ninstance_count: 1\nscale_settings: {type: target_utilization, min_instances: 1, max_instances: 6}\n`,
  'environments/env.yml': `${schema('environment')}\nname: env\nversion: "1"\nimage: python:latest\nconda_file: ../conda/env.yml\n`,
  'workspaces/ws.yml': `${schema('workspace')}\nname: ws\npublic_network_access: Enabled\nmanaged_network: {isolation_mode: allow_only_approved_outbound}\n`,
  'conda/env.yml': 'name: train\ndependencies:\n  - python=3.11\n  - pip:\n    - numpy==1.26.4\n    - pandas\n',
  'arm/template.json': JSON.stringify(
    {
      $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
      contentVersion: '1.0.0.0',
      resources: [
        { type: 'Microsoft.MachineLearningServices/workspaces', apiVersion: '2024-04-01', name: 'mlw', properties: {} },
        {
          type: 'Microsoft.MachineLearningServices/workspaces/computes',
          apiVersion: '2024-04-01',
          name: 'mlw/gpu',
          properties: {
            computeType: 'AmlCompute',
            properties: { vmSize: 'Standard_NC6s_v3', scaleSettings: { minNodeCount: 0, maxNodeCount: 4 } },
          },
        },
      ],
    },
    null,
    2,
  ),
};

/** In the child: checks `folder` in each format, then saves the cache of what that compiled. */
async function train(folder: string): Promise<void> {
  const bundle = loadCachedBundle(bundlePath);
  const run =
    typeof bundle.exports === 'object' && bundle.exports !== null && 'runAdvisorCli' in bundle.exports
      ? bundle.exports.runAdvisorCli
      : undefined;
  if (typeof run !== 'function') throw new Error(`${bundlePath} exports no runAdvisorCli`);
  for (const format of ['json', 'sarif', 'table']) {
    process.argv = [process.execPath, 'trellis', 'advisor', 'check', '-f', folder, '--format', format, '--fail-on', 'none'];
    await run();
  }
  if (process.exitCode !== 0 && process.exitCode !== undefined) throw new Error(`the sample check exited ${process.exitCode}`);
  bundle.saveCache();
}

if (process.argv[2] === '--train') await train(process.argv[3] ?? '');
else {
  const folder = mkdtempSync(join(tmpdir(), 'trellis-advisor-cache-'));
  try {
    for (const [path, text] of Object.entries(samples)) {
      mkdirSync(dirname(join(folder, path)), { recursive: true });
      writeFileSync(join(folder, path), text);
    }
    const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--train', folder], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    if (child.status !== 0) throw new Error(`making the advisor's code cache failed (exit ${child.status ?? child.signal})`);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
