import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateDataKey } from './data-key-cipher.js';
import { FileKekProvider } from './file-kek.js';

describe('file KEK', () => {
  let home: string;
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'trellis-kek-'));
  });
  after(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('makes kek-1.key owner-only on first use, and wraps and unwraps with it', async () => {
    const directory = join(home, 'keys');
    const provider = new FileKekProvider(directory);
    const kek = await provider.current();
    assert.equal(kek.id, 'file:1');
    assert.deepEqual(await readdir(directory), ['kek-1.key']);
    assert.equal((await stat(directory)).mode & 0o777, 0o700);
    assert.equal((await stat(join(directory, 'kek-1.key'))).mode & 0o777, 0o600);
    assert.equal((await readFile(join(directory, 'kek-1.key'))).length, 32);
    const dataKey = generateDataKey();
    const wrapped = await kek.wrap(dataKey);
    assert.ok(!Buffer.from(wrapped, 'base64url').includes(dataKey));
    assert.deepEqual(await (await new FileKekProvider(directory).byId('file:1')).unwrap(wrapped), dataKey);
  });

  it('rotates to the next version, keeps the old one, and never overwrites a key file', async () => {
    const directory = join(home, 'keys');
    const provider = new FileKekProvider(directory);
    const old = await provider.current();
    const wrapped = await old.wrap(generateDataKey());
    const before = await readFile(join(directory, 'kek-1.key'));
    const next = await provider.rotate(old.id);
    assert.equal(next.id, 'file:2');
    assert.equal((await provider.current()).id, 'file:2');
    assert.deepEqual(await readFile(join(directory, 'kek-1.key')), before);
    assert.equal((await (await provider.byId('file:1')).unwrap(wrapped)).length, 32);
    await assert.rejects(next.unwrap(wrapped), (error: Error & { code?: string }) => error.code === 'KeyUnwrapFailed');
  });

  it('says which key file is missing', async () => {
    await assert.rejects(
      new FileKekProvider(join(home, 'keys')).byId('file:9'),
      (error: Error & { code?: string }) => error.code === 'KeyNotFound' && error.message.includes('kek-9.key'),
    );
  });

  it('refuses a key file of the wrong size', async () => {
    const directory = join(home, 'short');
    const provider = new FileKekProvider(directory);
    await provider.current();
    await writeFile(join(directory, 'kek-2.key'), Buffer.alloc(5));
    await assert.rejects(provider.byId('file:2'), (error: Error & { code?: string }) => error.code === 'KeyFileInvalid');
  });
});
