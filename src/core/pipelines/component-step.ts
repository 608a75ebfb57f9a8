import { dataInputTypes } from '../azureml/command-job-schema.js';
import { type ComponentFile, literalProblem } from '../azureml/component-schema.js';
import { isPlainObject } from '../azureml/schema-helpers.js';
import { parseBinding } from './bindings.js';

/**
 * A pipeline step that runs a component, written as the command job it amounts to: the
 * component's command, code, environment, resources and distribution; its inputs given the
 * step's values (or bindings), else their defaults, each literal checked against the input's
 * type, min, max and enum; its outputs, with the step's overrides or bindings. Pure: problems are
 * returned with their path under the step.
 */

export interface ComponentStepProblem {
  path: Array<string | number>;
  message: string;
}

/** Step fields that apply on top of the component (the rest of the step is the component's). */
export const stepOverrides = [
  'compute',
  'environment_variables',
  'resources',
  'limits',
  'display_name',
  'description',
  'tags',
  'experiment_name',
  'queue_settings',
  // Interactive services (vs_code, jupyter_lab, ...): recorded on the step's job, as on a command job.
  'services',
];

export function componentStepFields(
  step: Record<string, unknown>,
  component: ComponentFile,
): { fields: Record<string, unknown>; problems: ComponentStepProblem[] } {
  const problems: ComponentStepProblem[] = [];
  const declaredInputs = component.inputs ?? {};
  const given = isPlainObject(step.inputs) ? step.inputs : {};
  const inputs: Record<string, unknown> = {};
  for (const name of Object.keys(given))
    if (!(name in declaredInputs))
      problems.push({
        path: ['inputs', name],
        message: `component ${component.name} has no input '${name}'; its inputs: ${Object.keys(declaredInputs).join(', ') || '(none)'}`,
      });
  for (const [name, declared] of Object.entries(declaredInputs)) {
    const value = given[name];
    const isData = (dataInputTypes as readonly string[]).includes(declared.type);
    if (value === undefined || value === null) {
      if (declared.default !== undefined)
        inputs[name] = isData
          ? { type: declared.type, path: String(declared.default) }
          : { type: declared.type, default: declared.default };
      else if (declared.optional) inputs[name] = { type: declared.type, optional: true };
      else
        problems.push({
          path: ['inputs', name],
          message: `input '${name}' of component ${component.name} is required (${declared.type}); give it a value or a binding`,
        });
      continue;
    }
    const binding = parseBinding(value);
    if (binding !== undefined) {
      // A binding is checked against the graph, and its value's type when the step runs.
      inputs[name] = value;
      continue;
    }
    if (isData) {
      if (isPlainObject(value)) inputs[name] = { ...value, type: value.type ?? declared.type };
      else if (typeof value === 'string') inputs[name] = { type: declared.type, path: value };
      else
        problems.push({
          path: ['inputs', name],
          message: `input '${name}' is ${declared.type} data: give a path, a data asset or a binding`,
        });
      continue;
    }
    const literal = isPlainObject(value) ? value.default : value;
    if (typeof literal !== 'string' && typeof literal !== 'number' && typeof literal !== 'boolean') {
      problems.push({ path: ['inputs', name], message: `input '${name}' is ${declared.type}: give a value or a binding` });
      continue;
    }
    const problem = literalProblem(declared, literal);
    if (problem) problems.push({ path: ['inputs', name], message: `input '${name}' of component ${component.name} ${problem}` });
    else inputs[name] = literal;
  }

  const outputs: Record<string, unknown> = {};
  const givenOutputs = isPlainObject(step.outputs) ? step.outputs : {};
  for (const name of Object.keys(givenOutputs))
    if (!(name in (component.outputs ?? {})))
      problems.push({
        path: ['outputs', name],
        message: `component ${component.name} has no output '${name}'; its outputs: ${Object.keys(component.outputs ?? {}).join(', ') || '(none)'}`,
      });
  for (const [name, declared] of Object.entries(component.outputs ?? {})) {
    const override = givenOutputs[name];
    if (parseBinding(override) !== undefined) outputs[name] = override;
    else if (isPlainObject(override)) outputs[name] = { ...declared, ...override };
    else outputs[name] = declared;
  }

  const fields: Record<string, unknown> = {
    command: component.command,
    environment: component.environment,
    ...(component.code ? { code: component.code } : {}),
    ...(component.environment_variables ? { environment_variables: component.environment_variables } : {}),
    ...(component.resources ? { resources: component.resources } : {}),
    ...(component.distribution ? { distribution: component.distribution } : {}),
    ...(component.display_name ? { display_name: component.display_name } : {}),
    ...(Object.keys(inputs).length > 0 ? { inputs } : {}),
    ...(Object.keys(outputs).length > 0 ? { outputs } : {}),
  };
  for (const field of stepOverrides) if (step[field] !== undefined) fields[field] = step[field];
  return { fields, problems };
}
