import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { isCollection, isMap, parseDocument } from 'yaml';
import { type ParsedPipelineFile, parsePipelineFile } from '../core/azureml/parse-pipeline-file.js';
import { remoteScheme } from '../core/azureml/paths.js';
import { namesRegisteredComponents, pipelineLocalPaths } from '../core/azureml/pipeline-local-paths.js';
import { isPlainObject } from '../core/azureml/schema-helpers.js';
import { parseYaml } from '../core/yaml/parse-yaml.js';
import { ApiError } from '../client/api-error.js';
import { readUserFile } from './local-files.js';

/** How deep local pipeline components may nest before a component that names itself is suspected. */
const maxDepth = 10;

/**
 * A pipeline file's text with each step's local component file (`component: ./train.yml`) put
 * inline, as `az ml job create` sends it (each on its `component:` line, so the lines of the rest stay
 * as written): the component's own local paths (its code folder, an
 * inline environment's conda file) rewritten relative to the pipeline file, so they upload with it.
 * A pipeline component (`type: pipeline`) has its own steps' component files put inline the same
 * way, each relative to the file that names it. Registered components (`azureml:...`) are left
 * for the server to resolve.
 */
export async function inlineLocalComponents(text: string, pipelineFile: string): Promise<string> {
  const document = parseDocument(text);
  const jobs = document.get('jobs');
  if (!isMap(jobs)) return text;
  let changed = false;
  const folder = dirname(resolve(pipelineFile));
  for (const item of jobs.items) {
    const step = String(isMap(item.value) ? item.key : '');
    // A sweep step names its component as its trial.
    const field = String(document.getIn(['jobs', step, 'type']) ?? '').toLowerCase() === 'sweep' ? 'trial' : 'component';
    const reference = step ? document.getIn(['jobs', step, field]) : undefined;
    if (typeof reference !== 'string' || remoteScheme(reference) !== undefined) continue;
    // `file:./component.yml` names a local file too, as azure-ai-ml reads it.
    const component = await readComponent(folder, folder, reference.replace(/^file:/, ''), `step ${step}`, 0);
    // On one line (flow style), so every other line of the file keeps its number: problems the server finds point into the file as written.
    const node = document.createNode(component);
    if (isCollection(node)) node.flow = true;
    document.setIn(['jobs', step, field], node);
    changed = true;
  }
  return changed ? document.toString({ lineWidth: 0 }) : text;
}

/**
 * The local paths to send with a pipeline file (its local components already inline). The file is
 * validated whole here, before anything is uploaded, unless a step runs a registered component:
 * only the server has it, and checks the file once it has put it inline.
 */
export function pipelineFileLocalPaths(text: string, fileName: string): Pick<ParsedPipelineFile, 'localPaths'> {
  const yaml = parseYaml(text, fileName);
  if (namesRegisteredComponents(yaml)) return { localPaths: pipelineLocalPaths(yaml) };
  return parsePipelineFile(text, fileName);
}

/** The component file `reference` (relative to `from`) as a mapping, its local paths relative to `pipelineFolder`. */
async function readComponent(
  pipelineFolder: string,
  from: string,
  reference: string,
  what: string,
  depth: number,
): Promise<Record<string, unknown>> {
  const componentPath = resolve(from, reference);
  const componentText = await readUserFile(componentPath, `${what} names component file '${reference}'; fix the path`);
  const component = parseYaml(componentText, componentPath).value;
  const rebase = (path: unknown) =>
    typeof path === 'string' && remoteScheme(path) === undefined && !isAbsolute(path)
      ? `./${relative(pipelineFolder, resolve(dirname(componentPath), path))
          .split(sep)
          .join('/')}`
      : path;
  if (component.code !== undefined) component.code = rebase(component.code);
  if (isPlainObject(component.environment) && component.environment.conda_file !== undefined)
    component.environment = { ...component.environment, conda_file: rebase(component.environment.conda_file) };
  if (typeof component.type !== 'string' || component.type.toLowerCase() !== 'pipeline' || !isPlainObject(component.jobs)) return component;
  if (depth >= maxDepth)
    throw new ApiError(
      400,
      'ComponentNesting',
      `${what}: pipeline components nest more than ${maxDepth} deep from ${reference}; does one name itself?`,
    );
  const jobs: Record<string, unknown> = {};
  for (const [name, step] of Object.entries(component.jobs)) {
    if (!isPlainObject(step)) {
      jobs[name] = step;
      continue;
    }
    const inner: Record<string, unknown> = { ...step };
    if (typeof step.component === 'string' && remoteScheme(step.component) === undefined)
      inner.component = await readComponent(
        pipelineFolder,
        dirname(componentPath),
        step.component.replace(/^file:/, ''),
        `step ${name} of ${reference}`,
        depth + 1,
      );
    if (typeof step.code === 'string') inner.code = rebase(step.code);
    if (isPlainObject(step.inputs)) {
      const inputs: Record<string, unknown> = {};
      for (const [input, value] of Object.entries(step.inputs))
        inputs[input] = isPlainObject(value) && typeof value.path === 'string' ? { ...value, path: rebase(value.path) } : value;
      inner.inputs = inputs;
    }
    jobs[name] = inner;
  }
  return { ...component, jobs };
}
