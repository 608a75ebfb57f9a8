import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../../../test/support/wait-for.js';
import { packFolder, unpackResults } from './attempt-archive.js';
import { fetchBundleScript, podStateFolder, resultFolders, uploadResultsScript } from './pod-transfer.js';

/**
 * The two scripts of the transfer image, run with this machine's sh, curl and tar against a small
 * HTTP server that serves and receives tars as Trellis does (same pack and unpack code).
 */

const scratch = await mkdtemp(join(tmpdir(), 'trellis-pod-transfer-'));
let counter = 0;

class TransferServer {
  bundleFolder = '';
  resultsFolder = '';
  /** Answers every request with this status instead, when set. */
  refuseWith: number | undefined;
  uploads = 0;
  private readonly server = createServer((request, response) => void this.handle(request, response));
  url = '';

  async start(): Promise<void> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.close();
    await once(this.server, 'close');
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (this.refuseWith) {
      request.resume();
      response.writeHead(this.refuseWith).end('refused');
      return;
    }
    if (request.method === 'GET' && request.url?.startsWith('/bundle.tar')) {
      response.writeHead(200, { 'content-type': 'application/x-tar' });
      packFolder(this.bundleFolder).pipe(response);
      return;
    }
    if (request.method === 'PUT' && request.url?.startsWith('/results.tar')) {
      assert.equal(request.headers['content-type'], 'application/x-tar');
      this.uploads += 1;
      const result = await unpackResults(request, this.resultsFolder, { folders: resultFolders, maxBytes: 1 << 20 });
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
      return;
    }
    response.writeHead(404).end();
  }
}

async function freshFolder(): Promise<string> {
  const folder = join(scratch, `f${counter++}`);
  await mkdir(folder, { recursive: true });
  return folder;
}

/** The pids of a process's children (Linux /proc); none once it has ended. */
function childrenOf(pid: number): number[] {
  const text = existsSync(`/proc/${pid}/task/${pid}/children`) ? readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim() : '';
  return text ? text.split(/\s+/).map(Number) : [];
}

function runSh(script: string, env: Record<string, string>) {
  const child = spawn('sh', ['-c', script], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number);
  return { child, exited, output: () => output };
}

describe('the transfer scripts of a pod', () => {
  const server = new TransferServer();
  before(() => server.start());
  after(async () => {
    await server.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it('fetch-bundle unpacks the bundle into the work folder and lets anyone write there', async () => {
    server.bundleFolder = await freshFolder();
    await mkdir(join(server.bundleFolder, 'code'));
    await writeFile(join(server.bundleFolder, 'code', 'train.py'), 'print(1)\n');
    await mkdir(join(server.bundleFolder, 'outputs', 'model'), { recursive: true });
    const work = await freshFolder();
    const run = runSh(fetchBundleScript(work), { TRELLIS_BUNDLE_URL: `${server.url}/bundle.tar?token=t` });
    assert.equal(await run.exited, 0, run.output());
    assert.equal(await readFile(join(work, 'code', 'train.py'), 'utf8'), 'print(1)\n');
    assert.equal((await stat(join(work, 'outputs', 'model'))).mode & 0o777, 0o777);
    assert.ok((await stat(join(work, podStateFolder))).isDirectory());
  });

  it('fetch-bundle fails when Trellis refuses the download', async () => {
    server.refuseWith = 403;
    try {
      const run = runSh(fetchBundleScript(await freshFolder()), { TRELLIS_BUNDLE_URL: `${server.url}/bundle.tar?token=wrong` });
      assert.notEqual(await run.exited, 0);
      assert.match(run.output(), /could not download the attempt's folder/);
    } finally {
      server.refuseWith = undefined;
    }
  });

  /** A pod's work folder after its processes ran. */
  async function podWork(): Promise<string> {
    const work = await freshFolder();
    for (const [path, content] of Object.entries({
      'user_logs/std_log.txt': 'hello\n',
      'outputs/model/w.txt': 'w\n',
      'checkpoints/step.txt': '5\n',
      'code/outputs/s.txt': 's\n',
      'code/train.py': 'x',
      'inputs/data.csv': 'd',
    })) {
      await mkdir(join(work, path, '..'), { recursive: true });
      await writeFile(join(work, path), content);
    }
    await mkdir(join(work, podStateFolder));
    return work;
  }

  it('upload-results waits through a TERM for exit_code, then sends the four folders', async () => {
    const work = await podWork();
    server.resultsFolder = await freshFolder();
    const uploadsBefore = server.uploads;
    const run = runSh(uploadResultsScript(work), { TRELLIS_RESULTS_URL: `${server.url}/results.tar?token=t` });
    await writeFile(join(work, podStateFolder, 'alive'), '1\n');
    // The trap is set once the script runs its wait loop, which starts a child (`sleep 1`, `$(cat ...)`).
    const before = await waitFor(() => childrenOf(run.child.pid!)[0], {
      what: 'the script to enter its wait loop',
      timeoutMs: 10_000,
      intervalMs: 20,
    });
    run.child.kill('SIGTERM');
    // The trap runs once the current child ends; a later child shows the loop went on after it.
    await waitFor(() => run.output().includes('TERM received'), { what: 'the TERM trap to run', timeoutMs: 10_000, intervalMs: 20 });
    await waitFor(() => childrenOf(run.child.pid!).find((pid) => pid !== before), {
      what: 'the script to go on waiting after the TERM',
      timeoutMs: 10_000,
      intervalMs: 20,
    });
    // Still waiting: the main container has not said its processes ended.
    assert.equal(run.child.exitCode, null);
    assert.equal(server.uploads, uploadsBefore);
    await writeFile(join(work, podStateFolder, 'exit_code'), '0\n');
    assert.equal(await run.exited, 0, run.output());
    assert.match(run.output(), /TERM received/);
    assert.match(run.output(), /"files":4/);
    assert.deepEqual((await readdir(server.resultsFolder)).sort(), ['checkpoints', 'code', 'outputs', 'user_logs']);
    assert.deepEqual(await readdir(join(server.resultsFolder, 'code')), ['outputs']);
    assert.equal(await readFile(join(server.resultsFolder, 'checkpoints', 'step.txt'), 'utf8'), '5\n');
  });

  it('upload-results sends what there is when the heartbeat stops without an exit code', async () => {
    const work = await podWork();
    server.resultsFolder = await freshFolder();
    await writeFile(join(work, podStateFolder, 'alive'), '7\n');
    const run = runSh(uploadResultsScript(work, 2), { TRELLIS_RESULTS_URL: `${server.url}/results.tar?token=t` });
    assert.equal(await run.exited, 0, run.output());
    assert.match(run.output(), /stopped without an exit code/);
    assert.equal(await readFile(join(server.resultsFolder, 'user_logs', 'std_log.txt'), 'utf8'), 'hello\n');
  });
});
