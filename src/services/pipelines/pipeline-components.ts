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
    // A sweep step names its component as its trial.
    const field = isPlainObject(value) && String(value.type).toLowerCase() === 'sweep' ? 'trial' : 'component';
    const reference = isPlainObject(value) ? value[field] : undefined;
    if (!isPlainObject(value) || typeof reference !== 'string' || !reference.startsWith('azureml:')) {
      resolved[step] = value;
      continue;
    }
    const found = await findAsset(context, workspace, 'component', reference);
    if (!found) {
      const { line } = yaml.locate(['jobs', step, field]);
      problems.push({
        path: `jobs.${step}.${field}`,
        ...(line ? { line } : {}),
        message: `component '${reference}' does not exist in workspace '${workspace}'; components here: ${await existingNames(context, workspace, 'component')}; register one with: trellis component create --file <component.yml>`,
      });
      resolved[step] = value;
      continue;
    }
    resolved[step] = {
      ...value,
      [field]: {
        name: found.name,
        version: found.version,
        ...(found.description ? { description: found.description } : {}),
        ...found.spec,
      },
    };
  }
  return { document: { ...yaml, value: { ...yaml.value, jobs: resolved } }, problems };
}
