import { basename, dirname, resolve } from 'node:path';
import type { TrellisClient } from '../client/trellis-client.js';
import { parseJobFile } from '../core/azureml/parse-job-file.js';
import { jobFileType } from '../core/azureml/parse-pipeline-file.js';
import { parseSweepFile } from '../core/azureml/parse-sweep-file.js';
import { type UploadOptions, uploadLocalPaths } from './apply-files.js';
import { inlineLocalComponents, pipelineFileLocalPaths } from './pipeline-components.js';

/** A job file ready to send: its text (a pipeline's local components inline) and the contents of its local paths. */
export interface PreparedJob {
  /** The file's job type: command, pipeline or sweep (each has its own route). */
  type: 'command' | 'pipeline' | 'sweep';
  isPipeline: boolean;
  body: {
    fileName: string;
    text: string;
    uploads: Record<string, unknown>;
    inlined: Record<string, string>;
    defaultExperimentName: string;
  };
}

/**
 * Prepares a job file as `az ml job create` sends it: a pipeline's local component files put
 * inline, every local path (code, data inputs) uploaded, inline conda files read. `file` is where
 * the text's relative paths start from (the job file, or the schedule file an inline job is in).
 */
export async function prepareJob(
  client: TrellisClient,
  workspace: string,
  file: string,
  written: string,
  progress: (line: string) => void,
  options: UploadOptions,
): Promise<PreparedJob> {
  const writtenType = jobFileType(written, file);
  const type = writtenType === 'pipeline' || writtenType === 'sweep' ? writtenType : 'command';
  const isPipeline = type === 'pipeline';
  const text = isPipeline ? await inlineLocalComponents(written, file) : written;
  const { localPaths } = isPipeline
    ? pipelineFileLocalPaths(text, file)
    : type === 'sweep'
      ? parseSweepFile(text, file)
      : parseJobFile(text, file);
  const content = await uploadLocalPaths(client, workspace, { file, parsed: { localPaths } }, progress, options);
  // Azure ML names the experiment after the job file's folder when the file names none.
  return { type, isPipeline, body: { fileName: file, text, ...content, defaultExperimentName: basename(dirname(resolve(file))) } };
}
