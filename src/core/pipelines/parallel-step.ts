import { miniBatchFiles, miniBatchSizeBytes, type ParallelStep } from '../azureml/parallel-step-schema.js';
import type { CommandJobFields } from '../azureml/parse-job-file.js';
import { isPlainObject } from '../azureml/schema-helpers.js';
import { invalidInput } from '../errors.js';

/**
 * The command of a parallel step's job: the batch driver (serving/batch/batch-driver.ts, run as
 * `driver`) over the step's `input_data`, with the entry script from the task's code folder (the
 * job's working directory), the rows appended to the `append_row_to` output (a uri_file output
 * is that file; a folder gets `parallel_run_step.txt`, Azure's name), `--nodes` for
 * resources.instance_count, the settings as base64 JSON, and the program_arguments after `--`,
 * where the job's own placeholders (`${{inputs.model}}`) are filled in like any command's. Pure.
 */
export function parallelCommand(parallel: ParallelStep, fields: CommandJobFields, driver: readonly string[]): string {
  const input = fields.inputs?.[parallel.inputData];
  const inputType = isPlainObject(input) && typeof input.type === 'string' ? input.type : 'uri_folder';
  const isTable = inputType === 'mltable';
  const written = parallel.miniBatchSize ?? (isTable ? '1mb' : 10);
  const size = isTable ? miniBatchSizeBytes(written) : miniBatchFiles(written);
  if (size === undefined)
    throw invalidInput(`parallel step ${fields.display_name ?? ''}`.trim(), [
      {
        path: 'mini_batch_size',
        message: `input '${parallel.inputData}' is ${inputType}, whose mini-batches are counted in files: give a whole number of files; sizes (${String(written)}) are for mltable inputs`,
      },
    ]);
  const output = parallel.appendRowTo ? fields.outputs?.[parallel.appendRowTo] : undefined;
  const isFileOutput = isPlainObject(output) && output.type === 'uri_file';
  const settings = {
    mini_batch_size: size,
    max_concurrency_per_instance: parallel.maxConcurrencyPerInstance,
    output_action: parallel.appendRowTo ? 'append_row' : 'summary_only',
    retry_settings: { max_retries: parallel.retrySettings.maxRetries, timeout: parallel.retrySettings.timeout },
    error_threshold: parallel.errorThreshold,
    mini_batch_error_threshold: parallel.miniBatchErrorThreshold,
    logging_level: parallel.loggingLevel,
    scoring_script: parallel.entryScript,
    input_type: inputType,
  };
  const nodes = Number(fields.resources?.instance_count ?? 1);
  return [
    ...driver.map(quote),
    `--input \${{inputs.${parallel.inputData}}}`,
    ...(parallel.appendRowTo ? [`--output-file \${{outputs.${parallel.appendRowTo}}}${isFileOutput ? '' : '/parallel_run_step.txt'}`] : []),
    '--code "$PWD"',
    ...(nodes > 1 ? [`--nodes ${nodes}`] : []),
    `--settings ${Buffer.from(JSON.stringify(settings)).toString('base64')}`,
    ...(parallel.programArguments?.trim() ? ['--', parallel.programArguments.trim()] : []),
  ].join(' ');
}

function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
