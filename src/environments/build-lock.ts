import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { hasCode } from '../core/error-codes.js';
import { TrellisError } from '../core/errors.js';

/** Who holds a build lock: written into the lock folder by its owner. */
export interface LockOwner {
  pid: number;
  hostname: string;
  token: string;
  startedAt: string;
}

export interface BuildLock {
  owner: LockOwner;
  /** Removes the lock, if it is still ours. */
  release(): Promise<void>;
}

export interface AcquireOptions {
  /** Called once when the lock is held by someone else and we start waiting. */
  onWait?: (owner: LockOwner | undefined) => void;
  pollMs?: number;
  /** Give up after this long (default 1 hour: a large CUDA install can take a while). */
  timeoutMs?: number;
  /** Hears a stale lock that could not be taken over cleanly (the server's logger). */
  logger: Logger;
}

// A lock folder without owner.json this old was left by a process that died right after mkdir.
const ownerlessGraceMs = 30_000;

/**
 * Takes the lock `lockDir`, waiting while another process (or another call in this one) holds
 * it. mkdir is atomic on every filesystem, including across processes, which makes it the lock;
 * the owner's pid inside lets a later builder take over from one that was killed. A pid is only
 * trusted on the machine that wrote it, so on a shared cache another host's lock is waited for.
 */
export async function acquireBuildLock(lockDir: string, options: AcquireOptions): Promise<BuildLock> {
  const pollMs = options.pollMs ?? 250;
  const deadline = Date.now() + (options.timeoutMs ?? 3_600_000);
  let waiting = false;
  for (;;) {
    const owner: LockOwner = { pid: process.pid, hostname: hostname(), token: randomUUID(), startedAt: new Date().toISOString() };
    if (await tryCreate(lockDir, owner)) return { owner, release: () => release(lockDir, owner) };
    const holder = await readOwner(lockDir);
    if (await isStale(lockDir, holder)) {
      await takeOver(lockDir, holder, options.logger);
      continue;
    }
    if (!waiting) {
      waiting = true;
      options.onWait?.(holder);
    }
    if (Date.now() > deadline) {
      throw new TrellisError(
        'EnvironmentBuildLocked',
        503,
        `another build of this environment (pid ${holder?.pid ?? 'unknown'} on ${holder?.hostname ?? 'unknown host'}) has held ${lockDir} since ${holder?.startedAt ?? 'an unknown time'}; if that process is stuck, stop it or delete the folder`,
      );
    }
    await sleep(pollMs);
  }
}

async function tryCreate(lockDir: string, owner: LockOwner): Promise<boolean> {
  try {
    await mkdir(lockDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  await writeFile(`${lockDir}/owner.json`, JSON.stringify(owner));
  return true;
}

/** The lock's owner; undefined while the lock has none yet (owner.json not written, or half-written) or is gone. */
async function readOwner(lockDir: string): Promise<LockOwner | undefined> {
  try {
    return JSON.parse(await readFile(`${lockDir}/owner.json`, 'utf8')) as LockOwner;
  } catch (error) {
    // An ownerless lock is waited for until ownerlessGraceMs has passed, then taken over: that covers
    // every reason to be here (ENOENT, a half-written file, one we may not read).
    if (error instanceof SyntaxError || (error as NodeJS.ErrnoException).code !== undefined) return undefined;
    throw error;
  }
}

async function isStale(lockDir: string, owner: LockOwner | undefined): Promise<boolean> {
  if (owner === undefined) {
    const info = await stat(lockDir).catch((error: unknown) => {
      // Gone meanwhile: not stale, just retry the mkdir. Anything else is not ours to guess about.
      if (hasCode(error, 'ENOENT', 'ENOTDIR')) return undefined;
      throw error;
    });
    return info !== undefined && Date.now() - info.mtimeMs > ownerlessGraceMs;
  }
  return owner.hostname === hostname() && !isAlive(owner.pid);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Moves a dead owner's lock aside. Two waiters may both find it stale; the rename lets only one
 * win, and a winner that finds it moved a fresh lock (another waiter took over first) puts it back.
 */
async function takeOver(lockDir: string, stale: LockOwner | undefined, logger: Logger): Promise<void> {
  const aside = `${lockDir}.stale-${process.pid}-${randomUUID()}`;
  try {
    await rename(lockDir, aside);
  } catch (error) {
    // ENOENT: another waiter moved it first. Anything else: the next round tries again (and times out, naming the lock).
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      logger.warn({ err: error, lock: lockDir }, `environments: the stale build lock ${lockDir} could not be moved aside; waiting on`);
    return;
  }
  const moved = await readOwner(aside);
  if (moved !== undefined && moved.token !== stale?.token) {
    await rename(aside, lockDir).catch((error: unknown) =>
      logger.warn(
        { err: error, lock: lockDir, aside },
        `environments: a live build lock taken over by mistake could not be put back from ${aside}; two builds of the environment may run at once`,
      ),
    );
    return;
  }
  await rm(aside, { recursive: true, force: true });
}

async function release(lockDir: string, owner: LockOwner): Promise<void> {
  const current = await readOwner(lockDir);
  if (current?.token !== owner.token) return;
  await rm(lockDir, { recursive: true, force: true });
}
