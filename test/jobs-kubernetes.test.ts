import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { V1Job, V1Secret, V1Service } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import type { JobBody } from '../src/client/trellis-client.js';
import { KubernetesEmulator } from './support/kubernetes-emulator.js';
import { alive, finished, waitForJob } from './support/jobs.js';
import { removeHome, repositoryRoot, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';
import { waitFor } from './support/wait-for.js';

/**
 * Command jobs on a `type: kubernetes` compute, end to end: a real `trellis up` (SQLite) whose
 * compute's kubeconfig points at an emulated API server and kubelet in this process
 * (support/kubernetes-emulator.ts: it checks every Job and Service against the official v1.30
 * schemas and runs the pods' containers as processes of this machine). So the bundle download,
 * the launcher, the job's MLflow calls to Trellis and the results upload really go over HTTP,
 * with the commands of the rendered manifests; only images and isolation are not real.
 */

const trainScript = `
import json, os, sys, time, urllib.request

model_dir, steps = sys.argv[1], int(sys.argv[2])
print(f"cwd={os.getcwd()}", flush=True)
for step in range(1, steps + 1):
    print(f"step {step}", flush=True)
with open(os.path.join(os.environ["TRELLIS_CHECKPOINT_DIR"], "step.txt"), "w") as handle:
    handle.write(str(steps))
os.makedirs(model_dir, exist_ok=True)
with open(os.path.join(model_dir, "model.txt"), "w") as handle:
    handle.write("weights")
with open(os.path.join("outputs", "summary.txt"), "w") as handle:
    handle.write("accuracy 0.9")
# mlflow.log_metric, as plain HTTP (the image need not have mlflow installed), with the job's token from its Secret.
body = json.dumps({"run_id": os.environ["MLFLOW_RUN_ID"], "key": "accuracy", "value": 0.9, "timestamp": int(time.time() * 1000), "step": 0}).encode()
headers = {"Content-Type": "application/json", "Authorization": "Bearer " + os.environ["MLFLOW_TRACKING_TOKEN"]}
request = urllib.request.Request(os.environ["MLFLOW_TRACKING_URI"].rstrip("/") + "/api/2.0/mlflow/runs/log-metric", data=body, headers=headers, method="POST")
urllib.request.urlopen(request).read()
print("done", flush=True)
`;

const trainJob = `
$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
command: python train.py \${{outputs.model}} 3
code: src
environment:
  image: library/python:latest
compute: azureml:k8s
outputs:
  model:
    type: uri_folder
`;

describe('command jobs on a Kubernetes compute (emulated API server and kubelet)', () => {
  let trellis: TrellisProcess;
  let emulator: KubernetesEmulator;
  let scratch: string;

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'trellis-kubernetes-'));
    emulator = new KubernetesEmulator(join(scratch, 'pods'));
    await emulator.start();
    trellis = await startTrellis({ env: { TRELLIS_JOB_TICK_MS: '200', TRELLIS_JOB_GRACE_SECONDS: '3' } });
    const compute = stringify({
      name: 'k8s',
      type: 'kubernetes',
      namespace: 'ml-jobs',
      size: 'Standard_DS3_v2',
      properties: { kubeconfig: emulator.kubeconfig('ml-jobs') },
    });
    await trellis.client.apply('default', { fileName: 'k8s.yml', text: compute, kind: 'compute' });
    await mkdir(join(scratch, 'job', 'src'), { recursive: true });
    await writeFile(join(scratch, 'job', 'src', 'train.py'), trainScript);
    await writeFile(join(scratch, 'job', 'job.yml'), trainJob);
  });

  after(async () => {
    await trellis?.stop();
    await emulator?.close();
    if (trellis) await removeHome(trellis.home);
    await rm(scratch, { recursive: true, force: true });
  });

  /** Everything that helps when a job did not end as expected. */
  async function diagnosis(name: string): Promise<string> {
    const log = await (await fetch(`${trellis.url}/api/v1/workspaces/default/jobs/${name}/logs`)).text();
    const pods = emulator.pods.map((pod) => emulator.output(pod)).join('\n');
    return `log:\n${log}\nschema failures: ${JSON.stringify(emulator.schemaFailures)}\npods:\n${pods}\nserver:\n${trellis.output()}`;
  }

  /** The Job the emulator accepted for `jobName` (its name starts with the job's). */
  function acceptedJob(jobName: string): V1Job {
    const found = emulator.accepted.find(
      (item) => item.kind === 'Job' && item.object.metadata?.annotations?.['trellis.dev/job-name'] === jobName,
    );
    assert.ok(found, `no Job was created for ${jobName}`);
    return found.object as V1Job;
  }

  function envValue(job: V1Job, container: string, name: string, init = false): string {
    const spec = job.spec!.template.spec!;
    const value = (init ? spec.initContainers : spec.containers)
      ?.find((item) => item.name === container)
      ?.env?.find((variable) => variable.name === name)?.value;
    assert.ok(value, `${container} has no ${name}`);
    return value;
  }

  it('trains in a pod: downloads the attempt, logs to MLflow, sends back logs, outputs and checkpoints; the job completes', async (t) => {
    const submitted = await runCli(['job', 'create', '--file', join(scratch, 'job', 'job.yml'), '-o', 'json'], { url: trellis.url });
    assert.equal(submitted.code, 0, submitted.stderr);
    const name = (JSON.parse(submitted.stdout) as JobBody).name;
    const job = await waitForJob(trellis.client, name, finished, 90_000);
    assert.equal(job.state, 'Completed', `${job.reason}\n${await diagnosis(name)}`);
    assert.equal(job.exitCode, 0);
    assert.match(job.handle ?? 'ml-jobs/', /^ml-jobs\//);

    // The log came back from the pod, and the command ran in the pod's own folder, from the downloaded bundle.
    const log = await (await fetch(`${trellis.url}/api/v1/workspaces/default/jobs/${name}/logs`)).text();
    assert.match(log, /step 1\nstep 2\nstep 3\n/);
    assert.match(log, /done/);
    assert.ok(log.includes(`cwd=${join(scratch, 'pods')}`), log);
    const attempt = join(trellis.home, 'jobs', 'default', name, 'attempt-1');
    assert.equal(await readFile(join(attempt, 'checkpoints', 'step.txt'), 'utf8'), '3');
    assert.equal(await readFile(join(attempt, 'outputs', 'model', 'model.txt'), 'utf8'), 'weights');
    assert.equal(await readFile(join(attempt, 'code', 'outputs', 'summary.txt'), 'utf8'), 'accuracy 0.9');
    assert.ok((await readdir(join(attempt, 'user_logs'))).includes('prepare_log.txt'));

    // Finalized as after a local run: the output is a data asset, the metric is in the job's run.
    const output = await trellis.client.get('default', 'data', `azureml_${name}_output_data_model`, '1');
    assert.equal(output.spec.type, 'uri_folder');
    assert.equal(output.tags['trellis.job'], name);
    const run = (await (await fetch(`${trellis.url}/api/2.0/mlflow/runs/get?run_id=${job.runId}`)).json()) as {
      run: { info: { status: string }; data: { metrics?: Array<{ key: string; value: number }> } };
    };
    assert.equal(run.run.info.status, 'FINISHED');
    assert.deepEqual(
      run.run.data.metrics?.map((metric) => [metric.key, metric.value]),
      [['accuracy', 0.9]],
    );

    // What the cluster was sent: valid manifests, the compute's namespace and size, the attempt's URLs.
    assert.deepEqual(emulator.schemaFailures, []);
    const manifest = acceptedJob(name);
    assert.equal(manifest.metadata?.namespace, 'ml-jobs');
    assert.deepEqual(manifest.spec?.template.spec?.nodeSelector, { 'node.kubernetes.io/instance-type': 'Standard_DS3_v2' });
    assert.equal(manifest.spec?.template.spec?.containers[0]?.image, 'library/python:latest');
    const bundleUrl = envValue(manifest, 'fetch-bundle', 'TRELLIS_BUNDLE_URL', true);
    const resultsUrl = envValue(manifest, 'upload-results', 'TRELLIS_RESULTS_URL');
    assert.ok(bundleUrl.startsWith(`${trellis.url}/api/v1/workspaces/default/jobs/${name}/attempts/1/bundle.tar?token=`), bundleUrl);
    assert.ok(resultsUrl.startsWith(`${trellis.url}/api/v1/workspaces/default/jobs/${name}/attempts/1/results.tar?token=`), resultsUrl);
    assert.equal(envValue(manifest, 'main', 'MLFLOW_TRACKING_URI'), trellis.url);
    // The job's token is in no manifest: the pod reads it from a Secret the Job owns (and takes with it).
    assert.ok(!JSON.stringify(manifest).includes('trls_'), 'a token value in the Job');
    const secretName = `${manifest.metadata!.name!}-credentials`;
    const main = manifest.spec?.template.spec?.containers.find((container) => container.name === 'main');
    for (const variable of ['TRELLIS_TOKEN', 'MLFLOW_TRACKING_TOKEN'])
      assert.deepEqual(main?.env?.find((item) => item.name === variable)?.valueFrom, { secretKeyRef: { name: secretName, key: variable } });
    const secret = emulator.accepted.find((item) => item.kind === 'Secret' && item.object.metadata?.name === secretName)?.object;
    assert.ok(secret, `no Secret ${secretName} was created`);
    assert.deepEqual(
      secret.metadata?.ownerReferences?.map((owner) => [owner.kind, owner.name]),
      [['Job', manifest.metadata!.name!]],
    );
    assert.match((secret as V1Secret).stringData?.MLFLOW_TRACKING_TOKEN ?? '', /^trls_job_/);
    const [pod] = emulator.podsOf(manifest.metadata!.name!);
    assert.deepEqual(
      pod?.object.status?.containerStatuses?.map((status) => [status.name, status.state?.terminated?.exitCode]),
      [
        ['main', 0],
        ['upload-results', 0],
      ],
    );
    assert.match(emulator.output(pod!), /upload-results: sent user_logs outputs checkpoints code\/outputs/);
    // The token checks need an attempt that ran: this one's (a step of this test, so it never depends on another test having run).
    await t.test("refuses a wrong token on both of an attempt's URLs with 403 and changes nothing", () =>
      refusesWrongTokens({ name, bundleUrl, resultsUrl }),
    );
  });

  /** The token checks on a finished attempt's bundle and results URLs. */
  async function refusesWrongTokens({ name, bundleUrl, resultsUrl }: { name: string; bundleUrl: string; resultsUrl: string }) {
    const logFile = join(trellis.home, 'jobs', 'default', name, 'attempt-1', 'user_logs', 'std_log.txt');
    const logBefore = await readFile(logFile, 'utf8');
    const token = new URL(bundleUrl).searchParams.get('token')!;
    const withToken = (url: string, value: string | undefined) => {
      const changed = new URL(url);
      if (value === undefined) changed.searchParams.delete('token');
      else changed.searchParams.set('token', value);
      return changed.href;
    };

    // The right token still opens the bundle: the attempt's code is in it.
    const bundle = await fetch(bundleUrl);
    assert.equal(bundle.status, 200);
    assert.equal(bundle.headers.get('content-type'), 'application/x-tar');
    const listing = execFileSync('tar', ['-t', '-f', '-'], { input: Buffer.from(await bundle.arrayBuffer()), encoding: 'utf8' });
    assert.match(listing, /^code\/train\.py$/m);

    const forged = join(scratch, 'forged');
    await mkdir(join(forged, 'user_logs'), { recursive: true });
    await writeFile(join(forged, 'user_logs', 'std_log.txt'), 'forged\n');
    const forgedTar = execFileSync('tar', ['-c', '-f', '-', 'user_logs'], { cwd: forged });
    const wrongTokens = [undefined, '', `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`];
    for (const wrong of wrongTokens) {
      const download = await fetch(withToken(bundleUrl, wrong));
      assert.equal(download.status, 403);
      assert.equal(((await download.json()) as { code: string }).code, 'AttemptTokenInvalid');
      const upload = await fetch(withToken(resultsUrl, wrong), {
        method: 'PUT',
        headers: { 'content-type': 'application/x-tar' },
        body: forgedTar,
      });
      assert.equal(upload.status, 403);
      assert.equal(((await upload.json()) as { code: string }).code, 'AttemptTokenInvalid');
    }
    // A token opens its own attempt only.
    const otherAttempt = await fetch(bundleUrl.replace('/attempts/1/', '/attempts/2/'));
    assert.equal(otherAttempt.status, 403);
    assert.equal(await readFile(logFile, 'utf8'), logBefore);

    // An unsafe archive with the right token is refused too, and changes nothing.
    const escaping = execFileSync('tar', ['-c', '-f', '-', '--absolute-names', '-C', forged, 'user_logs/../user_logs/std_log.txt'], {
      cwd: forged,
    });
    const refused = await fetch(resultsUrl, { method: 'PUT', headers: { 'content-type': 'application/x-tar' }, body: escaping });
    assert.equal(refused.status, 422);
    assert.equal(((await refused.json()) as { code: string }).code, 'UnsafeArchiveEntry');
    assert.equal(await readFile(logFile, 'utf8'), logBefore);
  }

  it("fails with the exit code of the pod's main container, and still has its log", async () => {
    const text = ['command: echo failing && exit 3', 'environment:', '  image: library/python:latest', 'compute: azureml:k8s', ''].join(
      '\n',
    );
    const { name } = await trellis.client.submitJob('default', { fileName: 'failing.yml', text, uploads: {}, inlined: {} });
    const job = await waitForJob(trellis.client, name, finished, 60_000);
    assert.equal(job.state, 'Failed', `${job.reason}\n${await diagnosis(name)}`);
    assert.equal(job.exitCode, 3);
    assert.match(await (await fetch(`${trellis.url}/api/v1/workspaces/default/jobs/${name}/logs`)).text(), /failing/);
    // Read from the pod's status by poll: the Job failed, its pods were listed.
    const objectName = acceptedJob(name).metadata!.name!;
    assert.ok(
      emulator.requests.some(
        (request) =>
          request.path === '/api/v1/namespaces/ml-jobs/pods' && request.query.get('labelSelector') === `trellis.dev/run=${objectName}`,
      ),
    );
  });

  /** Submits a job that prints `started` and sleeps to `compute`, and waits until its pod runs it. */
  async function startSleeper(compute: string) {
    const text = [
      'command: echo started && sleep 60',
      'environment:',
      '  image: library/python:latest',
      `compute: azureml:${compute}`,
      '',
    ].join('\n');
    const { name } = await trellis.client.submitJob('default', { fileName: 'sleeper.yml', text, uploads: {}, inlined: {} });
    const deadline = Date.now() + 60_000;
    for (;;) {
      const pod = emulator.pods.find((candidate) => candidate.object.metadata?.annotations?.['trellis.dev/job-name'] === name);
      const main = pod?.containers.find((container) => container.name === 'main');
      const current = await trellis.client.getJob('default', name);
      if (pod && main?.process?.pid && main.output.includes('started') && current.state === 'Running') {
        assert.ok(alive(main.process.pid));
        return { name, pod, pid: main.process.pid, objectName: acceptedJob(name).metadata!.name! };
      }
      assert.ok(
        Date.now() < deadline && !finished(current),
        `the job did not start in its pod (${current.state}: ${current.reason}):\n${await diagnosis(name)}`,
      );
      await sleep(100);
    }
  }

  /** Cancels the job with the CLI; checks that its Job was deleted in the foreground, its processes are gone and its log came back. */
  async function cancelAndCheck(
    { name, pod, pid, objectName }: Awaited<ReturnType<typeof startSleeper>>,
    namespace: string,
  ): Promise<void> {
    const canceled = await runCli(['job', 'cancel', '--name', name], { url: trellis.url });
    assert.equal(canceled.code, 0, canceled.stderr);
    const job = await waitForJob(trellis.client, name, finished, 60_000);
    assert.equal(job.state, 'Canceled', `${job.reason}\n${await diagnosis(name)}`);
    const deletion = emulator.requests.find(
      (request) => request.method === 'DELETE' && request.path === `/apis/batch/v1/namespaces/${namespace}/jobs/${objectName}`,
    );
    assert.ok(deletion, 'the Job was not deleted');
    assert.equal(deletion.query.get('propagationPolicy'), 'Foreground');
    assert.equal(deletion.query.get('gracePeriodSeconds'), '3');
    assert.equal(emulator.jobs.has(`${namespace}/${objectName}`), false);
    assert.equal(alive(pid), false);
    // The pod sent its log on the way out: the upload container outlived the TERM until the launcher was done.
    const log = await (await fetch(`${trellis.url}/api/v1/workspaces/default/jobs/${name}/logs`)).text();
    assert.match(log, /started/);
    assert.match(emulator.output(pod), /upload-results: TERM received[\s\S]*upload-results: sent user_logs/);
    assert.deepEqual(
      pod.object.status?.containerStatuses?.map((status) => [status.name, status.state?.terminated?.exitCode]),
      [
        ['main', 143],
        ['upload-results', 0],
      ],
    );
  }

  it('cancels a running job: the Job is deleted in the foreground, its pod gets TERM and still sends its log', async () => {
    await cancelAndCheck(await startSleeper('k8s'), 'ml-jobs');
  });

  it('still polls and cancels a running job whose Kubernetes compute was deleted', async () => {
    const doomed = stringify({
      name: 'k8s-doomed',
      type: 'kubernetes',
      namespace: 'doomed-jobs',
      properties: { kubeconfig: emulator.kubeconfig('doomed-jobs') },
    });
    await trellis.client.apply('default', { fileName: 'doomed.yml', text: doomed, kind: 'compute' });
    const sleeper = await startSleeper('k8s-doomed');
    const deleted = await runCli(['delete', 'compute', 'k8s-doomed'], { url: trellis.url });
    assert.equal(deleted.code, 0, deleted.stderr);
    // A few reconciles later the job still runs, polled by its handle alone.
    const polls = emulator.requests.length;
    const statusPath = `/apis/batch/v1/namespaces/doomed-jobs/jobs/${sleeper.objectName}/status`;
    await waitFor(() => emulator.requests.slice(polls).filter((request) => request.path === statusPath).length, {
      what: `two polls of ${statusPath} after the compute was deleted`,
      until: (count) => count >= 2,
      timeoutMs: 10_000,
    });
    assert.equal((await trellis.client.getJob('default', sleeper.name)).state, 'Running');
    await cancelAndCheck(sleeper, 'doomed-jobs');
  });

  it('resumes an evicted job from the checkpoint its pod sent back on the way out', async () => {
    const submitted = await runCli(
      [
        'job',
        'create',
        '--file',
        join(repositoryRoot, 'test', 'fixtures', 'jobs', 'checkpointing', 'job.yml'),
        '--set',
        'compute=azureml:k8s',
        '-o',
        'json',
      ],
      { url: trellis.url },
    );
    assert.equal(submitted.code, 0, submitted.stderr);
    const name = (JSON.parse(submitted.stdout) as JobBody).name;
    // Past the checkpoint of step 5, the platform evicts the pod.
    const deadline = Date.now() + 60_000;
    let pod: (typeof emulator.pods)[number] | undefined;
    for (;;) {
      pod = emulator.pods.find((candidate) => candidate.object.metadata?.annotations?.['trellis.dev/job-name'] === name);
      if (pod?.containers[0]?.output.includes('step 7')) break;
      const current = await trellis.client.getJob('default', name);
      assert.ok(
        Date.now() < deadline && !finished(current),
        `the job did not reach step 7 (${current.state}: ${current.reason}):\n${await diagnosis(name)}`,
      );
      await sleep(100);
    }
    emulator.evict(pod);

    const job = await waitForJob(trellis.client, name, finished, 90_000);
    assert.equal(job.state, 'Completed', `${job.reason}\n${await diagnosis(name)}`);
    assert.equal(job.attempt, 2);
    assert.match(emulator.output(pod), /upload-results: sent user_logs outputs checkpoints/);
    const events = (await trellis.client.jobEvents('default', name)).items;
    assert.ok(
      events.some((event) => /EvictionByEvictionAPI/.test(event.reason ?? '')),
      JSON.stringify(events),
    );
    // The second attempt started after the checkpoint the first one sent back, not from step 1.
    const log = await (await fetch(`${trellis.url}/api/v1/workspaces/default/jobs/${name}/logs`)).text();
    assert.match(log, /^step 6\n/);
    assert.match(log, /step 20\ndone/);
  });

  it('runs a 2-node PyTorch job as an Indexed Job with a headless Service; each pod sends its own log', async () => {
    const text = [
      'command: echo "rank $RANK of $WORLD_SIZE, node $NODE_RANK, master $MASTER_ADDR"',
      'environment:',
      '  image: library/python:latest',
      'compute: azureml:k8s',
      'distribution:',
      '  type: pytorch',
      '  process_count_per_instance: 1',
      'resources:',
      '  instance_count: 2',
      '',
    ].join('\n');
    const { name } = await trellis.client.submitJob('default', { fileName: 'ranks.yml', text, uploads: {}, inlined: {} });
    const job = await waitForJob(trellis.client, name, finished, 90_000);
    assert.equal(job.state, 'Completed', `${job.reason}\n${await diagnosis(name)}`);
    const objectName = acceptedJob(name).metadata!.name!;
    const logs = join(trellis.home, 'jobs', 'default', name, 'attempt-1', 'user_logs');
    const master = `${objectName}-0.${objectName}`;
    assert.equal(await readFile(join(logs, 'std_log_process_0.txt'), 'utf8'), `rank 0 of 2, node 0, master ${master}\n`);
    assert.equal(await readFile(join(logs, 'std_log_process_1.txt'), 'utf8'), `rank 1 of 2, node 1, master ${master}\n`);
    const service = emulator.accepted.find((item) => item.kind === 'Service' && item.object.metadata?.name === objectName)?.object as
      | V1Service
      | undefined;
    assert.ok(service, 'no headless Service was created');
    assert.equal(service.spec?.clusterIP, 'None');
    assert.deepEqual(emulator.schemaFailures, []);
  });
});
