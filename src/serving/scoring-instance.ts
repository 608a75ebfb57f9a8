import type { ServingLogger } from './serving-logger.js';
import type { RuntimeKind } from '../core/endpoints/runtime-kind.js';

/**
 * The contract between the endpoint router and the processes that hold models. A deployment runs
 * `instance_count` instances; each instance is one worker process, supervised by Trellis, that
 * loads the model once (readiness) and answers calls until it is stopped. The router never loads
 * models itself and never sees how a runtime works; it picks an instance and calls it.
 */

/** What a request asks of a model: Azure ML's /score body, or an Open Inference Protocol v2 call. */
export type ScoringCall =
  | {
      protocol: 'score';
      body: Buffer;
      contentType: string;
      /** GET passes its input in the query string (azmlinfsrv answers it; Trellis's own workers answer 405). Default POST. */
      method?: 'GET' | 'POST' | undefined;
      /** The request's query string, without the '?' (a @rawhttp script reads it). */
      query?: string | undefined;
      /** The request's headers that reach the script (forwarded-headers.ts: no credentials, no hop-by-hop ones), names in lower case. */
      headers?: Record<string, string> | undefined;
    }
  | { protocol: 'v2-infer'; body: Buffer; contentType: string }
  | { protocol: 'v2-metadata' }
  /** A batch scoring script's run(mini_batch): the files' absolute paths, as a JSON array. */
  | { protocol: 'mini-batch'; body: Buffer }
  /** The OpenAPI document of the scoring script (GET /swagger.json, from its @input_schema/@output_schema); query as given, e.g. `version=3`. */
  | { protocol: 'swagger'; query: string };

/** The model's answer, passed to the client as it is (status included: 400 for input the model cannot take). */
export interface ScoringAnswer {
  status: number;
  body: Buffer;
  contentType: string;
  /** Further response headers the client gets (an AMLResponse's own, azmlinfsrv's x-ms-*), names in lower case. */
  headers?: Record<string, string> | undefined;
}

/** How a model is served: decided in core (runtime-choice.ts), run here. */
export type { RuntimeKind } from '../core/endpoints/runtime-kind.js';

export interface InstanceSpec {
  /** Unique per process lifetime, e.g. `<endpoint>/<deployment>/<n>`. */
  id: string;
  runtime: RuntimeKind;
  /** The model's files on this machine (AZUREML_MODEL_DIR points here, as on Azure ML). */
  modelDir: string;
  /**
   * The model itself under modelDir, as Azure ML lays it out: its folder (`<modelDir>/model`) or its
   * single file; what the no-code runtimes (onnx, mlflow) load. Default: modelDir.
   */
  modelPath?: string | undefined;
  /** code_configuration.code on this machine, and the scoring_script inside it. */
  codeDir?: string | undefined;
  scoringScript?: string | undefined;
  /** The scoring script's command line (sys.argv[1:]): a parallel step's program_arguments. */
  scriptArguments?: string[] | undefined;
  /** The Python interpreter of the deployment's environment (runtimes mlflow, python-script, azureml-inference-server). */
  python?: string | undefined;
  /** Variables the worker gets (the deployment's environment_variables and Azure ML's own). */
  env: Record<string, string>;
  /** The instance's stdout and stderr go here (`online-deployment get-logs`). */
  logFile: string;
  /** The model's name and version in v2 answers (model_name, versions); default: the model folder's name and '1'. */
  modelName?: string | undefined;
  modelVersion?: string | undefined;
  /** Where what goes wrong around the instance (its log file unwritable, a signal not sent) is reported: the server's logger. */
  logger: ServingLogger;
}

export type InstanceState = 'loading' | 'ready' | 'failed' | 'stopped';

/** One running instance of a deployment: a worker process with the model loaded. */
export interface ScoringInstance {
  readonly id: string;
  readonly pid: number | undefined;
  readonly state: InstanceState;
  /** Why the model could not load or the process died (state failed), in words for the deployment's status and logs. */
  readonly failure: string | undefined;
  /** Calls sent and not yet answered (pings not counted): for least-loaded routing, autoscale and metrics. */
  readonly inFlight: number;
  /** Resolves once the worker process is gone, whether it was stopped (state stopped) or died (state failed). */
  readonly exited: Promise<void>;
  /** Resolves when the model is loaded (ready) or rejects with the reason it failed. */
  ready(timeoutMs: number): Promise<void>;
  /** One call; rejects with a TimeoutError after timeoutMs (the worker is not trusted to stop on its own). */
  call(call: ScoringCall, timeoutMs: number): Promise<ScoringAnswer>;
  /** Liveness: whether the worker answers a ping within timeoutMs. */
  ping(timeoutMs: number): Promise<boolean>;
  /** SIGTERM, then SIGKILL after graceMs; in-flight calls are answered or rejected first. */
  stop(graceMs: number): Promise<void>;
}
