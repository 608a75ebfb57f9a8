import type { CommandJobFields } from '../../core/azureml/parse-job-file.js';
import type { PipelineStepFile } from '../../core/azureml/pipeline-job-schema.js';
import { parallelCommand } from '../../core/pipelines/parallel-step.js';
import { batchDriverCommand } from '../endpoints/batch-driver-command.js';

/**
 * A step's command job with, for a parallel step, its command: the batch endpoints' driver
 * (serving/batch/batch-driver.ts) run over the step's input_data (core/pipelines/parallel-step.ts).
 * Other steps' fields pass through unchanged.
 */
export function withParallelCommand(fields: CommandJobFields, step: PipelineStepFile | undefined): CommandJobFields {
  if (!step?.parallel) return fields;
  return { ...fields, command: parallelCommand(step.parallel, fields, batchDriverCommand()) };
}
