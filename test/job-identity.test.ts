import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ownerTokenPath } from '../src/config/owner-token-file.js';
import { TrellisClient } from '../src/client/trellis-client.js';
import { skipUnless } from './support/capabilities.js';
import { finished, waitForJob } from './support/jobs.js';
import { waitFor } from './support/wait-for.js';
import { removeHome, repositoryRoot, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';

// Built virtualenvs are kept across runs, like a machine's image cache (shared with test/jobs.test.ts).
const environmentCache = join(repositoryRoot, '.cache', 'environments');

/**
 * What the job runs: logs a metric and registers a model through MLflow with the token it was
 * given, and asks Trellis, with the same token, who it is and what it may reach. It prints the
 * answers and a hash of the token, never the token; only for this test, it also leaves the token in
 * a file of the test's own (owner-only, outside the attempt folder) so the test can try it after the end.
 */
const script = `
import hashlib, json, os, urllib.error, urllib.request
import mlflow

token = os.environ["TRELLIS_TOKEN"]
assert os.environ["MLFLOW_TRACKING_TOKEN"] == token
# The default workspace's tracking URI is the server's root.
server = os.environ["MLFLOW_TRACKING_URI"].rstrip("/")

with mlflow.start_run() as run:
    mlflow.log_metric("identity_metric", 0.75)
    mlflow.log_text("made by a job", "model/readme.txt")
client = mlflow.MlflowClient()
client.create_registered_model(os.environ["MODEL_NAME"])
client.create_model_version(os.environ["MODEL_NAME"], "runs:/" + run.info.run_id + "/model", run_id=run.info.run_id)

def call(path):
    request = urllib.request.Request(server + path, headers={"Authorization": "Bearer " + token})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, {}

whoami_status, whoami = call("/api/v1/whoami")
answers = {
    "whoami": whoami_status,
    "actor": whoami.get("actor"),
    "boundTo": whoami.get("boundTo"),
    "ownWorkspace": call("/api/v1/workspaces/default/jobs")[0],
    "otherWorkspace": call("/api/v1/workspaces/other/jobs")[0],
    "otherMlflow": call("/workspaces/other/mlflow/api/2.0/mlflow/experiments/search?max_results=1")[0],
    "serverScope": call("/api/v1/principals")[0],
    "tokenSha256": hashlib.sha256(token.encode()).hexdigest(),
}
print("identity-check " + json.dumps(answers))
fd = os.open(os.environ["TOKEN_DROP"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
with os.fdopen(fd, "w") as handle:
    handle.write(token)
`;

interface Answers {
  whoami: number;
  actor: string;
  boundTo: { workspace: string; identity: string };
  ownWorkspace: number;
  otherWorkspace: number;
  otherMlflow: number;
  serverScope: number;
  tokenSha256: string;
}

const hasSbatch = spawnSync('sh', ['-c', 'command -v sbatch'], { stdio: 'ignore' }).status === 0;
const slurmSkip = skipUnless(
  'slurm',
  !hasSbatch
    ? 'sbatch is not on PATH: install Slurm (Debian: apt-get install -y slurm-wlm munge) to run jobs on a Slurm compute'
    : process.env.TRELLIS_SLURM_UNAVAILABLE
      ? `the Slurm cluster did not start on this machine: ${process.env.TRELLIS_SLURM_UNAVAILABLE}`
      : false,
);

/** A server with local authentication off, its owner's token, and a workspace besides the default one. */
interface Setup {
  trellis: TrellisProcess;
  ownerToken: string;
  client: TrellisClient;
  scratch: string;
}

async function setUp(): Promise<Setup> {
  const trellis = await startTrellis({
    env: { TRELLIS_DISABLE_LOCAL_AUTH: 'true', TRELLIS_ENV_CACHE: environmentCache, TRELLIS_JOB_TICK_MS: '200' },
  });
  const ownerToken = (await readFile(ownerTokenPath(trellis.home), 'utf8')).trim();
  const created = await fetch(`${trellis.url}/api/v1/workspaces`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ownerToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'other' }),
  });
  assert.equal(created.status, 201, await created.text());
  const scratch = await mkdtemp(join(tmpdir(), 'trellis-job-identity-'));
  return { trellis, ownerToken, client: new TrellisClient(trellis.url, { token: ownerToken }), scratch };
}

async function tearDown(setup: Setup | undefined): Promise<void> {
  if (!setup) return;
  await setup.trellis.stop();
  await removeHome(setup.trellis.home);
  await rm(setup.scratch, { recursive: true, force: true });
}

/**
 * Runs the identity-checking job on `compute` (none: serverless, on this machine) and checks what
 * it saw and what it left: its metric in its run, its writes attributed to it acting for its
 * submitter, its workspace and nothing else within reach, and its token dead once it ended.
 * Returns the files of the data directory that hold the token (each backend says which may).
 */
async function runIdentityJob(setup: Setup, compute: string | undefined): Promise<string[]> {
  const { trellis, ownerToken, client, scratch } = setup;
  const call = (path: string, token: string) => fetch(`${trellis.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const owner = (await (await call('/api/v1/whoami', ownerToken)).json()) as { name: string; actor: string };
  const model = `made-by-a-job-on-${compute ?? 'serverless'}`;
  const jobFolder = join(scratch, `job-${compute ?? 'serverless'}`);
  await mkdir(join(jobFolder, 'src'), { recursive: true });
  await writeFile(join(jobFolder, 'src', 'identity_check.py'), script);
  const tokenDrop = join(scratch, `token-${compute ?? 'serverless'}`);
  await writeFile(
    join(jobFolder, 'job.yml'),
    [
      '$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json',
      'code: src',
      'command: python identity_check.py',
      'environment: azureml:trellis-python-sklearn@latest',
      ...(compute ? [`compute: azureml:${compute}`] : []),
      'experiment_name: identity-jobs',
      'limits:',
      '  timeout: 900',
      'environment_variables:',
      `  TOKEN_DROP: ${JSON.stringify(tokenDrop)}`,
      `  MODEL_NAME: ${model}`,
      '',
    ].join('\n'),
  );
  const submitted = await runCli(['job', 'create', '--file', join(jobFolder, 'job.yml'), '-o', 'json'], {
    url: trellis.url,
    env: { TRELLIS_TOKEN: ownerToken },
  });
  assert.equal(submitted.code, 0, submitted.stderr);
  const name = (JSON.parse(submitted.stdout) as { name: string }).name;

  const job = await waitForJob(client, name, finished);
  const log = await (await call(`/api/v1/workspaces/default/jobs/${name}/logs`, ownerToken)).text();
  assert.equal(job.state, 'Completed', `${job.reason}\n${log}\n${trellis.output()}`);

  // The metric landed in the job's run: MLflow accepted the job's token.
  const run = (await (await call(`/api/2.0/mlflow/runs/get?run_id=${job.runId}`, ownerToken)).json()) as {
    run: { data: { metrics: Array<{ key: string; value: number }> } };
  };
  assert.deepEqual(
    run.run.data.metrics.filter((metric) => metric.key === 'identity_metric').map((metric) => metric.value),
    [0.75],
  );

  // What the job saw: itself as the job acting for its submitter, its workspace and nothing else.
  const line = /identity-check (\{.*\})/.exec(log)?.[1];
  assert.ok(line, log);
  const answers = JSON.parse(line) as Answers;
  const actor = `job:${name} for ${owner.actor}`;
  assert.equal(answers.whoami, 200);
  assert.equal(answers.actor, actor);
  assert.deepEqual(answers.boundTo, { workspace: 'default', identity: `job:${name}` });
  assert.equal(answers.ownWorkspace, 200);
  assert.equal(answers.otherWorkspace, 404);
  assert.equal(answers.otherMlflow, 404);
  assert.equal(answers.serverScope, 403);

  // Its MLflow writes are attributed to the job acting for its submitter: the audit log and the model version's user.
  const audit = (await (await call('/api/v1/workspaces/default/audit', ownerToken)).json()) as {
    items: Array<{ actor: string; kind: string; name: string }>;
  };
  const registered = audit.items.filter((event) => event.kind === 'model' && event.name === model);
  assert.ok(registered.length > 0, JSON.stringify(audit.items));
  for (const event of registered) assert.equal(event.actor, actor);
  const version = (await (await call(`/api/2.0/mlflow/model-versions/get?name=${model}&version=1`, ownerToken)).json()) as {
    model_version: { user_id: string };
  };
  assert.equal(version.model_version.user_id, actor);

  // The token it had no longer works now that the job ended.
  const token = (await readFile(tokenDrop, 'utf8')).trim();
  assert.match(token, /^trls_job_/);
  assert.equal(createHash('sha256').update(token).digest('hex'), answers.tokenSha256);
  const afterEnd = await call('/api/v1/whoami', token);
  const refusal = await afterEnd.text();
  assert.equal(afterEnd.status, 401, refusal);
  assert.match(refusal, /revoked/);
  assert.ok(!log.includes(token));

  // The submitter sees the job's token among the workloads acting for them, revoked; its issue is audited, without the token.
  const workloads = (await (await call('/api/v1/tokens?workloads=true', ownerToken)).json()) as {
    items: Array<{ id: string; kind: string; identity: string | null; workspace: string | null; revokedAt: number | null }>;
  };
  const jobTokens = workloads.items.filter((item) => item.identity === `job:${name}`);
  assert.equal(jobTokens.length, 1, JSON.stringify(workloads.items));
  assert.deepEqual([jobTokens[0]!.kind, jobTokens[0]!.workspace, jobTokens[0]!.revokedAt !== null], ['job', 'default', true]);
  const issued = audit.items.filter((event) => event.kind === 'token' && event.name === jobTokens[0]!.id);
  assert.equal(issued.length, 1, JSON.stringify(audit.items.filter((event) => event.kind === 'token')));
  assert.equal(issued[0]!.actor, 'system:job-runner');
  assert.ok(!JSON.stringify(audit.items).includes(token));
  return filesHolding(trellis.home, token);
}

describe('job identities on local compute (local authentication off)', () => {
  let setup: Setup | undefined;
  before(async () => {
    setup = await setUp();
  });
  after(() => tearDown(setup));

  it("gives a job a token bound to its workspace with its submitter's rights, and revokes it when the job ends", async () => {
    // Nowhere in the server's data directory (attempt folder, logs, store) is the token in the clear.
    assert.deepEqual(await runIdentityJob(setup!, undefined), []);
  });
});

/**
 * A JavaScript scoring script that asks Trellis, with the token its deployment was given, who it is
 * and what it may reach; only for this test, it also leaves the token in a file named by its hash
 * (owner-only, in the test's own folder) so the test can try it after the version is gone.
 */
const scoringScript = `
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const token = process.env.TRELLIS_TOKEN ?? '';
const server = (process.env.MLFLOW_TRACKING_URI ?? '').replace(/\\/$/, '');
const statusOf = async (path) => (await fetch(server + path, { headers: { authorization: 'Bearer ' + token } })).status;

export function init() {}

export async function run() {
  const tokenSha256 = createHash('sha256').update(token).digest('hex');
  writeFileSync(join(process.env.TOKEN_DROP, tokenSha256), token, { mode: 0o600 });
  const whoami = await fetch(server + '/api/v1/whoami', { headers: { authorization: 'Bearer ' + token } });
  const who = whoami.ok ? await whoami.json() : {};
  return {
    sameForMlflow: process.env.MLFLOW_TRACKING_TOKEN === token,
    whoami: whoami.status,
    actor: who.actor,
    boundTo: who.boundTo,
    ownWorkspace: await statusOf('/api/v1/workspaces/default/jobs'),
    otherWorkspace: await statusOf('/api/v1/workspaces/other/jobs'),
    serverScope: await statusOf('/api/v1/principals'),
    tokenSha256,
  };
}
`;

interface ScoringAnswers {
  sameForMlflow: boolean;
  whoami: number;
  actor: string;
  boundTo: { workspace: string; identity: string };
  ownWorkspace: number;
  otherWorkspace: number;
  serverScope: number;
  tokenSha256: string;
}

describe('deployment identities (local authentication off)', () => {
  let setup: Setup | undefined;
  before(async () => {
    setup = await setUp();
  });
  after(() => tearDown(setup));

  it("gives a scoring script a token bound to its deployment's workspace, a fresh one per version, revoked when replaced or deleted", async () => {
    const { trellis, ownerToken, client, scratch } = setup!;
    const folder = join(scratch, 'deployment');
    const drop = join(scratch, 'deployment-tokens');
    await mkdir(join(folder, 'code'), { recursive: true });
    await mkdir(drop, { recursive: true });
    await writeFile(join(folder, 'code', 'score.mjs'), scoringScript);
    await writeFile(join(folder, 'endpoint.yml'), 'name: identity-endpoint\nauth_mode: key\n');
    await writeFile(
      join(folder, 'blue.yml'),
      [
        'name: blue',
        'endpoint_name: identity-endpoint',
        'model:',
        `  path: ${JSON.stringify(join(repositoryRoot, 'test', 'fixtures', 'endpoints', 'models', 'iris-onnx-v1'))}`,
        'code_configuration:',
        '  code: code',
        '  scoring_script: score.mjs',
        'environment_variables:',
        `  TOKEN_DROP: ${JSON.stringify(drop)}`,
        '  VERSION: "1"',
        'instance_type: Standard_DS3_v2',
        'instance_count: 1',
        '',
      ].join('\n'),
    );
    const cli = async (args: string[]) => {
      const result = await runCli([...args, '-o', 'json'], { url: trellis.url, cwd: folder, env: { TRELLIS_TOKEN: ownerToken } });
      assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}${result.stdout}`);
    };
    const call = (path: string, token: string) => fetch(`${trellis.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    const owner = (await (await call('/api/v1/whoami', ownerToken)).json()) as { actor: string };
    await cli(['online-endpoint', 'create', '--file', 'endpoint.yml']);
    await cli(['online-deployment', 'create', '--file', 'blue.yml', '--all-traffic']);
    const credentials = await client.endpointCredentials('default', 'identity-endpoint');
    assert.ok('primaryKey' in credentials, JSON.stringify(credentials));
    const { primaryKey } = credentials;
    const scored = async (): Promise<ScoringAnswers> => {
      const response = await fetch(`${trellis.url}/endpoints/identity-endpoint/score`, {
        method: 'POST',
        headers: { authorization: `Bearer ${primaryKey}`, 'content-type': 'application/json' },
        body: '{}',
      });
      const text = await response.text();
      assert.equal(response.status, 200, text);
      return JSON.parse(text) as ScoringAnswers;
    };
    const tokenOf = async (answers: ScoringAnswers) => (await readFile(join(drop, answers.tokenSha256), 'utf8')).trim();
    const isRevoked = async (token: string) => (await call('/api/v1/whoami', token)).status === 401;

    const first = await scored();
    assert.equal(first.sameForMlflow, true);
    assert.equal(first.whoami, 200);
    assert.equal(first.actor, `deployment:identity-endpoint/blue for ${owner.actor}`);
    assert.deepEqual(first.boundTo, { workspace: 'default', identity: 'deployment:identity-endpoint/blue' });
    assert.equal(first.ownWorkspace, 200);
    assert.equal(first.otherWorkspace, 404);
    assert.equal(first.serverScope, 403);
    const firstToken = await tokenOf(first);
    assert.match(firstToken, /^trls_dep_/);

    // A new version of the deployment gets a token of its own; the replaced version's is revoked once it no longer serves.
    await cli(['online-deployment', 'update', '--file', 'blue.yml', '--set', 'environment_variables.VERSION=2']);
    const second = await waitFor(scored, {
      what: 'the new version of blue to answer',
      until: (answers) => answers.tokenSha256 !== first.tokenSha256,
      timeoutMs: 60_000,
      describe: (answers) => `still token ${answers.tokenSha256.slice(0, 8)}`,
    });
    assert.equal(second.whoami, 200);
    await waitFor(() => isRevoked(firstToken), { what: "the replaced version's token to be revoked", until: Boolean, timeoutMs: 30_000 });
    const secondToken = await tokenOf(second);
    assert.equal(await isRevoked(secondToken), false);

    // Deleting the deployment revokes its identity.
    await cli(['online-endpoint', 'update', '--name', 'identity-endpoint', '--traffic', 'blue=0']);
    await cli(['online-deployment', 'delete', '--name', 'blue', '--endpoint-name', 'identity-endpoint', '--yes']);
    await waitFor(() => isRevoked(secondToken), {
      what: "the deleted deployment's token to be revoked",
      until: Boolean,
      timeoutMs: 30_000,
    });
    assert.deepEqual(await filesHolding(trellis.home, secondToken), []);
  });
});

describe('job identities on a Slurm compute (local authentication off)', { skip: slurmSkip }, () => {
  let setup: Setup | undefined;
  let computeFolder: string | undefined;
  before(async () => {
    console.log(execFileSync(join(repositoryRoot, 'scripts', 'slurm', 'start-cluster.sh'), { encoding: 'utf8' }).trim());
    setup = await setUp();
    computeFolder = await mkdtemp(join(tmpdir(), 'trellis-slurm-compute-'));
    const partition = execFileSync('sinfo', ['-h', '-o', '%P'], { encoding: 'utf8' })
      .split('\n')
      .find((candidate) => candidate.endsWith('*'))
      ?.slice(0, -1);
    assert.ok(partition, 'sinfo shows no default partition');
    const file = join(computeFolder, 'hpc.yml');
    await writeFile(file, `name: hpc\ntype: slurm\npartition: ${partition}\nnodes_max: 1\nlogin: local\n`);
    const created = await runCli(['compute', 'create', '--file', file], {
      url: setup.trellis.url,
      env: { TRELLIS_TOKEN: setup.ownerToken },
    });
    assert.equal(created.code, 0, created.stderr);
  });
  after(async () => {
    await tearDown(setup);
    if (computeFolder) await rm(computeFolder, { recursive: true, force: true });
  });

  it('gives the same identity to a job submitted with sbatch, through a batch script only its owner can read', async () => {
    const holders = await runIdentityJob(setup!, 'hpc');
    // The batch script exports the job's environment, the token included: it is the only file that holds it, owner-only.
    assert.deepEqual(
      holders.map((path) => basename(path)),
      ['slurm_batch.sh'],
    );
    assert.equal((await stat(holders[0]!)).mode & 0o777, 0o700);
  });
});

/** The files under `root` whose bytes contain `text`. */
async function filesHolding(root: string, text: string): Promise<string[]> {
  const found: string[] = [];
  const needle = Buffer.from(text);
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if ((await stat(path)).size > 64 * 1024 * 1024) continue;
    if ((await readFile(path)).includes(needle)) found.push(path);
  }
  return found;
}
