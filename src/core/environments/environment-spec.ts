/**
 * The parts of an environment that decide how a job's process is prepared locally: the fields
 * of an Azure ML environment spec (environment-schema.ts), with `conda_file` already inlined as
 * a mapping, plus `runtime`, which only curated environments set.
 */
export interface EnvironmentSpec {
  image?: string | undefined;
  build?: { path: string; dockerfile_path?: string | undefined } | undefined;
  /** The conda mapping; a string here means the file was not inlined at apply time. */
  conda_file?: string | Record<string, unknown> | undefined;
  /** 'node': run with the Node that runs Trellis (the trellis-node curated environment). */
  runtime?: 'node' | undefined;
}
