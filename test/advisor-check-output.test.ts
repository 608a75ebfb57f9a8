import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resourceFile } from '../bench/advisor.js';
import { cliPath, repositoryRoot } from './support/trellis-process.js';

/**
 * `trellis advisor check` prints the same bytes as before it was made fast (issue 18's static
 * goal): the built CLI's JSON, SARIF and table, its exit code and its messages, on 2,000 of the
 * benchmark's files and on the fixtures, compared by SHA-256 with what the CLI of commit 62534e1
 * (before the speed-ups) printed for the same files. A change meant to alter the output updates
 * these digests, and says so in its commit.
 */

interface Printed {
  code: number;
  stdout: string;
  stderr: string;
}

const digest = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The CLI's exit code and the digests of what it printed (node's process ids left out of its warnings). */
function check(args: string[], cwd: string): Promise<Printed> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, 'advisor', 'check', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.once('error', reject);
    child.once('close', (code) =>
      resolve({
        code: code ?? -1,
        stdout: digest(Buffer.concat(stdout)),
        stderr: digest(
          Buffer.from(
            Buffer.concat(stderr)
              .toString('utf8')
              .replace(/\(node:\d+\)/g, '(node)'),
          ),
        ),
      }),
    );
  });
}

const empty = digest(Buffer.alloc(0));

describe('trellis advisor check prints what it printed before it was made fast', () => {
  let folder: string;
  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'trellis-advisor-output-'));
    await mkdir(join(folder, 'conda'), { recursive: true });
    await writeFile(
      join(folder, 'conda', 'env.yml'),
      'name: train\ndependencies:\n  - python=3.11\n  - pip:\n    - numpy==1.26.4\n    - pandas\n',
    );
    for (let index = 0; index < 2000; index += 1) {
      const file = resourceFile(index);
      await mkdir(dirname(join(folder, file.path)), { recursive: true });
      await writeFile(join(folder, file.path), file.text);
    }
  });
  after(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it("on 2,000 of the benchmark's files, in each format", async () => {
    const expected: Record<string, Printed> = {
      json: { code: 1, stdout: '105e87e1cc49b2a23c89423259881d726737407947e81cd4d0257d46da52707e', stderr: empty },
      sarif: { code: 1, stdout: 'f7a1b0d09199caf75b5bd3ecd1f9bf14e7f771ad5f4cdae49509568677325803', stderr: empty },
      table: { code: 1, stdout: '12087f42758b95bd7e4edfbeda09f0ca5739c4f561e11611c7586a8b89dab0e2', stderr: empty },
    };
    for (const [format, printed] of Object.entries(expected))
      assert.deepEqual(await check(['-f', '.', '--format', format, '--fail-on', 'low'], folder), printed, format);
  });

  it('the same when standard output is a file, as `> report.json` makes it (written straight to it)', async () => {
    // Beside the folder, not in it (the check would read it).
    const output = `${folder}.report.json`;
    const handle = await open(output, 'w');
    try {
      const code = await new Promise<number>((resolve, reject) => {
        const child = spawn(process.execPath, [cliPath, 'advisor', 'check', '-f', '.', '--format', 'json', '--fail-on', 'low'], {
          cwd: folder,
          stdio: ['ignore', handle.fd, 'ignore'],
        });
        child.once('error', reject);
        child.once('close', (exit) => resolve(exit ?? -1));
      });
      assert.equal(code, 1);
    } finally {
      await handle.close();
    }
    const printed = await readFile(output);
    await rm(output, { force: true });
    assert.equal(digest(printed), '105e87e1cc49b2a23c89423259881d726737407947e81cd4d0257d46da52707e');
  });

  it('on the fixtures (Azure ML examples, ARM templates, invalid files), in each format', async () => {
    const targets = ['test/fixtures/azureml-examples/cli', 'test/fixtures/advisor', 'examples'];
    // The fixtures hold invalid files on purpose: exit 2, and their problems on stderr.
    const problems = '35c22ac95fb416562a26520890473eeacef4c41a40b3c15be9aebc6027954bbd';
    const expected: Record<string, Printed> = {
      json: { code: 2, stdout: '89dce8c4a8acd7e6d9d7ba7859c3a98fbbffaeae791cada0feb8e0abdcfd54e9', stderr: problems },
      sarif: { code: 2, stdout: 'c3c1d1a6f983b60a4111544bd1c1c6a81bdcb7e28d324233957ce1bf70f85d31', stderr: problems },
      table: { code: 2, stdout: 'b6498167a85b7078b9a572d9ad9934e3ec426f5701508b39948ba82342246764', stderr: problems },
    };
    for (const [format, printed] of Object.entries(expected))
      assert.deepEqual(await check(['-f', ...targets, '--format', format], repositoryRoot), printed, format);
  });
});
