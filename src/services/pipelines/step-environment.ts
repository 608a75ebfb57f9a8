import { parse } from 'yaml';
import type { CommandJobFields } from '../../core/azureml/parse-job-file.js';
import { isPlainObject } from '../../core/azureml/schema-helpers.js';

/**
 * A step's command job with its inline environment's `conda_file` (a local path, sent with the
 * pipeline as text, as Azure ML inlines it) replaced by the file's content, so the environment is
 * built from it. Checked at submit (the file was sent); anything else passes through unchanged.
 */
export function withInlinedCondaFile(fields: CommandJobFields, inlined: Record<string, string>): CommandJobFields {
  const environment = fields.environment;
  if (!isPlainObject(environment) || typeof environment.conda_file !== 'string') return fields;
  const text = inlined[environment.conda_file];
  if (text === undefined) return fields;
  return { ...fields, environment: { ...environment, conda_file: parse(text) as unknown } };
}
