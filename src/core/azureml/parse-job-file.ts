import { type Document, parseDocument } from 'yaml';
import { invalidInput, TrellisError, type Problem } from '../errors.js';
import { formatFieldPath, type FieldPath } from '../yaml/field-path.js';
import type { z } from 'zod';
import { plainDocument, type DocumentSource } from '../yaml/document-source.js';
import { parseYaml } from '../yaml/parse-yaml.js';
import { commandJobSchema, dataInputTypes, type CommandJobFile } from './command-job-schema.js';
import type { LocalPath } from './parse-resource-file.js';
import { remoteScheme } from './paths.js';
import { isPlainObject } from './schema-helpers.js';
import { describeIssue, problemsFromIssues } from './zod-problems.js';

export interface ParsedJobFile {
  job: CommandJobFile;
  /** The code folder, local data inputs (uploaded) and an inline environment's conda file (inlined). */
  localPaths: LocalPath[];
}

/**
 * Parses and validates an Azure ML command job file (`type: command`). Pure: local paths are
 * returned for the caller to upload. Throws one InvalidInput naming `fileName` with every
 * problem, each with its YAML path and line.
 */
export function parseJobFile(text: string, fileName: string): ParsedJobFile {
  return parseJobDocument(parseYaml(text, fileName), fileName);
}

/** A command job as Trellis builds it (a batch scoring job): the file's fields, before validation. */
export type CommandJobFields = z.input<typeof commandJobSchema>;

/** Validates a command job that Trellis builds itself with the same schema and checks as a job file, without YAML text. */
export function jobFromFields(fields: CommandJobFields, fileName: string): ParsedJobFile {
  return parseJobDocument(plainDocument({ ...fields }), fileName);
}

export function parseJobDocument(yaml: DocumentSource, fileName: string): ParsedJobFile {
  const document = yaml.value;
  const problems: Problem[] = [];
  const type = typeof document.type === 'string' ? document.type.toLowerCase() : undefined;
  if (type !== undefined && type !== 'command') {
    const message =
      type === 'pipeline' || type === 'sweep'
        ? `a ${type} job is submitted to the ${type}-jobs route (POST /api/v1/workspaces/<workspace>/${type}-jobs), as trellis job create does; this route takes command jobs`
        : `${type === 'spark' ? 'spark jobs are not supported; ' : ''}Trellis runs command, pipeline and sweep jobs: use type: command`;
    problems.push({ path: 'type', message, ...yaml.locate(['type']) });
    throw invalidInput(fileName, problems);
  }
  const result = commandJobSchema.safeParse(document, { error: describeIssue });
  if (!result.success)
    throw invalidInput(
      fileName,
      problemsFromIssues(result.error.issues, yaml.locate).sort((a, b) => (a.line ?? 0) - (b.line ?? 0)),
    );
  const job = result.data;

  const localPaths: LocalPath[] = [];
  const addLocal = (pointer: FieldPath, value: string, use: LocalPath['use']) => {
    if (remoteScheme(value) === undefined) localPaths.push({ pointer: [...pointer], value, use, ...lineOf(yaml.locate(pointer).line) });
  };
  if (job.code) addLocal(['code'], job.code, 'upload');
  for (const [name, input] of Object.entries(job.inputs ?? {})) {
    if (isPlainObject(input) && typeof input.path === 'string' && (dataInputTypes as readonly string[]).includes(String(input.type)))
      addLocal(['inputs', name, 'path'], input.path, 'upload');
  }
  if (isPlainObject(job.environment) && typeof job.environment.conda_file === 'string')
    addLocal(['environment', 'conda_file'], job.environment.conda_file, 'inline-yaml');
  return { job, localPaths };
}

function lineOf(line: number | undefined): { line?: number } {
  return line === undefined ? {} : { line };
}

/**
 * Applies `--set key=value` overrides to a job file's text, as `az ml job create --set` does:
 * dotted paths (`inputs.epochs=5`, `compute=azureml:gpu`), values read as YAML scalars. The
 * result keeps the file's comments and layout, so lines in later messages still match.
 */
export function applySetOverrides(text: string, overrides: string[], fileName: string): string {
  if (overrides.length === 0) return text;
  const document: Document = parseDocument(text);
  const problems: Problem[] = [];
  for (const override of overrides) {
    const equals = override.indexOf('=');
    if (equals <= 0) {
      problems.push({ path: '--set', message: `'${override}' is not key=value; write e.g. --set inputs.epochs=5` });
      continue;
    }
    const path = override.slice(0, equals).split('.');
    if (path.some((segment) => segment === '')) {
      problems.push({
        path: '--set',
        message: `'${override.slice(0, equals)}' is not a field path; write dotted names such as inputs.epochs`,
      });
      continue;
    }
    const raw = override.slice(equals + 1);
    const value: unknown = raw === '' ? '' : parseDocument(raw).toJS();
    try {
      document.setIn(path, value);
    } catch (error) {
      // The path cannot take a value (it goes through a scalar): a problem the user fixes, reported with the others.
      problems.push({ path: formatFieldPath(path), message: `cannot set it: ${(error as Error).message}` });
    }
  }
  if (problems.length > 0) throw invalidInput(`--set for ${fileName}`, problems);
  if (document.errors.length > 0) throw new TrellisError('InvalidYaml', 422, `${fileName}: ${document.errors[0]!.message}`);
  return document.toString();
}
