import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { pack as tarPack, type Header } from 'tar-stream';
import { isTrellisError } from '../../core/errors.js';
import { packFolder, unpackResults } from './attempt-archive.js';
import { resultFolders } from './pod-transfer.js';

const scratch = await mkdtemp(join(tmpdir(), 'trellis-archive-'));
after(() => rm(scratch, { recursive: true, force: true }));
let folders = 0;

/** A fresh folder holding `files` (relative path → content). */
async function folderWith(files: Record<string, string>): Promise<string> {
  const root = join(scratch, `folder-${folders++}`);
  await mkdir(root, { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  return root;
}

/** Every file and folder under `root` with its content ('/' for folders, '-> target' for links). */
async function tree(root: string, prefix = ''): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  for (const entry of (await readdir(join(root, prefix), { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isSymbolicLink()) found[path] = `-> ${await readlink(join(root, path))}`;
    else if (entry.isDirectory()) Object.assign(found, { [path]: '/' }, await tree(root, path));
    else found[path] = await readFile(join(root, path), 'utf8');
  }
  return found;
}

/** A tar archive of exactly these entries, made with tar-stream (to craft what no well-behaved tar writes). */
async function craft(entries: Array<Partial<Header> & { name: string; content?: string }>): Promise<Readable> {
  const pack = tarPack();
  for (const { content, ...header } of entries) pack.entry({ type: 'file', ...header }, content ?? '');
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(Buffer.from(chunk as Uint8Array));
  return Readable.from([Buffer.concat(chunks)]);
}

/** `paths` of `root` as the tar of this machine (GNU tar) archives them, as the upload container does. */
function gnuTar(root: string, paths: string[]): Readable {
  return Readable.from([execFileSync('tar', ['-c', '-f', '-', ...paths], { cwd: root, maxBuffer: 64 * 1024 * 1024 })]);
}

const options = { folders: resultFolders, maxBytes: 1024 * 1024 };

describe('packFolder', () => {
  it("sends an attempt's folder as a tar of its folders and files, modes kept, links and staging left out", async () => {
    const root = await folderWith({
      'code/train.py': 'print(1)\n',
      'code/run.sh': 'echo hi\n',
      'inputs/data/a.csv': 'x\n1\n',
      'user_logs/prepare_log.txt': 'prepared\n',
    });
    await mkdir(join(root, 'outputs', 'model'), { recursive: true });
    await chmod(join(root, 'code', 'run.sh'), 0o755);
    await symlink('/etc/passwd', join(root, 'code', 'passwd'));
    await mkdir(join(root, '.results-abc'));
    await writeFile(join(root, '.results-abc', 'half.txt'), 'half');
    const chunks: Buffer[] = [];
    for await (const chunk of packFolder(root)) chunks.push(chunk as Buffer);
    const archive = Buffer.concat(chunks);

    const unpacked = join(scratch, `unpacked-${folders++}`);
    await mkdir(unpacked);
    execFileSync('tar', ['-x', '-f', '-', '-C', unpacked], { input: archive });
    assert.deepEqual(await tree(unpacked), {
      code: '/',
      'code/run.sh': 'echo hi\n',
      'code/train.py': 'print(1)\n',
      inputs: '/',
      'inputs/data': '/',
      'inputs/data/a.csv': 'x\n1\n',
      outputs: '/',
      'outputs/model': '/',
      user_logs: '/',
      'user_logs/prepare_log.txt': 'prepared\n',
    });
    assert.equal((await stat(join(unpacked, 'code', 'run.sh'))).mode & 0o111, 0o111);
  });
});

describe('unpackResults', () => {
  it("merges what a pod's tar sends into the attempt's folder, long names included", async () => {
    const attempt = await folderWith({
      'code/train.py': 'print(1)\n',
      'user_logs/prepare_log.txt': 'prepared\n',
      'checkpoints/step-1.txt': 'old\n',
    });
    const longName = `${'deep/'.repeat(30)}weights.bin`;
    const pod = await folderWith({
      'user_logs/std_log.txt': 'step 1\nstep 2\n',
      'outputs/model/model.txt': 'weights\n',
      [`outputs/model/${longName}`]: 'deep\n',
      'checkpoints/step-2.txt': 'new\n',
      'code/outputs/summary.txt': 'ok\n',
    });
    await mkdir(join(pod, 'outputs', 'empty'));
    const result = await unpackResults(gnuTar(pod, ['user_logs', 'outputs', 'checkpoints', 'code/outputs']), attempt, options);

    assert.deepEqual(result, { files: 5, bytes: 34, skipped: [] });
    const after = await tree(attempt);
    assert.equal(after['code/train.py'], 'print(1)\n');
    assert.equal(after['user_logs/prepare_log.txt'], 'prepared\n');
    assert.equal(after['user_logs/std_log.txt'], 'step 1\nstep 2\n');
    assert.equal(after['checkpoints/step-1.txt'], 'old\n');
    assert.equal(after['checkpoints/step-2.txt'], 'new\n');
    assert.equal(after['outputs/model/model.txt'], 'weights\n');
    assert.equal(after[`outputs/model/${longName}`], 'deep\n');
    assert.equal(after['outputs/empty'], '/');
    assert.equal(after['code/outputs/summary.txt'], 'ok\n');
    // Nothing is left of the staging folder.
    assert.deepEqual((await readdir(attempt)).sort(), ['checkpoints', 'code', 'outputs', 'user_logs']);

    // A retried upload writes the same files again.
    assert.deepEqual(await unpackResults(gnuTar(pod, ['user_logs']), attempt, options), { files: 1, bytes: 14, skipped: [] });
    assert.equal((await tree(attempt))['user_logs/std_log.txt'], 'step 1\nstep 2\n');
  });

  it('writes no link: links in the archive are skipped and named', async () => {
    const attempt = await folderWith({ 'user_logs/prepare_log.txt': 'prepared\n' });
    const pod = await folderWith({ 'checkpoints/step-5.pt': 'five\n' });
    await symlink('step-5.pt', join(pod, 'checkpoints', 'latest.pt'));
    await symlink('/etc/passwd', join(pod, 'checkpoints', 'passwd'));
    const result = await unpackResults(gnuTar(pod, ['checkpoints']), attempt, options);
    assert.deepEqual(result, { files: 1, bytes: 5, skipped: ['checkpoints/latest.pt (symlink)', 'checkpoints/passwd (symlink)'] });
    assert.deepEqual(await tree(join(attempt, 'checkpoints')), { 'step-5.pt': 'five\n' });
  });

  it('replaces a link in the attempt folder where a folder goes, without following it', async () => {
    const outside = await folderWith({ 'precious.txt': 'keep\n' });
    const attempt = await folderWith({ 'user_logs/prepare_log.txt': 'prepared\n' });
    await symlink(outside, join(attempt, 'outputs'));
    await unpackResults(await craft([{ name: 'outputs/precious.txt', content: 'overwritten\n' }]), attempt, options);
    assert.deepEqual(await tree(outside), { 'precious.txt': 'keep\n' });
    assert.ok((await lstat(join(attempt, 'outputs'))).isDirectory());
    assert.equal(await readFile(join(attempt, 'outputs', 'precious.txt'), 'utf8'), 'overwritten\n');
  });

  for (const [what, entries, code, status] of [
    [
      "a '..' path",
      [
        { name: 'user_logs/ok.txt', content: 'ok' },
        { name: 'outputs/../../escaped.txt', content: 'x' },
      ],
      'UnsafeArchiveEntry',
      422,
    ],
    ['an absolute path', [{ name: '/tmp/escaped.txt', content: 'x' }], 'UnsafeArchiveEntry', 422],
    [
      'a folder a pod does not send',
      [
        { name: 'user_logs/ok.txt', content: 'ok' },
        { name: 'code/train.py', content: 'import os' },
      ],
      'UnexpectedArchiveEntry',
      422,
    ],
    ['more bytes than allowed', [{ name: 'outputs/big.bin', content: 'x'.repeat(2048) }], 'ArchiveTooLarge', 413],
  ] as const) {
    it(`refuses an archive with ${what} and changes nothing`, async () => {
      const attempt = await folderWith({ 'code/train.py': 'print(1)\n', 'user_logs/prepare_log.txt': 'prepared\n' });
      const before = await tree(attempt);
      await assert.rejects(
        unpackResults(await craft([...entries]), attempt, { ...options, maxBytes: 1024 }),
        (error: unknown) => isTrellisError(error) && error.code === code && error.status === status,
      );
      assert.deepEqual(await tree(attempt), before);
      assert.equal(await stat(join(scratch, 'escaped.txt')).catch(() => 'absent'), 'absent');
    });
  }

  it('refuses what is not a tar archive', async () => {
    const attempt = await folderWith({ 'user_logs/prepare_log.txt': 'prepared\n' });
    await assert.rejects(
      unpackResults(Readable.from([Buffer.from('not a tar archive at all'.repeat(40))]), attempt, options),
      (error: unknown) => isTrellisError(error) && error.code === 'InvalidArchive' && error.status === 422,
    );
    assert.deepEqual(await readdir(attempt), ['user_logs']);
  });
});
