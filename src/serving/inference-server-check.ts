import { execFile } from 'node:child_process';

/**
 * Whether a Python can run Azure ML's inference server (azmlinfsrv): its environment has
 * azureml-inference-server-http, as the Azure ML examples' conda files list it. Asked once per
 * interpreter path in this process (a built environment does not change under its path).
 */

const answers = new Map<string, Promise<boolean>>();

// amlserver_linux imports gunicorn too: a half-installed server is not taken for one.
const probe = 'import azureml_inference_server_http.amlserver, azureml_inference_server_http.amlserver_linux';

/** Resolves true when `python` imports azmlinfsrv's server modules (false when it cannot, or does not start). */
export function hasInferenceServer(python: string): Promise<boolean> {
  let answer = answers.get(python);
  if (!answer) {
    answer = new Promise<boolean>((resolve) => execFile(python, ['-c', probe], { timeout: 60_000 }, (error) => resolve(!error)));
    answers.set(python, answer);
  }
  return answer;
}
