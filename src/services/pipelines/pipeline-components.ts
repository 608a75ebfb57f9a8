import { isPlainObject } from '../../core/azureml/schema-helpers.js';
import type { Problem } from '../../core/errors.js';
import type { DocumentSource } from '../../core/yaml/document-source.js';
import { existingNames, findAsset } from '../asset-lookup.js';
import type { Context } from '../context.js';

/**
 * A pipeline document with every registered component its steps name (`component:
 * azureml:<name>:<version>` or `azureml:<name>@latest`) put inline, as the component asset holds
 * it (its code as the snapshot it was registered with); lines still point into the file as
 * written. A reference to no component is a problem naming the components there are.
 */
export async function withRegisteredComponents(
  context: Context,
  workspace: string,
  yaml: DocumentSource,
): Promise<{ document: DocumentSource; problems: Problem[] }> {
  const problems: Problem[] = [];
  const jobs = isPlainObject(yaml.value.jobs) ? yaml.value.jobs : {};
  const resolved: Record<string, unknown> = {};
  for (const [step, value] of Object.entries(jobs)) {
    if (!isPlainObject(value) || typeof value.component !== 'string' || !value.component.startsWith('azureml:')) {
      resolved[step] = value;
      continue;
    }
    const found = await findAsset(context, workspace, 'component', value.component);
    if (!found) {
      const { line } = yaml.locate(['jobs', step, 'component']);
      problems.push({
        path: `jobs.${step}.component`,
        ...(line ? { line } : {}),
        message: `component '${value.component}' does not exist in workspace '${workspace}'; components here: ${await existingNames(context, workspace, 'component')}; register one with: trellis component create --file <component.yml>`,
      });
      resolved[step] = value;
      continue;
    }
    resolved[step] = {
      ...value,
      component: {
        name: found.name,
        version: found.version,
        ...(found.description ? { description: found.description } : {}),
        ...found.spec,
      },
    };
  }
  return { document: { ...yaml, value: { ...yaml.value, jobs: resolved } }, problems };
}
