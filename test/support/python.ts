import { spawn } from 'node:child_process';

/**
 * Runs a Python script of the MLflow compatibility tests with the venv's python (npm test makes
 * it and sets TRELLIS_TEST_PYTHON). A server error fails the script at once instead of the
 * client retrying it for minutes.
 */
export async function runPython(scriptPath: string, env: Record<string, string>): Promise<{ code: number; output: string }> {
  const python = process.env.TRELLIS_TEST_PYTHON;
  if (!python) throw new Error('TRELLIS_TEST_PYTHON is not set: run the suite with npm test, which makes the Python environment');
  const child = spawn(python, [scriptPath], {
    env: { ...process.env, MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0', MLFLOW_HTTP_REQUEST_TIMEOUT: '120', PYTHONUNBUFFERED: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number>((resolve) => child.once('exit', (exitCode) => resolve(exitCode ?? 1)));
  return { code, output };
}
