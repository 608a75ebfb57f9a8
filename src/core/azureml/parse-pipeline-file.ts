import { invalidInput, type Problem } from '../errors.js';
import { checkBindingTypes } from '../pipelines/binding-types.js';
import { expandPipelineComponents } from '../pipelines/pipeline-component.js';
import { checkPipelineGraph } from '../pipelines/pipeline-graph.js';
import type { DocumentSource } from '../yaml/document-source.js';
import { formatFieldPath, type FieldPath } from '../yaml/field-path.js';
import { parseYaml } from '../yaml/parse-yaml.js';
import { dataInputTypes } from './command-job-schema.js';
import type { LocalPath } from './parse-resource-file.js';
import { remoteScheme } from './paths.js';
import { type PipelineJobFile, pipelineJobSchema } from './pipeline-job-schema.js';
import { isPlainObject } from './schema-helpers.js';
import { describeIssue, problemsFromIssues } from './zod-problems.js';

export interface ParsedPipelineFile {
  pipeline: PipelineJobFile;
  /** Every step's code folder, local data inputs (the pipeline's and the steps') and inline conda files. */
  localPaths: LocalPath[];
}

/**
 * Parses and validates an Azure ML pipeline job file (`type: pipeline`): its fields, each step as a
 * command job, and the bindings between them (no step or output that does not exist, no cycle).
 * Pure: local paths are returned for the caller to upload. Throws one InvalidInput naming
 * `fileName` with every problem, each with its YAML path and line.
 */
export function parsePipelineFile(text: string, fileName: string): ParsedPipelineFile {
  return parsePipelineDocument(parseYaml(text, fileName), fileName);
}

/** `type:` of a job file, lower case; 'command' when it names none (Azure ML's default). */
export function jobFileType(text: string, fileName: string): string {
  const type = parseYaml(text, fileName).value.type;
  return typeof type === 'string' ? type.toLowerCase() : 'command';
}

/** As parsePipelineFile, for a document already read (one whose registered components were put inline, say). */
export function parsePipelineDocument(yaml: DocumentSource, fileName: string): ParsedPipelineFile {
  const located = (pointer: FieldPath, message: string): Problem => {
    const { line, column } = yaml.locate(pointer);
    return { path: formatFieldPath(pointer), message, ...(line ? { line } : {}), ...(column ? { column } : {}) };
  };
  // Pipeline components become their steps first, so the whole graph is checked as one.
  const expanded = expandPipelineComponents(yaml.value);
  if (expanded.problems.length > 0)
    throw invalidInput(
      fileName,
      expanded.problems.map((problem) => located(problem.pointer, problem.message)).sort((a, b) => (a.line ?? 0) - (b.line ?? 0)),
    );
  const result = pipelineJobSchema.safeParse(expanded.value, { error: describeIssue });
  if (!result.success)
    throw invalidInput(
      fileName,
      problemsFromIssues(result.error.issues, yaml.locate).sort((a, b) => (a.line ?? 0) - (b.line ?? 0)),
    );
  const pipeline = result.data;
  const graphProblems = [...checkPipelineGraph(pipeline), ...checkBindingTypes(pipeline)].map((problem) =>
    located(problem.pointer, problem.message),
  );
  if (graphProblems.length > 0)
    throw invalidInput(
      fileName,
      graphProblems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)),
    );

  const localPaths: LocalPath[] = [];
  const addLocal = (pointer: FieldPath, value: string, use: LocalPath['use']) => {
    if (remoteScheme(value) !== undefined || localPaths.some((known) => known.value === value && known.use === use)) return;
    const { line } = yaml.locate(pointer);
    localPaths.push({ pointer: [...pointer], value, use, ...(line ? { line } : {}) });
  };
  const addDataInputs = (prefix: FieldPath, inputs: Record<string, unknown> | undefined) => {
    for (const [name, input] of Object.entries(inputs ?? {}))
      if (isPlainObject(input) && typeof input.path === 'string' && (dataInputTypes as readonly string[]).includes(String(input.type)))
        addLocal([...prefix, name, 'path'], input.path, 'upload');
  };
  addDataInputs(['inputs'], pipeline.inputs);
  for (const [name, step] of Object.entries(pipeline.jobs)) {
    // A component's code is its own (uploaded with it, or a registered component's snapshot), not the pipeline's.
    // A parallel step's code and environment are its task's.
    const where: FieldPath = step.component ? ['jobs', name, 'component'] : step.parallel ? ['jobs', name, 'task'] : ['jobs', name];
    if (step.code) addLocal([...where, 'code'], step.code, 'upload');
    addDataInputs(['jobs', name, 'inputs'], step.inputs);
    if (isPlainObject(step.environment) && typeof step.environment.conda_file === 'string')
      addLocal([...where, 'environment', 'conda_file'], step.environment.conda_file, 'inline-yaml');
  }
  return { pipeline, localPaths };
}
