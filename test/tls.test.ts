import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Agent } from 'undici';
import { skipWithoutPython, testPython } from './fixtures/serving/helpers.js';
import { finished, waitForJob } from './support/jobs.js';
import { runPython } from './support/python.js';
import { removeHome, repositoryRoot, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';

const run = promisify(execFile);

/**
 * A certificate authority and a server certificate it signed for 127.0.0.1 and localhost, made
 * with openssl as an operator would; a second key that matches neither. Returns the file paths.
 */
async function makeCertificates(dir: string) {
  const files = {
    ca: join(dir, 'ca.pem'),
    caKey: join(dir, 'ca.key'),
    cert: join(dir, 'server.pem'),
    key: join(dir, 'server.key'),
    request: join(dir, 'server.csr'),
    extensions: join(dir, 'server.ext'),
    otherKey: join(dir, 'other.key'),
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  await run('openssl', ['req', '-x509', ...ec, '-keyout', files.caKey, '-out', files.ca, '-days', '2', '-subj', '/CN=Trellis test CA']);
  await run('openssl', ['req', ...ec, '-keyout', files.key, '-out', files.request, '-subj', '/CN=127.0.0.1']);
  // Strict verifiers (Python 3.13's default, browsers) want a leaf that says what it is for.
  await writeFile(
    files.extensions,
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      'authorityKeyIdentifier=keyid',
      '',
    ].join('\n'),
  );
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    files.request,
    '-CA',
    files.ca,
    '-CAkey',
    files.caKey,
    '-CAcreateserial',
    '-out',
    files.cert,
    '-days',
    '2',
    '-extfile',
    files.extensions,
  ]);
  await run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', files.otherKey]);
  return files;
}

/** The code Node gives a failed fetch (the cause's), e.g. UNABLE_TO_VERIFY_LEAF_SIGNATURE. */
async function failureCode(request: Promise<Response>): Promise<string> {
  const error = await request.then(
    (response) => assert.fail(`expected the request to fail, got ${response.status}`),
    (failure: unknown) => failure,
  );
  return String((error as { cause?: { code?: string } }).cause?.code);
}

const mlflowOverTls = `
import mlflow
from mlflow import MlflowClient

mlflow.set_experiment("over-tls")
with mlflow.start_run() as run:
    mlflow.log_metric("loss", 0.25)
metrics = MlflowClient().get_run(run.info.run_id).data.metrics
assert metrics == {"loss": 0.25}, metrics
print("LOGGED OVER TLS", flush=True)
`;

/** What a job runs: logs to its run with the MLflow client, trusting only what the server's variables name. */
const mlflowInJob = `
import os
import mlflow

assert os.environ["MLFLOW_TRACKING_URI"].startswith("https://"), os.environ["MLFLOW_TRACKING_URI"]
print("trusting " + os.environ["MLFLOW_TRACKING_SERVER_CERT_PATH"], flush=True)
with mlflow.start_run():
    mlflow.log_metric("over_tls", 1.5)
`;

describe('HTTPS: trellis up --tls-cert --tls-key, and clients that verify the certificate', () => {
  let dir: string;
  let files: Awaited<ReturnType<typeof makeCertificates>>;
  let trellis: TrellisProcess;
  let trusting: Agent;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trellis-tls-'));
    files = await makeCertificates(dir);
    trusting = new Agent({ connect: { ca: await readFile(files.ca, 'utf8') } });
    // Through the environment here; the flags are checked by the start-error test below.
    trellis = await startTrellis({
      env: {
        TRELLIS_TLS_CERT: files.cert,
        TRELLIS_TLS_KEY: files.key,
        // The server's ca_file: jobs and deployments are told to trust it.
        TRELLIS_CA_FILE: files.ca,
        // Built virtualenvs are kept across runs (shared with the other job tests).
        TRELLIS_ENV_CACHE: join(repositoryRoot, '.cache', 'environments'),
        TRELLIS_JOB_TICK_MS: '200',
      },
      caFile: files.ca,
    });
  });
  after(async () => {
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
    await trusting?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('prints an https URL and serves it to a client that trusts the CA, with HSTS', async () => {
    assert.match(trellis.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.match(trellis.output(), /studio: +https:\/\//);
    const ready = await fetch(`${trellis.url}/readyz`, { dispatcher: trusting });
    assert.equal(ready.status, 200, await ready.text());
    assert.match(ready.headers.get('strict-transport-security') ?? '', /^max-age=\d+/);
    // The test's TrellisClient trusts the CA too (startTrellis caFile).
    assert.ok((await trellis.client.listWorkspaces()).items.some((workspace) => workspace.name === 'default'));
  });

  it('is refused by a client that does not trust the CA, and does not speak plain HTTP on its port', async () => {
    assert.equal(await failureCode(fetch(`${trellis.url}/readyz`)), 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    const plain = await failureCode(fetch(`${trellis.url.replace('https:', 'http:')}/readyz`));
    assert.match(plain, /^(UND_ERR_SOCKET|ECONNRESET)$/);
  });

  it('serves the CLI that trusts the CA by --ca-file or TRELLIS_CA_FILE; without it the CLI says to give --ca-file', async () => {
    const byFlag = await runCli(['--ca-file', files.ca, 'workspace', 'list'], { url: trellis.url });
    assert.equal(byFlag.code, 0, byFlag.stderr);
    assert.match(byFlag.stdout, /^default +workspace/m);
    const byEnv = await runCli(['workspace', 'list', '-o', 'tsv', '--query', '[].name'], {
      url: trellis.url,
      env: { TRELLIS_CA_FILE: files.ca },
    });
    assert.equal(byEnv.code, 0, byEnv.stderr);
    assert.match(byEnv.stdout, /^default$/m);

    const untrusted = await runCli(['workspace', 'list'], { url: trellis.url, env: { TRELLIS_CA_FILE: '' } });
    assert.equal(untrusted.code, 3, untrusted.stderr);
    assert.match(untrusted.stderr, /certificate of https:\/\/127\.0\.0\.1:\d+ is not trusted .*--ca-file/);
    const wrongCa = await runCli(['--ca-file', files.cert, 'workspace', 'list'], { url: trellis.url });
    assert.match(wrongCa.stderr, /not signed by an authority in --ca-file/);
    const missing = await runCli(['--ca-file', join(dir, 'no-such.pem'), 'workspace', 'list'], { url: trellis.url });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /--ca-file .*no-such\.pem could not be read/);
  });

  it('serves the real MLflow Python client that trusts the CA by MLFLOW_TRACKING_SERVER_CERT_PATH', {
    skip: skipWithoutPython(),
  }, async () => {
    const script = join(dir, 'mlflow_over_tls.py');
    await writeFile(script, mlflowOverTls);
    // run-tests.mjs names the suite's Python only when an MLflow test file runs; it is the same venv.
    process.env.TRELLIS_TEST_PYTHON ??= testPython();
    const trusted = await runPython(script, { MLFLOW_TRACKING_URI: trellis.url, MLFLOW_TRACKING_SERVER_CERT_PATH: files.ca });
    assert.equal(trusted.code, 0, trusted.output);
    assert.match(trusted.output, /LOGGED OVER TLS/);
    // Left out, not set empty: MLflow passes an empty path to requests as verify='', which turns verification off.
    const untrusted = await runPython(script, { MLFLOW_TRACKING_URI: trellis.url });
    assert.notEqual(untrusted.code, 0, untrusted.output);
    assert.match(untrusted.output, /CERTIFICATE_VERIFY_FAILED/);
  });

  it('tells its jobs which authority to trust: MLflow in a job logs to its run over HTTPS', { timeout: 900_000 }, async () => {
    const folder = join(dir, 'job');
    await mkdir(join(folder, 'src'), { recursive: true });
    await writeFile(join(folder, 'src', 'log_over_tls.py'), mlflowInJob);
    await writeFile(
      join(folder, 'job.yml'),
      'code: src\ncommand: python log_over_tls.py\nenvironment: azureml:trellis-python-sklearn@latest\nexperiment_name: tls-jobs\n',
    );
    const submitted = await runCli(['--ca-file', files.ca, 'job', 'create', '--file', join(folder, 'job.yml'), '-o', 'json'], {
      url: trellis.url,
    });
    assert.equal(submitted.code, 0, submitted.stderr);
    const name = (JSON.parse(submitted.stdout) as { name: string }).name;
    const job = await waitForJob(trellis.client, name, finished, 850_000);
    const log = await (await fetch(`${trellis.url}/api/v1/workspaces/default/jobs/${name}/logs`, { dispatcher: trusting })).text();
    assert.equal(job.state, 'Completed', `${job.reason}\n${log}`);
    assert.ok(log.includes(`trusting ${files.ca}`), log);
    const run = (await (await fetch(`${trellis.url}/api/2.0/mlflow/runs/get?run_id=${job.runId}`, { dispatcher: trusting })).json()) as {
      run: { data: { metrics: Array<{ key: string; value: number }> } };
    };
    assert.deepEqual(
      run.run.data.metrics.filter((metric) => metric.key === 'over_tls').map((metric) => metric.value),
      [1.5],
    );
  });

  it('refuses to start with a certificate it cannot read or a key that does not match, naming the flag', { timeout: 60_000 }, async () => {
    const home = join(dir, 'refused-home');
    const up = (tlsCert: string, tlsKey: string) =>
      runCli(['up', '--tls-cert', tlsCert, '--tls-key', tlsKey], { env: { TRELLIS_HOME: home, TRELLIS_PORT: '0' } });
    const missing = await up(join(dir, 'no-such.pem'), files.key);
    assert.equal(missing.code, 1, missing.stdout);
    assert.match(missing.stderr, /--tls-cert \(TRELLIS_TLS_CERT\) .*no-such\.pem could not be read/);
    const mismatched = await up(files.cert, files.otherKey);
    assert.equal(mismatched.code, 1, mismatched.stdout);
    assert.match(
      mismatched.stderr,
      /--tls-key \(TRELLIS_TLS_KEY\) .*other\.key does not match --tls-cert \(TRELLIS_TLS_CERT\) .*server\.pem/,
    );
    const swapped = await up(files.key, files.cert);
    assert.match(swapped.stderr, /--tls-cert \(TRELLIS_TLS_CERT\) .*server\.key is not a PEM certificate chain/);
  });
});
