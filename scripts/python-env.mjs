// Makes (once) the Python virtual environment the MLflow compatibility tests run in:
// .cache/python-venv with test/python/requirements.txt installed from PyPI. A stamp file with
// the hash of the requirements makes later runs skip the install.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const venv = join(root, '.cache', 'python-venv');
const requirements = join(root, 'test', 'python', 'requirements.txt');
const stamp = join(venv, '.requirements.sha256');

/** Returns the venv's python, installing the requirements when they changed. */
export function ensurePythonEnv({ log = console.log } = {}) {
  const python = join(venv, 'bin', 'python');
  const wanted = createHash('sha256').update(readFileSync(requirements)).digest('hex');
  if (existsSync(python) && existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return python;
  log(`creating the Python environment for the MLflow client tests in ${venv} (pip install from PyPI, a minute or two) ...`);
  rmSync(venv, { recursive: true, force: true });
  const system = process.env.TRELLIS_PYTHON ?? 'python3';
  execFileSync(system, ['-m', 'venv', venv], { stdio: 'inherit' });
  // pip byte-compiles all 1.2 GB it installs; where Python may cache bytecode, it compiles what the tests import, once.
  const compile = process.env.PYTHONDONTWRITEBYTECODE ? [] : ['--no-compile'];
  execFileSync(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...compile, '-r', requirements], {
    stdio: 'inherit',
  });
  writeFileSync(stamp, wanted);
  return python;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(ensurePythonEnv());
