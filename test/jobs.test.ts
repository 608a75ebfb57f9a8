import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { JobBody } from '../src/client/trellis-client.js';
import { createTestDatabase, testDialects, type TestDatabase } from './support/databases.js';
import { removeHome, repositoryRoot, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';
import { alive, finished, waitForJob } from './support/jobs.js';
import { waitFor } from './support/wait-for.js';

const fixtures = join(repositoryRoot, 'test', 'fixtures', 'jobs');
// Built virtualenvs are kept across runs, like a machine's image cache.
const environmentCache = join(repositoryRoot, '.cache', 'environments');

const clusters = `
$schema: https://azuremlschemas.azureedge.net/latest/amlCompute.schema.json
name: cpu-cluster
type: amlcompute
size: Standard_DS3_v2
min_instances: 0
max_instances: 2
idle_time_before_scale_down: 2
`;
const spotCluster = `
name: spot-cluster
type: amlcompute
size: Standard_DS3_v2
tier: low_priority
min_instances: 0
max_instances: 1
idle_time_before_scale_down: 2
`;
// One node, for the test that needs a job to queue behind another: no other test sends it anything, so it is idle when that test begins.
const queueCluster = `
name: queue-cluster
type: amlcompute
size: Standard_DS3_v2
min_instances: 0
max_instances: 1
idle_time_before_scale_down: 2
`;
/** The clusters made before the tests (each test that needs a cluster to itself has its own; jobs that name none run on serverless). */
const clusterNames = ['cpu-cluster', 'queue-cluster', 'spot-cluster'];

for (const dialect of testDialects()) {
  describe(`command jobs on local compute on ${dialect}`, () => {
    let database: TestDatabase;
    let trellis: TrellisProcess;

    before(async () => {
      database = await createTestDatabase(dialect);
      trellis = await startTrellis({
        databaseUrl: database.url,
        env: {
          TRELLIS_ENV_CACHE: environmentCache,
          TRELLIS_JOB_TICK_MS: '200',
          TRELLIS_JOB_GRACE_SECONDS: '3',
          TRELLIS_SYSTEM_METRICS_INTERVAL_SECONDS: '1',
        },
      });
      for (const text of [clusters, spotCluster, queueCluster])
        await trellis.client.apply('default', { fileName: 'compute.yml', text, kind: 'compute' });
    });

    after(async () => {
      await trellis.stop();
      await removeHome(trellis.home);
      await database.drop();
    });

    it("trains with scikit-learn from the curated environment, logs to the job's MLflow run, registers the output, and scales the cluster to zero", async () => {
      const submitted = await runCli(
        ['job', 'create', '--file', join(fixtures, 'iris-train', 'job.yml'), '--set', 'inputs.C=0.8', '-o', 'json'],
        { url: trellis.url },
      );
      assert.equal(submitted.code, 0, submitted.stderr);
      const body = JSON.parse(submitted.stdout) as JobBody;
      assert.equal(body.state, 'Queued');
      assert.equal(body.compute, 'cpu-cluster');
      const lineage = body.lineage as {
        code: { name: string; digest: string };
        environment: { name: string; curated: boolean };
        inputs: Record<string, unknown>;
      };
      assert.match(lineage.code.digest, /^sha256:[0-9a-f]{64}$/);
      assert.equal(lineage.environment.name, 'trellis-python-sklearn');
      assert.equal(lineage.environment.curated, true);
      assert.deepEqual(lineage.inputs.C, { type: 'literal', value: 0.8 });

      const job = await waitForJob(trellis.client, body.name, finished);
      const log = await (await fetch(`${trellis.url}/api/v1/workspaces/default/jobs/${body.name}/logs`)).text();
      assert.equal(job.state, 'Completed', `${job.reason}\n${log}`);
      assert.equal(job.exitCode, 0);
      assert.match(log, /accuracy [01]\.\d+/);

      // The script's mlflow calls landed in the job's run, read back over the MLflow API.
      const run = (await (await fetch(`${trellis.url}/api/2.0/mlflow/runs/get?run_id=${job.runId}`)).json()) as {
        run: {
          info: { status: string };
          data: {
            metrics: Array<{ key: string; value: number }>;
            params: Array<{ key: string; value: string }>;
            tags: Array<{ key: string; value: string }>;
          };
        };
      };
      assert.equal(run.run.info.status, 'FINISHED');
      const accuracy = run.run.data.metrics.find((metric) => metric.key === 'accuracy');
      assert.ok(accuracy && accuracy.value > 0.8, `accuracy ${JSON.stringify(accuracy)}`);
      assert.deepEqual(run.run.data.params, [{ key: 'C', value: '0.8' }]);
      assert.ok(run.run.data.tags.some((tag) => tag.key === 'trellis.job' && tag.value === body.name));
      const history = (await (
        await fetch(`${trellis.url}/api/2.0/mlflow/metrics/get-history?run_id=${job.runId}&metric_key=loss`)
      ).json()) as { metrics: unknown[] };
      assert.equal(history.metrics.length, 3);

      // The declared output is a data asset; the logs are run artifacts.
      const output = await trellis.client.get('default', 'data', `azureml_${body.name}_output_data_model`, '1');
      assert.equal(output.spec.type, 'uri_folder');
      assert.equal(output.tags['trellis.job'], body.name);
      const logs = (await (await fetch(`${trellis.url}/api/2.0/mlflow/artifacts/list?run_id=${job.runId}&path=user_logs`)).json()) as {
        files: Array<{ path: string }>;
      };
      assert.ok(
        logs.files.some((file) => file.path === 'user_logs/std_log.txt'),
        JSON.stringify(logs),
      );

      // Scale to zero: after the idle time the cluster has no node, and the node time is on record.
      assert.ok(job.nodeSeconds > 0);
      const nodes = await waitFor(() => trellis.client.computeNodes('default', 'cpu-cluster'), {
        what: 'cpu-cluster to scale to zero nodes',
        until: (current) => current.nodes.length === 0,
        describe: (current) => `${current.nodes.length} node(s)`,
        timeoutMs: 30_000,
        intervalMs: 250,
      });
      assert.ok((nodes.usage[0]?.nodeSeconds ?? 0) >= job.nodeSeconds);
    });

    it('refuses a job naming an unknown compute, environment or input, an undeclared ${{inputs.y}}, or too many instances — and queues nothing', async () => {
      const before = (await trellis.client.listJobs('default')).items.length;
      const text = `
command: python train.py --x \${{inputs.y}}
environment: azureml:no-such-env:1
compute: azureml:gpu-cluster
inputs:
  data:
    type: uri_folder
    path: azureml:no-such-data:3
`;
      const refused = await trellis.client
        .submitJob('default', { fileName: 'bad.yml', text, uploads: {}, inlined: {} })
        .catch((error: unknown) => error as { status: number; problems: Array<{ path: string; message: string }> });
      assert.equal((refused as { status: number }).status, 422);
      const problems = (refused as { problems: Array<{ path: string; message: string }> }).problems;
      assert.deepEqual(problems.map((problem) => problem.path).sort(), ['command', 'compute', 'environment', 'inputs.data.path']);
      // The computes it lists: those made before the tests, and serverless once a test has run a job on it.
      const listed =
        /computes here: ([^.]*)\./.exec(problems.find((problem) => problem.path === 'compute')!.message)?.[1]?.split(', ') ?? [];
      assert.deepEqual(
        listed.filter((name) => name !== 'serverless'),
        clusterNames,
        listed.join(', '),
      );
      assert.match(problems.find((problem) => problem.path === 'command')!.message, /declared inputs: data/);

      const tooBig = await trellis.client
        .submitJob('default', {
          fileName: 'big.yml',
          text: 'command: echo hi\nenvironment: azureml:trellis-python@latest\ncompute: cpu-cluster\nresources:\n  instance_count: 3\n',
          uploads: {},
          inlined: {},
        })
        .catch((error: unknown) => error as { status: number; message: string });
      assert.equal((tooBig as { status: number }).status, 422);
      assert.match((tooBig as { message: string }).message, /asks for 3 nodes but compute 'cpu-cluster' has max_instances 2/);
      assert.equal((await trellis.client.listJobs('default')).items.length, before);
    });

    it('cancels a running job, stopping everything it started', async () => {
      const submitted = await runCli(['job', 'create', '--file', join(fixtures, 'sleeper', 'job.yml'), '-o', 'json'], { url: trellis.url });
      assert.equal(submitted.code, 0, submitted.stderr);
      const name = (JSON.parse(submitted.stdout) as JobBody).name;
      await waitForJob(trellis.client, name, (job) => job.state === 'Running', 60_000);
      const pidFile = join(trellis.home, 'jobs', 'default', name, 'attempt-1', 'outputs', 'child.pid');
      const pid = await waitFor(async () => Number(await readFile(pidFile, 'utf8').catch(() => '0')), {
        what: `the sleeper's child pid in ${pidFile}`,
        until: (value) => value > 0,
        timeoutMs: 5_000,
      });
      assert.ok(alive(pid));
      const canceled = await runCli(['job', 'cancel', '--name', name], { url: trellis.url });
      assert.equal(canceled.code, 0, canceled.stderr);
      const job = await waitForJob(trellis.client, name, finished, 60_000);
      assert.equal(job.state, 'Canceled');
      assert.match(job.reason ?? '', /canceled by user:/);
      assert.equal(alive(pid), false);
      const again = await trellis.client.cancelJob('default', name).catch((error: unknown) => error as { status: number });
      assert.equal((again as { status: number }).status, 409);
    });

    it('cancels a queued job at once and ends its MLflow run as KILLED', async (t) => {
      // queue-cluster's one node: the holder takes it, the next job queues behind it.
      const text = 'command: sleep 30\nenvironment:\n  image: library/python:latest\ncompute: queue-cluster\n';
      const holder = await trellis.client.submitJob('default', { fileName: 'holder.yml', text, uploads: {}, inlined: {} });
      // The node is free again after this test, whatever happens in it.
      t.after(() => trellis.client.cancelJob('default', holder.name).catch(() => undefined));
      await waitForJob(trellis.client, holder.name, (job) => job.state === 'Running', 60_000);
      const waiting = await trellis.client.submitJob('default', { fileName: 'waiting.yml', text, uploads: {}, inlined: {} });
      const canceled = await trellis.client.cancelJob('default', waiting.name);
      assert.equal(canceled.state, 'Canceled');
      const run = (await (await fetch(`${trellis.url}/api/2.0/mlflow/runs/get?run_id=${waiting.runId}`)).json()) as {
        run: { info: { status: string } };
      };
      assert.equal(run.run.info.status, 'KILLED');
      await trellis.client.cancelJob('default', holder.name);
      assert.equal((await waitForJob(trellis.client, holder.name, finished, 60_000)).state, 'Canceled');
    });

    it('stops a job at limits.timeout and says so', async () => {
      const text = 'command: sleep 30\nenvironment:\n  image: library/python:latest\nlimits:\n  timeout: 1\n';
      const job = await trellis.client.submitJob('default', { fileName: 'timeout.yml', text, uploads: {}, inlined: {} });
      const ended = await waitForJob(trellis.client, job.name, finished, 60_000);
      assert.equal(ended.state, 'Failed');
      assert.match(ended.reason ?? '', /limits\.timeout \(1 s\)/);
    });

    it('resumes an evicted low-priority job from its checkpoint, repeating at most one checkpoint interval', async () => {
      const submitted = await runCli(['job', 'create', '--file', join(fixtures, 'checkpointing', 'job.yml'), '-o', 'json'], {
        url: trellis.url,
      });
      assert.equal(submitted.code, 0, submitted.stderr);
      const name = (JSON.parse(submitted.stdout) as JobBody).name;
      // Let it pass step 5 (a checkpoint), then take the node away mid-way.
      const logOf = async () => (await fetch(`${trellis.url}/api/v1/workspaces/default/jobs/${name}/logs`)).text();
      await waitFor(async () => /step 7/.test(await logOf()), { what: `job ${name} to reach step 7`, timeoutMs: 60_000 });
      const evicted = await trellis.client.evict('default', 'spot-cluster');
      assert.equal(evicted.evicted.length, 1);
      const job = await waitForJob(trellis.client, name, finished, 120_000);
      assert.equal(job.state, 'Completed', job.reason ?? '');
      assert.equal(job.attempt, 2);
      assert.equal(job.retries, 1);
      // Every step ran; the second attempt started after the last checkpoint (step 5 or later).
      const artifacts = (await (await fetch(`${trellis.url}/api/2.0/mlflow/artifacts/list?run_id=${job.runId}&path=user_logs`)).json()) as {
        files: Array<{ path: string }>;
      };
      assert.ok(
        artifacts.files.some((file) => file.path === 'user_logs/attempt-1'),
        JSON.stringify(artifacts),
      );
      const second = await logOf();
      const firstStep = Number(/step (\d+)/.exec(second)?.[1]);
      assert.ok(firstStep >= 6, `the second attempt began at step ${firstStep}`);
      const ranFirst = Math.max(
        ...[
          ...(await readFile(join(trellis.home, 'jobs', 'default', name, 'attempt-1', 'user_logs', 'std_log.txt'), 'utf8')).matchAll(
            /step (\d+)/g,
          ),
        ].map((match) => Number(match[1])),
      );
      assert.ok(
        ranFirst - firstStep + 1 <= 5,
        `repeated ${ranFirst - firstStep + 1} steps (first attempt reached ${ranFirst}, second began at ${firstStep})`,
      );
      assert.match(second, /done/);
      const events = (await trellis.client.jobEvents('default', name)).items.map((event) => event.state);
      assert.deepEqual(events, ['Queued', 'Preparing', 'Running', 'Queued', 'Preparing', 'Running', 'Finalizing', 'Completed']);

      // The training infrastructure was sampled into the run while it ran: the job's CPU and memory.
      const history = async (metric: string) =>
        (
          (await (await fetch(`${trellis.url}/api/2.0/mlflow/metrics/get-history?run_id=${job.runId}&metric_key=${metric}`)).json()) as {
            metrics?: Array<{ value: number; step: number }>;
          }
        ).metrics ?? [];
      const memory = await history('system/system_memory_usage_megabytes');
      assert.ok(memory.length >= 2 && memory.every((point) => point.value > 0), JSON.stringify(memory));
      const cpu = await history('system/cpu_utilization_percentage');
      assert.ok(cpu.length >= 1 && cpu.every((point) => point.value >= 0 && point.value <= 100), JSON.stringify(cpu));
      assert.equal(new Set(memory.map((point) => point.step)).size, memory.length, 'each sample has its own step');
    });
  });
}
