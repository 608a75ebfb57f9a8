import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { TrellisError } from '../core/errors.js';
import type { VenvPlan } from '../core/environments/plan-environment.js';
import { acquireBuildLock } from './build-lock.js';
import { openBuildLog, type BuildLog } from './build-log.js';

export interface EnsureEnvironmentOptions {
  /** Where environments are cached: `$TRELLIS_HOME/environments`, or TRELLIS_ENV_CACHE. */
  cacheRoot: string;
  /** Every build log line, as it happens (the job's log shows the build). */
  onLog?: (line: string) => void;
  /** The environment venv and pip run with; defaults to process.env, so PIP_INDEX_URL, PIP_FIND_LINKS and pip.conf apply. */
  env?: NodeJS.ProcessEnv;
  /** How long to wait for another process building the same environment (default 1 hour). */
  lockTimeoutMs?: number;
  /** Hears what a build leaves behind by accident (a stale copy not removed, a lock not put back): the server's logger. */
  logger: Logger;
}

export interface EnsuredEnvironment {
  /** The venv's python: run the job's command with binDir first on PATH, or this directly. */
  pythonPath: string;
  binDir: string;
  envDir: string;
  logPath: string;
  /** true when an earlier build (or another process, meanwhile) had already made it. */
  reused: boolean;
}

/** Written last, atomically: its presence is what "this environment is built" means. */
interface ReadyMarker {
  specHash: string;
  python: { path: string; version: string };
  pipRequirements: string[];
  builtAt: string;
}

/** How many log lines a failed build's error message carries. */
const tailLines = 20;

/**
 * Makes the virtualenv of `plan` under `<cacheRoot>/<specHash>/`, once: `python -m venv`, then
 * `pip install -r requirements.txt` (--no-compile where Python caches bytecode itself), every line going to build.log there and to onLog; ready.json
 * is written last. Later calls reuse it without running pip. Concurrent calls, in this process or
 * others, build once (a lock folder next to the env); a build that died half-way has no
 * ready.json and is made again. A failed build throws with the end of its log and keeps the log.
 */
export async function ensureEnvironment(plan: VenvPlan, options: EnsureEnvironmentOptions): Promise<EnsuredEnvironment> {
  const envDir = join(options.cacheRoot, plan.specHash);
  const binDir = join(envDir, process.platform === 'win32' ? 'Scripts' : 'bin');
  const result = {
    pythonPath: join(binDir, process.platform === 'win32' ? 'python.exe' : 'python'),
    binDir,
    envDir,
    logPath: join(envDir, 'build.log'),
  };
  const reuse = () => {
    options.onLog?.(`trellis: reusing environment ${plan.specHash} (${envDir})`);
    return { ...result, reused: true };
  };
  const { logger } = options;
  if (await isReady(envDir, plan, result.pythonPath, logger)) return reuse();

  await mkdir(options.cacheRoot, { recursive: true });
  const lock = await acquireBuildLock(join(options.cacheRoot, `${plan.specHash}.lock`), {
    onWait: (owner) =>
      options.onLog?.(`trellis: waiting for another build of environment ${plan.specHash} (pid ${owner?.pid ?? 'unknown'})`),
    ...(options.lockTimeoutMs === undefined ? {} : { timeoutMs: options.lockTimeoutMs }),
    logger,
  });
  try {
    if (await isReady(envDir, plan, result.pythonPath, logger)) return reuse();
    await build(plan, result, options, logger);
    return { ...result, reused: false };
  } finally {
    await lock.release();
  }
}

/** Whether a finished build of `plan` is there; when its marker is missing or unreadable it is built (again). */
async function isReady(envDir: string, plan: VenvPlan, pythonPath: string, logger: Logger): Promise<boolean> {
  try {
    const marker = JSON.parse(await readFile(join(envDir, 'ready.json'), 'utf8')) as ReadyMarker;
    // existsSync follows the venv's symlink: an interpreter removed since (a pyenv uninstall) means rebuild.
    return marker.specHash === plan.specHash && existsSync(pythonPath);
  } catch (error) {
    // ENOENT: not built yet, or a build died before its end. Anything else is unexpected: rebuilding is still the safe answer.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      logger.warn(
        { err: error, environment: envDir },
        `environments: the ready marker of ${envDir} could not be read; the environment is built again`,
      );
    return false;
  }
}

async function build(
  plan: VenvPlan,
  paths: Omit<EnsuredEnvironment, 'reused'>,
  options: EnsureEnvironmentOptions,
  logger: Logger,
): Promise<void> {
  const env = options.env ?? process.env;
  // Whatever is there is a build that was killed or failed: start clean. It is moved aside first,
  // since the pip of a server that was killed may still be writing into it (rm would then fail
  // with ENOTEMPTY); the moved copy is removed in the background, and a failure to do so only costs disk space.
  const stale = `${paths.envDir}.stale-${process.pid}-${Date.now()}`;
  try {
    await rename(paths.envDir, stale);
    void rm(stale, { recursive: true, force: true }).catch((error: unknown) =>
      logger.warn(
        { err: error, folder: stale },
        `environments: the stale copy ${stale} of a failed or killed build could not be removed; it only takes disk space, remove it by hand`,
      ),
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(paths.envDir, { recursive: true });
  const log = openBuildLog(paths.logPath, options.onLog);
  try {
    log.write(`trellis: building environment ${plan.specHash} in ${paths.envDir}`);
    log.write(`trellis: python ${plan.python.version} (${plan.python.path})`);
    for (const note of plan.notes) log.write(`trellis: note: ${note}`);
    for (const name of ['PIP_INDEX_URL', 'PIP_EXTRA_INDEX_URL', 'PIP_FIND_LINKS', 'PIP_NO_INDEX']) {
      if (env[name]) log.write(`trellis: ${name}=${env[name]}`);
    }
    const requirementsPath = join(paths.envDir, 'requirements.txt');
    await writeFile(requirementsPath, plan.pipRequirements.map((line) => `${line}\n`).join(''));

    await step(log, 'python -m venv', plan.python.path, ['-m', 'venv', paths.envDir], env);
    if (plan.pipRequirements.length === 0) {
      log.write('trellis: no packages to install');
    } else {
      const compileLater = canCacheBytecode(env);
      if (compileLater) log.write('trellis: pip --no-compile: Python compiles each module on its first import and keeps it in __pycache__');
      const pipArgs = [
        '-m',
        'pip',
        'install',
        '--disable-pip-version-check',
        '--no-input',
        '--progress-bar',
        'off',
        ...(compileLater ? ['--no-compile'] : []),
        '-r',
        requirementsPath,
      ];
      await step(log, 'pip install', paths.pythonPath, pipArgs, env);
    }
    log.write(`trellis: environment ${plan.specHash} is ready`);
  } catch (error) {
    const tail = log.tail(tailLines).join('\n');
    await log.close();
    const why = error instanceof Error ? error.message : String(error);
    throw new TrellisError(
      'EnvironmentBuildFailed',
      422,
      `building the Python environment failed: ${why}; the full log is ${paths.logPath}; its last lines:\n${tail}`,
      {
        details: { logPath: paths.logPath, specHash: plan.specHash },
      },
    );
  }
  await log.close();
  const marker: ReadyMarker = {
    specHash: plan.specHash,
    python: plan.python,
    pipRequirements: plan.pipRequirements,
    builtAt: new Date().toISOString(),
  };
  const temporary = join(paths.envDir, `ready.json.${process.pid}.tmp`);
  await writeFile(temporary, `${JSON.stringify(marker, null, 2)}\n`);
  await rename(temporary, join(paths.envDir, 'ready.json'));
}

/**
 * Whether the environment's Python may write the bytecode of what it imports. pip byte-compiles every
 * module it installs, tests and modules nothing imports included: half the build of an MLflow
 * environment (68 of 127 CPU seconds for mlflow with scikit-learn and azmlinfsrv). Python compiles a
 * module on its first import and caches it, so leaving that to Python compiles only what runs, once.
 * With PYTHONDONTWRITEBYTECODE set it caches nothing, and every start would compile again: pip compiles.
 */
function canCacheBytecode(env: NodeJS.ProcessEnv): boolean {
  return !env.PYTHONDONTWRITEBYTECODE;
}

/** Runs one build command, its output into the log; rejects naming the step when it fails. */
async function step(log: BuildLog, name: string, command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  log.write(`$ ${[command, ...args].join(' ')}`);
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  const [, , outcome] = await Promise.all([log.follow(child.stdout), log.follow(child.stderr), exited]).catch((error: unknown) => {
    throw new Error(`${name} could not start: ${error instanceof Error ? error.message : String(error)}`);
  });
  if (outcome.code !== 0) {
    const how = outcome.signal ? `was stopped by ${outcome.signal}` : `exited with ${outcome.code}`;
    log.write(`trellis: ${name} ${how}`);
    throw new Error(`${name} ${how}`);
  }
}
