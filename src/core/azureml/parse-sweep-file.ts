import { invalidInput, type Problem } from '../errors.js';
import { earlyTerminationProblems } from '../sweeps/policies/early-termination-problems.js';
import { parameterNames, searchSpaceProblems, searchSpaceSchema } from '../sweeps/search-space.js';
import type { SearchSpace } from '../sweeps/sweep-types.js';
import { searchSpaceReferences } from '../sweeps/trial-job.js';
import type { DocumentSource } from '../yaml/document-source.js';
import { type FieldPath, formatFieldPath } from '../yaml/field-path.js';
import { parseYaml } from '../yaml/parse-yaml.js';
import { dataInputTypes } from './command-job-schema.js';
import type { LocalPath } from './parse-resource-file.js';
import { remoteScheme } from './paths.js';
import { isPlainObject } from './schema-helpers.js';
import { defaultSweepLimits, type SweepJobFile, sweepJobSchema } from './sweep-job-schema.js';
import { describeIssue, problemsFromIssues } from './zod-problems.js';

export interface ParsedSweepFile {
  sweep: SweepJobFile;
  searchSpace: SearchSpace;
  /** The trial's code folder, local data inputs (uploaded) and an inline environment's conda file (inlined). */
  localPaths: LocalPath[];
}

/**
 * Parses and validates an Azure ML sweep job file (`type: sweep`). Pure: local paths are returned
 * for the caller to upload. Throws one InvalidInput naming `fileName` with every problem, each
 * with its YAML path and line: the schema's, each search-space expression's, the policy's, a
 * `${{search_space.<name>}}` naming no hyperparameter, and limits that contradict each other.
 * The trial itself is checked as the command job it becomes by the service (compute, environment, inputs).
 */
export function parseSweepFile(text: string, fileName: string): ParsedSweepFile {
  return parseSweepDocument(parseYaml(text, fileName), fileName);
}

export function parseSweepDocument(yaml: DocumentSource, fileName: string): ParsedSweepFile {
  const located = (pointer: FieldPath, message: string): Problem => {
    const { line, column } = yaml.locate(pointer);
    return { path: formatFieldPath(pointer), message, ...(line ? { line } : {}), ...(column ? { column } : {}) };
  };
  const fail = (problems: Problem[]) =>
    invalidInput(
      fileName,
      problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)),
    );

  const result = sweepJobSchema.safeParse(yaml.value, { error: describeIssue });
  const problems: Problem[] = result.success ? [] : problemsFromIssues(result.error.issues, yaml.locate);
  const written = isPlainObject(yaml.value) ? yaml.value.search_space : undefined;
  const space = searchSpaceSchema.safeParse(written ?? {}, { error: describeIssue });
  if (!space.success)
    problems.push(
      ...problemsFromIssues(
        space.error.issues.map((issue) => ({ ...issue, path: ['search_space', ...issue.path] })),
        yaml.locate,
      ),
    );
  if (!result.success || !space.success) throw fail(dedupe(problems));

  const sweep = result.data;
  const searchSpace = space.data;
  if (Object.keys(searchSpace).length === 0) problems.push(located(['search_space'], 'name at least one hyperparameter to sweep'));
  for (const problem of searchSpaceProblems(searchSpace, sweep.sampling_algorithm))
    problems.push(located(pathOf(problem.path), problem.message));
  if (sweep.early_termination)
    for (const problem of earlyTerminationProblems(sweep.early_termination, sweep.sampling_algorithm.type))
      problems.push(located(pathOf(problem.path), problem.message));

  const known = parameterNames(searchSpace);
  for (const name of searchSpaceReferences(sweep.trial.command))
    if (!known.has(name))
      problems.push(
        located(
          ['trial', 'command'],
          `\${{search_space.${name}}} names no hyperparameter; search_space has ${[...known].join(', ') || 'none'}: add ${name} to search_space or fix the name`,
        ),
      );
  problems.push(...limitProblems(sweep.limits).map((problem) => located(['limits', problem.field], problem.message)));
  if (problems.length > 0) throw fail(problems);

  const localPaths: LocalPath[] = [];
  const addLocal = (pointer: FieldPath, value: string, use: LocalPath['use']) => {
    if (remoteScheme(value) !== undefined) return;
    const { line } = yaml.locate(pointer);
    localPaths.push({ pointer: [...pointer], value, use, ...(line ? { line } : {}) });
  };
  if (sweep.trial.code) addLocal(['trial', 'code'], sweep.trial.code, 'upload');
  for (const [name, input] of Object.entries(sweep.inputs ?? {}))
    if (isPlainObject(input) && typeof input.path === 'string' && (dataInputTypes as readonly string[]).includes(String(input.type)))
      addLocal(['inputs', name, 'path'], input.path, 'upload');
  if (isPlainObject(sweep.trial.environment) && typeof sweep.trial.environment.conda_file === 'string')
    addLocal(['trial', 'environment', 'conda_file'], sweep.trial.environment.conda_file, 'inline-yaml');
  return { sweep, searchSpace, localPaths };
}

/** Limits that contradict each other: more trials at once than in all, a trial allowed longer than the sweep. */
export function limitProblems(limits: SweepJobFile['limits']): Array<{ field: string; message: string }> {
  const { max_total_trials: total, max_concurrent_trials: concurrent, timeout, trial_timeout: trialTimeout } = limits;
  const problems: Array<{ field: string; message: string }> = [];
  if (concurrent !== undefined && concurrent > (total ?? defaultSweepLimits.maxTotalTrials))
    problems.push({
      field: 'max_concurrent_trials',
      message: `${concurrent} trials at once is more than max_total_trials (${total ?? `${defaultSweepLimits.maxTotalTrials}, the default`}); lower it to ${total ?? defaultSweepLimits.maxTotalTrials} or less`,
    });
  if (trialTimeout !== undefined && trialTimeout > (timeout ?? defaultSweepLimits.timeout))
    problems.push({
      field: 'trial_timeout',
      message: `a trial may run ${trialTimeout} s, longer than the whole sweep (timeout ${timeout ?? `${defaultSweepLimits.timeout}, the default`} s); lower trial_timeout or raise timeout`,
    });
  return problems;
}

/** A problem's path ('search_space.C.max_value') as a field path. */
function pathOf(path: string): FieldPath {
  return path === '' ? [] : path.split('.');
}

/** The same problem can come from the file's schema and the search space's: keep one. */
function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const key = `${problem.path}\n${problem.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
