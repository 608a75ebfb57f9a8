import { parseBinding } from '../pipelines/bindings.js';
import type { DocumentSource } from '../yaml/document-source.js';
import type { FieldPath } from '../yaml/field-path.js';
import { dataInputTypes } from './command-job-schema.js';
import type { LocalPath } from './parse-resource-file.js';
import { remoteScheme } from './paths.js';
import { isPlainObject } from './schema-helpers.js';

/**
 * The local paths of a pipeline file that the client sends with it — the pipeline's and the steps'
 * local data inputs, each step's (or its inline component's) code folder and an inline
 * environment's conda file — read from the document as written, without validating it. For a
 * client that cannot validate the file whole: a step that runs a registered component
 * (`azureml:<name>@latest`) is only known to the server, which puts it inline and checks it.
 * Pure.
 */
export function pipelineLocalPaths(yaml: DocumentSource): LocalPath[] {
  const found: LocalPath[] = [];
  const add = (pointer: FieldPath, value: unknown, use: LocalPath['use']) => {
    if (typeof value !== 'string' || value.trim() === '' || remoteScheme(value) !== undefined) return;
    if (parseBinding(value) !== undefined) return;
    if (found.some((known) => known.value === value && known.use === use)) return;
    const { line } = yaml.locate(pointer);
    found.push({ pointer: [...pointer], value, use, ...(line ? { line } : {}) });
  };
  const isData = (type: unknown) => typeof type === 'string' && (dataInputTypes as readonly string[]).includes(type.toLowerCase());
  const document = yaml.value;
  for (const [name, input] of Object.entries(isPlainObject(document.inputs) ? document.inputs : {}))
    if (isPlainObject(input) && isData(input.type)) add(['inputs', name, 'path'], input.path, 'upload');
  for (const [name, step] of Object.entries(isPlainObject(document.jobs) ? document.jobs : {})) {
    if (!isPlainObject(step)) continue;
    const component = isPlainObject(step.component) ? step.component : undefined;
    // The fields of the command the step runs: its own, or its inline component's (a registered one's are stored already).
    const source = component ?? (step.component === undefined ? step : undefined);
    const prefix: FieldPath = component ? ['jobs', name, 'component'] : ['jobs', name];
    const declared = component && isPlainObject(component.inputs) ? component.inputs : {};
    if (source) {
      add([...prefix, 'code'], source.code, 'upload');
      if (isPlainObject(source.environment)) add([...prefix, 'environment', 'conda_file'], source.environment.conda_file, 'inline-yaml');
    }
    const given = isPlainObject(step.inputs) ? step.inputs : {};
    for (const [input, value] of Object.entries(given)) {
      const declaredType = isPlainObject(declared[input]) ? declared[input].type : undefined;
      if (isPlainObject(value) && (isData(value.type) || (value.type === undefined && isData(declaredType))))
        add(['jobs', name, 'inputs', input, 'path'], value.path, 'upload');
      else if (typeof value === 'string' && isData(declaredType)) add(['jobs', name, 'inputs', input], value, 'upload');
    }
    // A data input the step leaves out takes the inline component's default path.
    for (const [input, spec] of Object.entries(declared))
      if (given[input] === undefined && isPlainObject(spec) && isData(spec.type))
        add(['jobs', name, 'component', 'inputs', input, 'default'], spec.default, 'upload');
  }
  return found;
}

/** True when a step names a registered component (`component: azureml:...`), which only the server can put inline. */
export function namesRegisteredComponents(yaml: DocumentSource): boolean {
  const jobs = isPlainObject(yaml.value.jobs) ? yaml.value.jobs : {};
  return Object.values(jobs).some(
    (step) => isPlainObject(step) && typeof step.component === 'string' && remoteScheme(step.component) !== undefined,
  );
}
