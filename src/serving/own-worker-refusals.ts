import type { RuntimeKind, ScoringAnswer } from './scoring-instance.js';

/**
 * What Trellis's own workers (runtimes onnx, mlflow, python-script, node-script) answer to the
 * calls only Azure ML's inference server (azmlinfsrv, runtime azureml-inference-server) can take:
 * GET /score and /swagger.json. Each answer is problem JSON that says how to get the call served.
 */

const fix = (runtime: RuntimeKind) =>
  runtime === 'python-script'
    ? "this deployment's environment lacks azureml-inference-server-http, so Trellis's own worker runs the scoring script; add azureml-inference-server-http to the environment's pip dependencies to have azmlinfsrv serve it"
    : `this deployment runs runtime ${runtime} on Trellis's own worker; azmlinfsrv serves Python scoring scripts whose environment has azureml-inference-server-http`;

/** GET /score: the input would be the query string, and run(raw_data) takes a POST body here. */
export function scoreGetRefused(runtime: RuntimeKind): ScoringAnswer {
  const answer = problem(
    405,
    'MethodNotAllowed',
    `GET /score is answered by Azure ML's inference server (azmlinfsrv) only; send the input as a POST body, or: ${fix(runtime)}`,
  );
  return { ...answer, headers: { allow: 'POST' } };
}

/** /swagger.json: azmlinfsrv makes it from the script's @input_schema/@output_schema (or a swagger.json beside it). */
export function swaggerRefused(runtime: RuntimeKind): ScoringAnswer {
  return problem(
    404,
    'SwaggerNotServed',
    `swagger.json is made by Azure ML's inference server (azmlinfsrv) from the scoring script's @input_schema/@output_schema; ${fix(runtime)}`,
  );
}

function problem(status: number, code: string, detail: string): ScoringAnswer {
  const body = Buffer.from(JSON.stringify({ type: `https://trellis.dev/problems/${code}`, title: code, status, detail, code }));
  return { status, body, contentType: 'application/problem+json' };
}
