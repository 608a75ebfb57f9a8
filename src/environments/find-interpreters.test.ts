import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findInterpreters, type SkippedInterpreter } from './find-interpreters.js';

describe('findInterpreters', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trellis-find-python-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds the Pythons of this machine, each once, with a full version', async () => {
    const found = await findInterpreters();
    assert.ok(found.length > 0, 'this machine should have a python3 with venv');
    for (const interpreter of found) assert.match(interpreter.version, /^3\.\d+\.\d+$/);
    assert.equal(new Set(found.map((interpreter) => interpreter.path)).size, found.length);
  });

  it('lists TRELLIS_PYTHON first, drops a second name for the same executable, and skips what cannot make a venv', async () => {
    const [system] = await findInterpreters();
    assert.ok(system);
    const bin = join(dir, 'bin');
    await mkdir(bin);
    await symlink(system.path, join(bin, 'python3'));
    await symlink(system.path, join(bin, 'python3.99'));
    const broken = join(bin, 'python3.7');
    await writeFile(broken, '#!/bin/sh\necho "no venv here" >&2\nexit 1\n');
    await chmod(broken, 0o755);
    const skipped: SkippedInterpreter[] = [];
    const found = await findInterpreters({
      env: { PATH: bin, TRELLIS_PYTHON: join(bin, 'python3'), HOME: dir },
      onSkip: (entry) => skipped.push(entry),
    });
    assert.equal(found.length, 1);
    assert.equal(found[0]?.version, system.version);
    assert.deepEqual(skipped, [{ path: broken, reason: 'no venv here' }]);
  });
});
