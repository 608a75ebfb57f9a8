import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, readdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { PythonInterpreter } from '../core/environments/python-interpreter.js';

/** A candidate that was looked at and left out, with the reason (for diagnostics). */
export interface SkippedInterpreter {
  path: string;
  reason: string;
}

export interface FindInterpretersOptions {
  /** Defaults to process.env: PATH, TRELLIS_PYTHON, PYENV_ROOT, HOME. */
  env?: NodeJS.ProcessEnv;
  onSkip?: (skipped: SkippedInterpreter) => void;
}

// Runs on every candidate: venv and ensurepip must import, or `python -m venv` cannot make a venv
// with pip (Debian's python3 without python3-venv is the usual case). Python 2 fails the import.
const probe = [
  'import sys, os, json, venv, ensurepip',
  'print(json.dumps({"version": "%d.%d.%d" % sys.version_info[:3], "executable": sys.executable, "real": os.path.realpath(sys.executable)}))',
].join('\n');

const minorNames = Array.from({ length: 20 }, (_, index) => `python3.${index + 6}`);

/**
 * The Pythons on this machine that can make a venv, in preference order: TRELLIS_PYTHON, then
 * `python3` on PATH (the machine's default), then `python3.X` and `python` on PATH, then pyenv's
 * versions. Each candidate is run once to read its version; candidates that resolve to the same
 * executable (symlinks, pyenv shims) are listed once.
 */
export async function findInterpreters(options: FindInterpretersOptions = {}): Promise<PythonInterpreter[]> {
  const env = options.env ?? process.env;
  const candidates = await candidatePaths(env, options.onSkip);
  const probed = await Promise.all(candidates.map((path) => probeInterpreter(path, env)));
  const seen = new Set<string>();
  const found: PythonInterpreter[] = [];
  probed.forEach((result, index) => {
    const path = candidates[index] ?? '';
    if ('reason' in result) {
      options.onSkip?.({ path, reason: result.reason });
      return;
    }
    if (seen.has(result.real)) return;
    seen.add(result.real);
    // sys.executable, not the shim: a pyenv shim picks its version by the current folder.
    found.push({ path: result.executable || path, version: result.version });
  });
  return found;
}

async function candidatePaths(env: NodeJS.ProcessEnv, onSkip?: (skipped: SkippedInterpreter) => void): Promise<string[]> {
  const paths: string[] = [];
  if (env.TRELLIS_PYTHON) paths.push(env.TRELLIS_PYTHON);
  const pathDirs = (env.PATH ?? '').split(delimiter).filter((dir) => dir !== '');
  for (const names of [['python3'], minorNames, ['python']]) {
    for (const dir of pathDirs) {
      for (const name of names) {
        const path = join(dir, name);
        if (await isExecutable(path)) paths.push(path);
      }
    }
  }
  const pyenvRoot = env.PYENV_ROOT ?? join(env.HOME ?? homedir(), '.pyenv');
  const versions = await readdir(join(pyenvRoot, 'versions')).catch((error: NodeJS.ErrnoException) => {
    // No pyenv here (ENOENT) is the usual case; anything else is worth a line in the diagnostics.
    if (error.code !== 'ENOENT') onSkip?.({ path: join(pyenvRoot, 'versions'), reason: `could not be listed: ${error.message}` });
    return [] as string[];
  });
  for (const version of versions.sort(byVersionDescending)) {
    for (const name of ['python3', 'python']) {
      const path = join(pyenvRoot, 'versions', version, 'bin', name);
      if (await isExecutable(path)) {
        paths.push(path);
        break;
      }
    }
  }
  return [...new Set(paths)];
}

type ProbeResult = { version: string; executable: string; real: string } | { reason: string };

function probeInterpreter(path: string, env: NodeJS.ProcessEnv): Promise<ProbeResult> {
  return new Promise((resolve) => {
    execFile(path, ['-c', probe], { env, timeout: 15_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) {
        // A traceback ends with the error; a wrapper (a pyenv shim) says why on its first line.
        const lines = stderr
          .trim()
          .split('\n')
          .filter((line) => line.trim() !== '');
        const reason = (stderr.includes('Traceback') ? lines.at(-1) : lines[0]) ?? error.message;
        resolve({ reason: reason.trim() });
        return;
      }
      try {
        const parsed = JSON.parse(stdout.trim().split('\n').pop() ?? '') as { version: string; executable: string; real: string };
        resolve(parsed);
      } catch (parseError) {
        resolve({ reason: `unexpected output (${(parseError as Error).message}): ${stdout.trim().slice(0, 200)}` });
      }
    });
  });
}

/** Whether `path` exists and may be run: any error from access(2) (ENOENT, EACCES, ...) means no. */
async function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

function byVersionDescending(a: string, b: string): number {
  return b.localeCompare(a, 'en', { numeric: true });
}
