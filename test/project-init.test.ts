import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import {
  parseBatchDeployment,
  parseBatchEndpoint,
  parseOnlineDeployment,
  parseOnlineEndpoint,
} from '../src/core/azureml/parse-endpoint-file.js';
import { parseResourceFile } from '../src/core/azureml/parse-resource-file.js';
import { cliPath, removeHome, repositoryRoot, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';
import { waitFor } from './support/wait-for.js';

const python = process.env.TRELLIS_TEST_PYTHON;
const schemas = join(repositoryRoot, 'test', 'fixtures', 'ci-schemas');
const jobSettings = { TRELLIS_ENV_CACHE: join(repositoryRoot, '.cache', 'environments'), TRELLIS_JOB_TICK_MS: '200' };

/** Runs a shell command as GitHub Actions runs a `run:` step (bash -eo pipefail), in `cwd` with `env` added. */
function shell(command: string, cwd: string, env: Record<string, string>): Promise<{ code: number; output: string }> {
  const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', command], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code: code ?? 1, output })));
}

/** '' when the document is valid, else the first errors. The schemas' patterns are not Unicode-mode regular expressions. */
async function schemaCheck(schemaText: string, document: unknown): Promise<string> {
  const validate = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false }).compile(JSON.parse(schemaText));
  return validate(document) ? '' : JSON.stringify(validate.errors?.slice(0, 5));
}

interface WorkflowStep {
  id?: string;
  uses?: string;
  run?: string;
}

describe('trellis init', { skip: python ? false : 'TRELLIS_TEST_PYTHON is not set (npm test makes the venv)' }, () => {
  let trellis: TrellisProcess;
  let scratch: string;

  before(async () => {
    trellis = await startTrellis({ env: jobSettings });
    scratch = await mkdtemp(join(tmpdir(), 'trellis-init-'));
    // The registry is the platform team's, made once; the projects' CI only shares into it.
    assert.equal((await runCli(['registry', 'create', '--name', 'shared'], { url: trellis.url })).code, 0);
  });
  after(async () => {
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  for (const [template, ci] of [
    ['classical', 'github'],
    ['batch', 'azure-devops'],
    ['realtime', 'github'],
  ] as const) {
    it(`writes a ${template} project (${ci} CI) whose own tests pass and whose files Trellis and the CI schemas accept`, async () => {
      const folder = join(scratch, `${template}-project`);
      const init = await runCli(['init', '--template', template, '--ci', ci, '--user', 'ada', folder]);
      assert.equal(init.code, 0, init.stderr);
      const tests = await shell(`"${python}" -m pytest -q -p no:cacheprovider`, folder, {});
      assert.equal(tests.code, 0, tests.output);
      assert.match(tests.output, /\d+ passed/);

      for (const file of [
        '.cloud/common/data.yml',
        '.cloud/common/environment.yml',
        '.cloud/env/dev/workspace.yml',
        '.cloud/env/prod/compute.yml',
      ])
        parseResourceFile(await readFile(join(folder, file), 'utf8'), { fileName: file });
      const notebook = JSON.parse(await readFile(join(folder, 'notebooks/ada/explore-and-train.ipynb'), 'utf8')) as { nbformat: number };
      assert.equal(notebook.nbformat, 4);
      if (template === 'realtime') {
        parseOnlineEndpoint(await readFile(join(folder, 'deploy/online/endpoint.yml'), 'utf8'), 'endpoint.yml');
        parseOnlineDeployment(await readFile(join(folder, 'deploy/online/blue-deployment.yml'), 'utf8'), 'blue-deployment.yml');
      }
      if (template === 'batch') {
        parseBatchEndpoint(await readFile(join(folder, 'deploy/batch/endpoint.yml'), 'utf8'), 'endpoint.yml');
        parseBatchDeployment(await readFile(join(folder, 'deploy/batch/deployment.yml'), 'utf8'), 'deployment.yml');
      }

      // The CI files against the published JSON schemas (test/fixtures/ci-schemas/NOTICE.md says where from).
      if (ci === 'github') {
        const workflow = parse(await readFile(join(folder, '.github/workflows/train-and-promote.yml'), 'utf8'));
        assert.equal(await schemaCheck(await readFile(join(schemas, 'github-workflow.json'), 'utf8'), workflow), '');
      } else {
        const pipeline = parse(await readFile(join(folder, '.ado/train-and-promote.yml'), 'utf8'));
        const schema = gunzipSync(await readFile(join(schemas, 'azure-pipelines-service-schema.json.gz'))).toString();
        assert.equal(await schemaCheck(schema, pipeline), '');
      }
    });
  }

  it('gives Azure DevOps the same shell lines as GitHub Actions, step for step', async () => {
    // The same folder name, so the package name in the lines is the same.
    const github = join(scratch, 'ci-github', 'project');
    const devops = join(scratch, 'ci-devops', 'project');
    assert.equal((await runCli(['init', github])).code, 0);
    assert.equal((await runCli(['init', '--ci', 'azure-devops', devops])).code, 0);
    const steps = parse(await readFile(join(github, '.github/workflows/train-and-promote.yml'), 'utf8')).jobs['train-and-promote']
      .steps as WorkflowStep[];
    const scripts = (parse(await readFile(join(devops, '.ado/train-and-promote.yml'), 'utf8')).steps as Array<{ script?: string }>)
      .map((step) => step.script)
      .filter((script) => script !== undefined);
    assert.deepEqual(
      scripts,
      steps.filter((step) => step.run).map((step) => step.run),
    );
  });

  it('refuses a folder that is not empty, and with --merge keeps and lists the files already there', async () => {
    const folder = join(scratch, 'existing');
    await mkdir(folder);
    await writeFile(join(folder, 'README.md'), 'mine\n');
    const refused = await runCli(['init', folder]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, new RegExp(`'${folder}' is not empty; pass --merge`));
    const unknown = await runCli(['init', '--template', 'streaming', join(scratch, 'unknown')]);
    assert.match(unknown.stderr, /unknown template 'streaming'; choose one of: classical, batch, realtime/);

    const merged = await runCli(['init', '--merge', folder]);
    assert.equal(merged.code, 0, merged.stderr);
    assert.match(merged.stdout, /skipped \(already there; --force overwrites them\):\n {2}README\.md/);
    assert.equal(await readFile(join(folder, 'README.md'), 'utf8'), 'mine\n');
    const forced = await runCli(['init', '--merge', '--force', folder]);
    assert.match(forced.stdout, /overwritten \(--force\):\n(?: {2}.*\n)* {2}README\.md/);
    assert.notEqual(await readFile(join(folder, 'README.md'), 'utf8'), 'mine\n');
  });

  /**
   * Runs every step of a generated project's workflow that is its own, as written, in order: lint, test, apply-dev,
   * train, compare, and promote (share to the registry, apply .cloud to prod, create the deploy/ endpoints there with the
   * shared model). Not run: checkout/setup actions and `setup` (pip and npm installs: the test venv and the built CLI stand in).
   */
  async function runWorkflow(template: 'realtime' | 'batch', project: string) {
    const folder = join(scratch, project);
    assert.equal((await runCli(['init', '--template', template, folder])).code, 0);
    const workflow = parse(await readFile(join(folder, '.github/workflows/train-and-promote.yml'), 'utf8'));
    const steps = workflow.jobs['train-and-promote'].steps as WorkflowStep[];
    assert.deepEqual(
      steps.map((step) => step.id ?? step.uses),
      [
        'actions/checkout@v4',
        'actions/setup-python@v5',
        'actions/setup-node@v4',
        'setup',
        'lint',
        'test',
        'apply-dev',
        'train',
        'compare',
        'stress-test',
        'promote',
      ],
    );
    // Shims for what the setup step installs: `trellis` (the built CLI) and `python` (the test venv).
    const bin = join(scratch, 'bin');
    await mkdir(bin, { recursive: true });
    await writeFile(join(bin, 'trellis'), `#!/bin/sh\nexec "${process.execPath}" "${cliPath}" "$@"\n`);
    await writeFile(join(bin, 'python'), `#!/bin/sh\nexec "${python}" "$@"\n`);
    await chmod(join(bin, 'trellis'), 0o755);
    await chmod(join(bin, 'python'), 0o755);
    const run = `${project}-${Date.now()}`;
    const env = {
      PATH: `${bin}:${process.env.PATH}`,
      TRELLIS_URL: trellis.url,
      TRELLIS_OUTPUT: 'table',
      TRELLIS_HOME: join(scratch, 'cli-home'),
      TRELLIS_REGISTRY: 'shared',
      PIPELINE_RUN: run,
      PYTHONPATH: workflow.env.PYTHONPATH as string,
      PYTHONDONTWRITEBYTECODE: '1',
    };
    const runSteps = async (ids: string[], stepEnv: Record<string, string>) => {
      for (const id of ids) {
        const step = steps.find((candidate) => candidate.id === id);
        const result = await shell(step?.run ?? '', folder, stepEnv);
        assert.equal(
          result.code,
          0,
          `step ${id} failed:\n${result.output}\n${id === 'lint' || id === 'test' ? '' : trellis.output().slice(-6000)}`,
        );
      }
    };
    await runSteps(['lint', 'test', 'apply-dev', 'train', 'compare', 'stress-test', 'promote'], env);

    const model = (await (await fetch(`${trellis.url}/api/v1/workspaces/${project}-dev/models/${project}-model/versions/1`)).json()) as {
      spec: { type: string };
      status: { lineage: { job?: string; run?: { id: string } } };
    };
    assert.equal(model.spec.type, 'mlflow_model');
    assert.equal(model.status.lineage.job, `${run}-train`, 'the version leads to the job that trained it');
    const train = await trellis.client.getJob(`${project}-dev`, `${run}-train`);
    assert.equal(model.status.lineage.run?.id, train.runId);
    assert.equal(await readFile(join(folder, 'compare.env'), 'utf8'), `PROMOTE=true\nMODEL_NAME=${project}-model\nMODEL_VERSION=1\n`);

    // The registry's copy leads back to the dev run and job that trained it.
    const shared = (await (await fetch(`${trellis.url}/api/v1/workspaces/@shared/models/${project}-model/versions/1`)).json()) as {
      status: { provenance: { sharedFrom: string; run: { id: string }; job?: { name: string } } };
    };
    assert.equal(shared.status.provenance.sharedFrom, `azureml://workspaces/${project}-dev/models/${project}-model/versions/1`);
    assert.equal(shared.status.provenance.run.id, train.runId, "prod's model reaches the dev run that trained it");
    assert.equal(shared.status.provenance.job?.name, `${run}-train`);
    return { folder, env, runSteps };
  }

  it('runs the realtime workflow end to end: dev, the pipeline, the comparison, promotion through a registry, and prod answering', async () => {
    const { folder, env, runSteps } = await runWorkflow('realtime', 'diabetes');
    // The stress test sized prod: the candidate met the target on a test endpoint in dev, which is gone again.
    const stress = await readFile(join(folder, 'stress.env'), 'utf8');
    assert.match(stress, /^INSTANCE_COUNT=\d+\nINSTANCE_TYPE=\S+\n$/);
    const profile = JSON.parse(await readFile(join(folder, 'profile.json'), 'utf8')) as { state: string; steps: unknown[] };
    assert.equal(profile.state, 'Succeeded');
    assert.equal(profile.steps.length, 3);
    assert.equal((await trellis.client.listOnlineEndpoints('diabetes-dev')).items.length, 0, 'the test endpoint was deleted');
    const deployment = await waitFor(() => trellis.client.getOnlineDeployment('diabetes-prod', 'diabetes-online', 'release-1'), {
      what: 'the prod deployment to settle',
      until: (body) => body.state === 'Succeeded' || body.state === 'Failed',
      timeoutMs: 20 * 60_000,
      describe: (body) => `state ${body.state} (${body.reason ?? ''})`,
    });
    assert.equal(deployment.state, 'Succeeded', `${deployment.reason}\n${trellis.output().slice(-4000)}`);
    assert.equal(deployment.lineage.model?.registry, 'shared');
    const invoked = await shell(
      'trellis -w diabetes-prod online-endpoint invoke --name diabetes-online --request-file deploy/online/sample-request.json',
      folder,
      env,
    );
    assert.equal(invoked.code, 0, invoked.output);
    // The step's shell merges stdout and stderr: the answer is the line the CLI printed it on.
    const line = invoked.output.split('\n').find((text) => text.startsWith('[') || text.startsWith('"')) ?? invoked.output;
    const answer = JSON.parse(line) as unknown;
    const predictions = typeof answer === 'string' ? (JSON.parse(answer) as unknown) : answer;
    assert.ok(Array.isArray(predictions) && predictions.length > 0 && predictions.every(Number.isFinite), invoked.output);

    // A rerun that changes nothing reuses every step, and promotes nothing: production already has that version.
    const second = { ...env, PIPELINE_RUN: `diabetes-${Date.now()}` };
    await runSteps(['train', 'compare'], second);
    assert.match(await readFile(join(folder, 'compare.env'), 'utf8'), /^PROMOTE=false\nMODEL_NAME=diabetes-model\nMODEL_VERSION=1\n$/);

    // The next release (a commit that lowers the quality gate): evaluate and register run again, and version 2 goes to
    // prod as a new deployment with a staged rollout.
    const pipelineFile = join(folder, 'pipelines', 'training-pipeline.yml');
    await writeFile(pipelineFile, (await readFile(pipelineFile, 'utf8')).replace('r2_threshold: 0.3', 'r2_threshold: 0.25'));
    await runSteps(['train', 'compare', 'stress-test', 'promote'], { ...env, PIPELINE_RUN: `diabetes-${Date.now()}` });
    assert.match(await readFile(join(folder, 'compare.env'), 'utf8'), /^PROMOTE=true\nMODEL_NAME=diabetes-model\nMODEL_VERSION=2\n$/);
    const rollout = await trellis.client.getRollout('diabetes-prod', 'diabetes-online');
    assert.equal(rollout.to, 'release-2');
    assert.deepEqual(rollout.steps, [10, 50, 100]);
    const release2 = await trellis.client.getOnlineDeployment('diabetes-prod', 'diabetes-online', 'release-2');
    assert.equal(release2.lineage.model?.registry, 'shared');
    assert.equal(release2.lineage.model?.version, '2');
  });

  it('runs the batch workflow end to end: promotion deploys the batch endpoint in prod, and the nightly job invokes it', async () => {
    const { folder, env } = await runWorkflow('batch', 'nightly');
    const deployment = await trellis.client.getBatchDeployment('nightly-prod', 'nightly-batch', 'default');
    assert.equal(deployment.lineage.model?.registry, 'shared');
    const schedule = await shell('trellis -w nightly-prod schedule show --name nightly-nightly-scoring -o json', folder, env);
    assert.equal(schedule.code, 0, schedule.output);
    // What the schedule fires each night, run now: its job invokes the batch endpoint and waits for the scoring.
    const nightly = await shell('trellis -w nightly-prod job create --file deploy/batch/invoke-job.yml --stream', folder, env);
    assert.equal(nightly.code, 0, `${nightly.output}\n${trellis.output().slice(-4000)}`);
    assert.match(nightly.output, /scoring job \S+: Completed; predictions in data asset/);
    const jobs = await trellis.client.listBatchJobs('nightly-prod', 'nightly-batch');
    assert.equal(jobs.items.length, 1);
    assert.equal(jobs.items[0]?.state, 'Completed');
  });
});
