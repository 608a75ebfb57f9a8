import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { isCollection, isMap, parseDocument } from 'yaml';
import { type ParsedPipelineFile, parsePipelineFile } from '../core/azureml/parse-pipeline-file.js';
import { remoteScheme } from '../core/azureml/paths.js';
import { namesRegisteredComponents, pipelineLocalPaths } from '../core/azureml/pipeline-local-paths.js';
import { isPlainObject } from '../core/azureml/schema-helpers.js';
import { parseYaml } from '../core/yaml/parse-yaml.js';
import { readUserFile } from './local-files.js';

/**
 * A pipeline file's text with each step's local component file (`component: ./train.yml`) put
 * inline, as `az ml job create` sends it (each on its `component:` line, so the lines of the rest stay
 * as written): the component's own local paths (its code folder, an
 * inline environment's conda file) rewritten relative to the pipeline file, so they upload with it.
 * Registered components (`azureml:...`) are left for the server to resolve.
 */
export async function inlineLocalComponents(text: string, pipelineFile: string): Promise<string> {
  const document = parseDocument(text);
  const jobs = document.get('jobs');
  if (!isMap(jobs)) return text;
  let changed = false;
  const folder = dirname(resolve(pipelineFile));
  for (const item of jobs.items) {
    const step = String(isMap(item.value) ? item.key : '');
    const reference = step ? document.getIn(['jobs', step, 'component']) : undefined;
    if (typeof reference !== 'string' || remoteScheme(reference) !== undefined) continue;
    // `file:./component.yml` names a local file too, as azure-ai-ml reads it.
    const componentPath = resolve(folder, reference.replace(/^file:/, ''));
    const componentText = await readUserFile(componentPath, `step ${step} names component file '${reference}'; fix the path`);
    const component = parseYaml(componentText, componentPath).value;
    const rebase = (path: unknown) =>
      typeof path === 'string' && remoteScheme(path) === undefined && !isAbsolute(path)
        ? `./${relative(folder, resolve(dirname(componentPath), path))
            .split(sep)
            .join('/')}`
        : path;
    if (component.code !== undefined) component.code = rebase(component.code);
    if (isPlainObject(component.environment) && component.environment.conda_file !== undefined)
      component.environment = { ...component.environment, conda_file: rebase(component.environment.conda_file) };
    // On one line (flow style), so every other line of the file keeps its number: problems the server finds point into the file as written.
    const node = document.createNode(component);
    if (isCollection(node)) node.flow = true;
    document.setIn(['jobs', step, 'component'], node);
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
