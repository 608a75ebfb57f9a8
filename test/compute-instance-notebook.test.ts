import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ownerTokenPath } from '../src/config/owner-token-file.js';
import { runNotebookCells } from './support/jupyter-kernel.js';
import { removeHome, repositoryRoot, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';
import { waitFor } from './support/wait-for.js';
import { bearerCall } from './support/bearer-call.js';

const python = process.env.TRELLIS_TEST_PYTHON;
// The instance environment (JupyterLab plus the sklearn stack) and the pipeline's are built once into the shared cache.
const environmentCache = join(repositoryRoot, '.cache', 'environments');
const project = 'diabetes';
const workspace = `${project}-dev`;
const notebookPath = 'notebooks/ada/explore-and-train.ipynb';

interface NotebookFile {
  cells: Array<{ cell_type: string; execution_count?: number | null; outputs?: Array<{ output_type: string }> }>;
}

/**
 * Every file under `folder`, relative to it, folders before what they hold; hidden ones (.cloud,
 * .github) left out, as Jupyter's file browser hides them and the contents API refuses them.
 */
async function filesUnder(folder: string): Promise<Array<{ path: string; isDirectory: boolean }>> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries
    .map((entry) => ({ path: relative(folder, join(entry.parentPath, entry.name)), isDirectory: entry.isDirectory() }))
    .filter((entry) => !entry.path.split('/').some((part) => part.startsWith('.')))
    .sort((left, right) => left.path.localeCompare(right.path));
}

/**
 * The notebook `trellis init` writes, run unchanged on a compute instance as its user would: the
 * project uploaded into the instance's file area through Jupyter's contents API (through Trellis's
 * proxy), then executed headless by nbclient on the instance itself — `NotebookClient` starts the
 * notebook's kernel there, in the notebook's folder, with the instance's environment (the sklearn
 * stack, MLflow and the `trellis` CLI pre-configured for the workspace). The notebook logs its run
 * to the dev workspace's MLflow and submits the project's pipeline, which registers the model.
 */
describe('the generated notebook on a compute instance', {
  skip: python ? false : 'TRELLIS_TEST_PYTHON is not set',
  timeout: 15 * 60_000,
}, () => {
  let trellis: TrellisProcess;
  let scratch: string;
  let folder: string;
  let owner: string;
  let ada: string;

  const call = (method: string, path: string, token: string | undefined, body?: unknown) =>
    bearerCall(trellis.url, method, path, token, body);
  const cli = async (args: string[], token: string) => {
    const result = await runCli(args, { url: trellis.url, cwd: folder, env: { TRELLIS_TOKEN: token } });
    assert.equal(result.code, 0, `trellis ${args.join(' ')}: ${result.stderr}${result.stdout}`);
    return result.stdout;
  };

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'trellis-instance-notebook-'));
    folder = join(scratch, project);
    trellis = await startTrellis({
      env: {
        TRELLIS_DISABLE_LOCAL_AUTH: 'true',
        TRELLIS_ENV_CACHE: environmentCache,
        TRELLIS_COMPUTE_INSTANCE_TICK_MS: '500',
        TRELLIS_JOB_TICK_MS: '200',
      },
    });
    owner = (await readFile(ownerTokenPath(trellis.home), 'utf8')).trim();
  });

  after(async () => {
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('inits a classical project and applies its .cloud to dev; an instance there runs for its data scientist', async () => {
    const init = await runCli(['init', '--template', 'classical', '--user', 'ada', folder]);
    assert.equal(init.code, 0, init.stderr);
    // As the project's CI does (apply-dev), with the platform team's owner token.
    await cli(['apply', '-f', '.cloud/env/dev/workspace.yml'], owner);
    await cli(['-w', workspace, 'apply', '-f', '.cloud/env/dev/compute.yml'], owner);
    await cli(['-w', workspace, 'apply', '-f', '.cloud/common'], owner);

    // Ada: a service principal (the owner can make its token; a user's comes from OpenID Connect) with AzureML Data Scientist in dev.
    assert.equal((await call('POST', '/api/v1/principals', owner, { name: 'ada', kind: 'servicePrincipal' })).status, 201);
    const role = await call('POST', '/api/v1/role-assignments', owner, {
      role: 'AzureML Data Scientist',
      assignee: 'ada',
      scope: `/workspaces/${workspace}`,
    });
    assert.equal(role.status, 201, role.text);
    const token = await call('POST', '/api/v1/tokens', owner, { name: 'test', principal: 'ada' });
    assert.equal(token.status, 201, token.text);
    ada = String(token.json.token);

    // The platform team makes Ada's instance (a Data Scientist may not create computes, as on Azure).
    const instanceFile = join(scratch, 'ada-instance.yml');
    await writeFile(
      instanceFile,
      'name: ada-instance\ntype: computeinstance\nsize: STANDARD_DS3_v2\ncreate_on_behalf_of:\n  user_object_id: ada\n',
    );
    await cli(['-w', workspace, 'compute', 'create', '--file', instanceFile], owner);
    const running = await waitFor(() => call('GET', `/api/v1/workspaces/${workspace}/computes/ada-instance/instance`, ada), {
      what: 'ada-instance Running',
      until: (view) => view.json.state === 'Running' || view.json.state === 'Failed',
      timeoutMs: 10 * 60_000,
      intervalMs: 500,
    });
    assert.equal(running.json.state, 'Running', running.text);
    assert.equal(running.json.assignedUser, 'ada');
  });

  it('runs the notebook unchanged, headless with nbclient on the instance: MLflow run, pipeline, registered model', async () => {
    const lab = `${trellis.url}/compute-instances/${workspace}/ada-instance/lab/`;
    const headers = { authorization: `Bearer ${ada}`, 'content-type': 'application/json' };
    // The project's files, uploaded as a user drops them into JupyterLab's file browser.
    for (const entry of await filesUnder(folder)) {
      const bytes = entry.isDirectory ? undefined : await readFile(join(folder, entry.path));
      const text = bytes === undefined ? undefined : decodeUtf8(bytes);
      const body = entry.isDirectory
        ? { type: 'directory' }
        : text !== undefined
          ? { type: 'file', format: 'text', content: text }
          : { type: 'file', format: 'base64', content: bytes?.toString('base64') };
      const uploaded = await fetch(`${lab}api/contents/${entry.path}`, { method: 'PUT', headers, body: JSON.stringify(body) });
      assert.ok(uploaded.status === 200 || uploaded.status === 201, `${entry.path}: ${uploaded.status} ${await uploaded.text()}`);
    }

    // nbclient, on the instance: one kernel runs the runner, which starts the notebook's own kernel in its folder.
    const started = Date.now();
    const runner = [
      'import nbformat, os, subprocess\n',
      'from nbclient import NotebookClient\n',
      `path = ${JSON.stringify(notebookPath)}\n`,
      "print('trellis is', subprocess.run(['which', 'trellis'], capture_output=True, text=True).stdout.strip())\n",
      'notebook = nbformat.read(path, as_version=4)\n',
      "client = NotebookClient(notebook, timeout=600, kernel_name='python3', resources={'metadata': {'path': os.path.dirname(path)}})\n",
      'try:\n',
      '    client.execute()\n',
      'finally:\n',
      '    nbformat.write(notebook, path)\n',
      "print('EXECUTED')\n",
    ];
    const result = await runNotebookCells(
      lab,
      { authorization: `Bearer ${ada}` },
      { cells: [{ cell_type: 'code', source: runner }] },
      {
        cellTimeoutMs: 10 * 60_000,
      },
    );
    const printed = result.outputs.join('');
    assert.deepEqual(result.errors, [], `${printed}\n${trellis.output().slice(-3000)}`);
    assert.match(printed, /EXECUTED/);
    assert.match(printed, /trellis is .*\/compute-instances\/diabetes-dev\/ada-instance\/bin\/trellis/);
    process.stdout.write(`# the notebook ran in ${Math.round((Date.now() - started) / 1000)} s\n`);

    // The executed notebook, as saved on the instance: every code cell ran, none has an error output.
    const saved = await fetch(`${lab}api/contents/${notebookPath}?content=1`, { headers });
    const executed = ((await saved.json()) as { content: NotebookFile }).content;
    const codeCells = executed.cells.filter((cell) => cell.cell_type === 'code');
    assert.equal(codeCells.length, 4);
    assert.deepEqual(
      codeCells.map((cell) => cell.execution_count),
      [1, 2, 3, 4],
    );
    assert.ok(codeCells.every((cell) => (cell.outputs ?? []).every((output) => output.output_type !== 'error')));

    // The notebook's MLflow run, in the dev workspace, as Ada.
    const mlflow = `/workspaces/${workspace}/mlflow/api/2.0/mlflow`;
    const experiment = await call('GET', `${mlflow}/experiments/get-by-name?experiment_name=${project}-notebook-ada`, owner);
    assert.equal(experiment.status, 200, experiment.text);
    const experimentId = (experiment.json.experiment as { experiment_id: string }).experiment_id;
    const runs = await call('POST', `${mlflow}/runs/search`, owner, {
      experiment_ids: [experimentId],
      filter: "attributes.run_name = 'notebook-ridge'",
    });
    assert.equal(runs.status, 200, runs.text);
    const [run] = (runs.json.runs ?? []) as Array<{ info: { status: string }; data: { metrics: Array<{ key: string; value: number }> } }>;
    assert.ok(run, runs.text);
    assert.equal(run.info.status, 'FINISHED');
    const metrics = Object.fromEntries(run.data.metrics.map(({ key, value }) => [key, value]));
    assert.ok((metrics.test_r2 ?? 0) > 0.3, JSON.stringify(metrics));
    assert.ok((metrics.test_rmse ?? 0) > 0, JSON.stringify(metrics));

    // The pipeline it submitted completed (its --stream waited for it) and registered the model, with lineage to its train job.
    const jobs = await call('GET', `/api/v1/workspaces/${workspace}/jobs`, owner);
    const steps = (jobs.json.items ?? []) as Array<{ name: string; tags: Record<string, string>; createdBy: string; runId: string }>;
    const trainStep = steps.find((job) => job.tags['trellis.step'] === 'train');
    assert.ok(trainStep, jobs.text);
    assert.equal(trainStep.createdBy, 'computeinstance:ada-instance for servicePrincipal:ada', 'submitted from the instance, as Ada');
    const pipelineName = trainStep.tags['trellis.pipeline'];
    const pipeline = await call('GET', `/api/v1/workspaces/${workspace}/pipeline-jobs/${pipelineName}`, owner);
    assert.equal(pipeline.json.state, 'Completed', pipeline.text);
    const model = await call('GET', `/api/v1/workspaces/${workspace}/models/${project}-model/versions/1`, owner);
    assert.equal(model.status, 200, model.text);
    const lineage = (model.json.status as { lineage: { job?: string; run?: { id: string } } }).lineage;
    assert.equal(lineage.job, trainStep.name, 'the version leads to the job that trained it');
    assert.equal(lineage.run?.id, trainStep.runId);
  });
});

/** The text of `bytes` when they are UTF-8, else undefined (uploaded as base64). */
function decodeUtf8(bytes: Buffer): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}
