import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { isTrellisError } from '../core/errors.js';
import { acquireBuildLock } from './build-lock.js';
import { waitFor } from '../../test/support/wait-for.js';

const logger = pino({ level: 'silent' });

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('acquireBuildLock', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trellis-lock-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lets one holder in at a time; the next gets it after release', async () => {
    const lockDir = join(dir, 'one.lock');
    const first = await acquireBuildLock(lockDir, { logger });
    assert.equal(first.owner.pid, process.pid);
    let waited = false;
    const second = acquireBuildLock(lockDir, { logger, pollMs: 10, onWait: (owner) => (waited = owner?.token === first.owner.token) });
    await waitFor(() => waited, { what: 'the second acquirer to wait on the first owner', timeoutMs: 5_000, intervalMs: 10 });
    await first.release();
    const lock = await second;
    assert.notEqual(lock.owner.token, first.owner.token);
    await lock.release();
    assert.equal(existsSync(lockDir), false);
  });

  it('takes over a lock whose owner died on this machine', async () => {
    const lockDir = join(dir, 'stale.lock');
    await mkdir(lockDir);
    await writeFile(
      join(lockDir, 'owner.json'),
      JSON.stringify({ pid: deadPid(), hostname: hostname(), token: 'dead', startedAt: '2020-01-01T00:00:00Z' }),
    );
    const lock = await acquireBuildLock(lockDir, { logger, pollMs: 10, timeoutMs: 2000 });
    assert.equal(lock.owner.pid, process.pid);
    await lock.release();
  });

  it("waits for another host's lock and says who holds it when it gives up", async () => {
    const lockDir = join(dir, 'remote.lock');
    await mkdir(lockDir);
    await writeFile(
      join(lockDir, 'owner.json'),
      JSON.stringify({ pid: deadPid(), hostname: 'other-host', token: 't', startedAt: '2020-01-01T00:00:00Z' }),
    );
    await assert.rejects(
      acquireBuildLock(lockDir, { logger, pollMs: 10, timeoutMs: 50 }),
      (error: unknown) => isTrellisError(error) && error.code === 'EnvironmentBuildLocked' && /other-host/.test(error.message),
    );
  });
});
