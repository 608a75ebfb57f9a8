/**
 * The worker process of runtime node-script: Azure ML's scoring-script contract for a JavaScript
 * module. It imports code_configuration.scoring_script from the code folder (ESM or CommonJS;
 * .ts/.mts/.cts when the server started it with the tsx loader), calls init() once, then
 * run(rawData) per call with the request body as a string. Either may be async. In a batch
 * deployment, run(miniBatch) gets an array of file paths and returns an array of output rows.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { miniBatchAnswer } from './mini-batch-rows.js';
import { scriptAnswer } from './script-answer.js';
import { errorAnswer, jsonAnswer } from './worker-answer.js';
import { firstLine, runWorker } from './worker-channel.js';

type ScoringModule = { init?: () => unknown; run?: (rawData: string | string[]) => unknown };

function scoringFunctions(namespace: Record<string, unknown>): ScoringModule {
  const candidates = [namespace, namespace.default as Record<string, unknown> | undefined];
  for (const candidate of candidates) if (candidate && typeof candidate.run === 'function') return candidate as ScoringModule;
  return {};
}

await runWorker(async (config) => {
  if (!config.codeDir || !config.scoringScript)
    throw new Error('runtime node-script needs code_configuration.code and code_configuration.scoring_script');
  const path = resolve(config.codeDir, config.scoringScript);
  const scoring = scoringFunctions((await import(pathToFileURL(path).href)) as Record<string, unknown>);
  const run = scoring.run;
  if (!run)
    throw new Error(
      `${config.scoringScript} exports no run(rawData) function; export init() and run(rawData), as an Azure ML scoring script does`,
    );
  await scoring.init?.();
  process.stdout.write(`scoring script ${config.scoringScript} initialised\n`);
  const metadata = jsonAnswer(
    200,
    JSON.stringify({ name: config.modelName, versions: [config.modelVersion], platform: 'node-script', inputs: [], outputs: [] }),
  );
  return {
    async score(body) {
      try {
        return scriptAnswer(await run(body.toString('utf8')));
      } catch (error) {
        process.stderr.write(`run() failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
        return errorAnswer(500, firstLine(error));
      }
    },
    async miniBatch(body) {
      try {
        return miniBatchAnswer(await run(JSON.parse(body.toString('utf8')) as string[]));
      } catch (error) {
        process.stderr.write(`run(mini_batch) failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
        return errorAnswer(500, firstLine(error));
      }
    },
    inferV2: () =>
      errorAnswer(
        400,
        'this deployment runs a scoring script (runtime node-script), which speaks /score only; the v2 protocol needs an onnx or mlflow model',
      ),
    metadata: () => metadata,
  };
});
