import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApiError } from '../client/api-error.js';
import { refuseLinkedPath, walkFolder } from './local-files.js';

describe('walkFolder and symbolic links', () => {
  let base: string;
  let model: string;
  const outside = () => join(base, 'outside');

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'trellis-links-'));
    model = join(base, 'model');
    await mkdir(join(model, 'weights'), { recursive: true });
    await mkdir(outside(), { recursive: true });
    await writeFile(join(model, 'model.pkl'), 'pickle');
    await writeFile(join(model, 'weights', 'w.bin'), 'weights');
    await writeFile(join(outside(), 'secret.txt'), 'secret');
  });

  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  async function withLinks(links: Record<string, string>, check: () => Promise<void>): Promise<void> {
    for (const [name, target] of Object.entries(links)) await symlink(target, join(model, name));
    try {
      await check();
    } finally {
      for (const name of Object.keys(links)) await rm(join(model, name), { force: true });
    }
  }

  it('follows links to files and folders inside the folder, reading the real file', async () => {
    await withLinks({ 'alias.pkl': 'model.pkl', 'more-weights': 'weights', 'via-dotdot.pkl': '../model/model.pkl' }, async () => {
      const { files, skipped } = await walkFolder(model);
      assert.deepEqual(
        files.map((file) => file.path),
        ['alias.pkl', 'model.pkl', 'more-weights/w.bin', 'via-dotdot.pkl', 'weights/w.bin'],
      );
      assert.equal(files.find((file) => file.path === 'alias.pkl')?.absolutePath, join(model, 'model.pkl'));
      assert.deepEqual(skipped, []);
    });
  });

  it('refuses a link that leaves the folder, naming the link and its target', async () => {
    for (const target of ['/etc/passwd', '../outside/secret.txt', '../outside', 'weights/../../outside/secret.txt']) {
      await withLinks({ escape: target }, async () => {
        await assert.rejects(walkFolder(model), (error: unknown) => {
          assert.ok(error instanceof ApiError);
          assert.equal(error.code, 'LinkOutsideFolder');
          assert.match(error.message, /'escape'/);
          assert.ok(error.message.includes(`'${target}'`), error.message);
          assert.match(error.message, /--skip-outside-links/);
          return true;
        });
      });
    }
  });

  it('sees through chains of links that end outside', async () => {
    await withLinks({ 'hop-1': 'hop-2', 'hop-2': '../outside/secret.txt' }, async () => {
      await assert.rejects(walkFolder(model), /LinkOutsideFolder|outside the folder/);
      const { files, skipped } = await walkFolder(model, { skipOutsideLinks: true });
      assert.deepEqual(
        files.map((file) => file.path),
        ['model.pkl', 'weights/w.bin'],
      );
      assert.deepEqual(
        skipped.map((link) => [link.path, link.reason]),
        [
          ['hop-1', 'outside'],
          ['hop-2', 'outside'],
        ].sort(),
      );
    });
  });

  it('skips outside links when asked, and reports them', async () => {
    await withLinks({ passwd: '/etc/passwd' }, async () => {
      const { files, skipped } = await walkFolder(model, { skipOutsideLinks: true });
      assert.deepEqual(
        files.map((file) => file.path),
        ['model.pkl', 'weights/w.bin'],
      );
      assert.deepEqual(skipped, [{ path: 'passwd', target: '/etc/passwd', reason: 'outside' }]);
    });
  });

  it('does not loop on a link back to a folder above it, and skips dangling links', async () => {
    await withLinks({ loop: '.', dangling: 'missing.pkl' }, async () => {
      await symlink('..', join(model, 'weights', 'up'));
      try {
        const { files, skipped } = await walkFolder(model);
        assert.deepEqual(
          files.map((file) => file.path),
          ['model.pkl', 'weights/w.bin'],
        );
        assert.deepEqual(skipped.map((link) => [link.path, link.reason]).sort(), [
          ['dangling', 'dangling'],
          ['loop', 'loop'],
          ['weights/up', 'loop'],
        ]);
      } finally {
        await rm(join(model, 'weights', 'up'));
      }
    });
  });

  it('refuses a local path that is itself a link', async () => {
    await symlink('/etc/passwd', join(base, 'passwd.pkl'));
    await assert.rejects(
      refuseLinkedPath(join(base, 'passwd.pkl'), './passwd.pkl'),
      /'\.\/passwd\.pkl' is a symbolic link .*-> \/etc\/passwd/,
    );
    await refuseLinkedPath(join(model, 'model.pkl'), './model/model.pkl');
  });
});
