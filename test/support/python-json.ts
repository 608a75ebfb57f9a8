/**
 * Runs a Python snippet with the test suite's Python (TRELLIS_TEST_PYTHON; npm test makes the
 * venv and sets it), JSON in on stdin and JSON out on stdout: how pure-core tests compare their
 * numbers with SciPy's and NumPy's.
 */
import { spawnSync } from 'node:child_process';
import { skipWithoutPython, testPython } from '../fixtures/serving/helpers.js';

export { skipWithoutPython };

export function runPythonJson<T>(script: string, input: unknown): T {
  const python = testPython();
  if (!python) throw new Error(skipWithoutPython() as string);
  const result = spawnSync(python, ['-c', script], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
    timeout: 180_000,
  });
  if (result.status !== 0) throw new Error(`the Python snippet failed (${result.status ?? result.signal}): ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}
