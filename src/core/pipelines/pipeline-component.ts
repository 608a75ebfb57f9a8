import { dataInputTypes } from '../azureml/command-job-schema.js';
import { isPlainObject } from '../azureml/schema-helpers.js';
import type { FieldPath } from '../yaml/field-path.js';

/**
 * Pipeline components (`type: pipeline` components, Azure ML's pipelineComponent.schema.json): a
 * step whose component is a pipeline runs as the component's own steps, put in its place under
 * the names `<step>.<inner>` (nested components again, `<step>.<inner>.<innermost>`). Inside, the
 * bindings to `parent` are the component's inputs and outputs, so they are replaced by what the
 * step gives them:
 *
 *   ${{parent.inputs.x}}             the step's input x (a value, a data input, or a binding of the
 *                                    level above), else the component's default; left out if optional
 *   ${{parent.jobs.j.outputs.o}}     the inner step's output: ${{parent.jobs.<step>.j.outputs.o}}
 *   ${{parent.outputs.p}}            (an inner step's output) the step's output p: bound to the level
 *                                    above when the step binds it, else a plain output
 *
 * and steps of the level above that read `${{parent.jobs.<step>.outputs.p}}` read the inner step
 * output that writes p. The result is one flat graph, checked like any pipeline (no cycle, no
 * binding to nothing). A step's `compute: ${{parent.inputs.x}}` takes the pipeline's input x.
 * Pure: works on the document as parsed, before the pipeline schema reads it.
 */

export interface ExpansionProblem {
  pointer: FieldPath;
  message: string;
}

const wholeBinding = /^\s*\$\{\{\s*parent\.(inputs|outputs|jobs)\.([^}]*?)\s*\}\}\s*$/;
const maxDepth = 10;

/** The pipeline document with every pipeline-component step replaced by its steps; problems name the step's field. */
export function expandPipelineComponents(document: Record<string, unknown>): {
  value: Record<string, unknown>;
  problems: ExpansionProblem[];
} {
  if (!isPlainObject(document.jobs)) return { value: document, problems: [] };
  const problems: ExpansionProblem[] = [];
  const { steps } = expandLevel(document.jobs, ['jobs'], 0, problems);
  // A step's compute bound to a pipeline input (a string) takes its value.
  const pipelineInputs = isPlainObject(document.inputs) ? document.inputs : {};
  for (const [name, step] of Object.entries(steps)) {
    if (!isPlainObject(step) || typeof step.compute !== 'string') continue;
    const match = wholeBinding.exec(step.compute);
    if (!match) continue;
    const input = match[1] === 'inputs' ? pipelineInputs[match[2]!] : undefined;
    const value = isPlainObject(input) ? input.default : input;
    if (typeof value === 'string') steps[name] = { ...step, compute: value };
    else
      problems.push({
        pointer: ['jobs', name, 'compute'],
        message: `compute '${step.compute}' must name a pipeline input that holds a compute name (a string); the pipeline's inputs: ${Object.keys(pipelineInputs).join(', ') || '(none)'}`,
      });
  }
  return { value: { ...document, jobs: steps }, problems };
}

/** Whether a step runs a pipeline component: `type: pipeline`, or an inline component of that type. */
function isPipelineStep(step: unknown): step is Record<string, unknown> {
  if (!isPlainObject(step)) return false;
  if (typeof step.type === 'string' && step.type.toLowerCase() === 'pipeline') return true;
  return isPlainObject(step.component) && typeof step.component.type === 'string' && step.component.type.toLowerCase() === 'pipeline';
}

/**
 * One level's steps, pipeline-component steps expanded; and for each expanded step, the binding
 * (relative to this level) of the inner step output that writes each of its outputs.
 */
function expandLevel(
  jobs: Record<string, unknown>,
  pointer: FieldPath,
  depth: number,
  problems: ExpansionProblem[],
): { steps: Record<string, unknown>; outputsOf: Map<string, Map<string, string>> } {
  const steps: Record<string, unknown> = {};
  const outputsOf = new Map<string, Map<string, string>>();
  for (const [name, step] of Object.entries(jobs)) {
    if (!isPipelineStep(step)) {
      steps[name] = step;
      continue;
    }
    const at = [...pointer, name];
    const component = step.component;
    if (!isPlainObject(component)) {
      problems.push({
        pointer: [...at, 'component'],
        message: `pipeline component '${String(component)}' was not resolved: name a local component file (trellis job create reads it and the files it names) or write it inline; registered pipeline components are not supported yet`,
      });
      continue;
    }
    if (depth >= maxDepth) {
      problems.push({ pointer: at, message: `pipeline components nest more than ${maxDepth} deep here; does a component run itself?` });
      continue;
    }
    if (!isPlainObject(component.jobs) || Object.keys(component.jobs).length === 0) {
      problems.push({ pointer: [...at, 'component', 'jobs'], message: 'a pipeline component needs its steps under jobs' });
      continue;
    }
    for (const key of Object.keys(step))
      if (!['type', 'component', 'inputs', 'outputs', 'compute', 'display_name', 'description', 'tags'].includes(key))
        problems.push({
          pointer: [...at, key],
          message: `unknown field '${key}' for a pipeline component step; allowed: type, component, inputs, outputs, compute, display_name, description, tags`,
        });
    const declaredInputs = isPlainObject(component.inputs) ? component.inputs : {};
    const declaredOutputs = isPlainObject(component.outputs) ? component.outputs : {};
    const givenInputs = isPlainObject(step.inputs) ? step.inputs : {};
    const givenOutputs = isPlainObject(step.outputs) ? step.outputs : {};
    for (const output of Object.keys(givenOutputs))
      if (!(output in declaredOutputs))
        problems.push({
          pointer: [...at, 'outputs', output],
          message: `pipeline component ${String(component.name ?? name)} has no output '${output}'; its outputs: ${Object.keys(declaredOutputs).join(', ') || '(none)'}`,
        });
    const inner = expandLevel(component.jobs, [...at, 'component', 'jobs'], depth + 1, problems);
    const written = new Map<string, string>();
    const resolve = (value: unknown, where: FieldPath, isOutput: boolean, outputName?: string, innerName?: string): unknown => {
      if (typeof value === 'string') {
        const match = wholeBinding.exec(value);
        if (!match) return value;
        const scope = match[1]!;
        const rest = match[2]!;
        // An inner step's reading of a step of its own level, as the flat graph names it (a nested
        // component's outputs were already sent to the step inside it that writes them).
        if (scope === 'jobs') return `\${{parent.jobs.${name}.${rest}}}`;
        if (scope === 'inputs') {
          if (rest in givenInputs && givenInputs[rest] !== null && givenInputs[rest] !== undefined) return givenInputs[rest];
          const declared = declaredInputs[rest];
          if (!isPlainObject(declared)) {
            problems.push({
              pointer: where,
              message: `pipeline component ${String(component.name ?? name)} has no input '${rest}'; its inputs: ${Object.keys(declaredInputs).join(', ') || '(none)'}`,
            });
            return undefined;
          }
          if (declared.default !== undefined) {
            const isData = (dataInputTypes as readonly string[]).includes(String(declared.type));
            return isData ? { type: declared.type, path: String(declared.default) } : declared.default;
          }
          if (declared.optional === true || declared.optional === 'true') return undefined;
          problems.push({
            pointer: [...at, 'inputs', rest],
            message: `input '${rest}' of pipeline component ${String(component.name ?? name)} is required (${String(declared.type)}); give it a value or a binding`,
          });
          return undefined;
        }
        if (scope === 'outputs' && isOutput && outputName !== undefined && innerName !== undefined) {
          if (!(rest in declaredOutputs)) {
            problems.push({
              pointer: where,
              message: `pipeline component ${String(component.name ?? name)} has no output '${rest}'; its outputs: ${Object.keys(declaredOutputs).join(', ') || '(none)'}`,
            });
            return value;
          }
          written.set(rest, `\${{parent.jobs.${name}.${innerName}.outputs.${outputName}}}`);
          const given = givenOutputs[rest];
          if (typeof given === 'string') return given;
          const declared = declaredOutputs[rest];
          return { ...(isPlainObject(declared) ? declared : {}), ...(isPlainObject(given) ? given : {}) };
        }
        return value;
      }
      if (Array.isArray(value)) return value.map((item, index) => resolve(item, [...where, index], false));
      if (isPlainObject(value)) {
        const result: Record<string, unknown> = {};
        for (const [key, item] of Object.entries(value)) {
          const resolved = resolve(item, [...where, key], false);
          if (resolved !== undefined) result[key] = resolved;
        }
        return result;
      }
      return value;
    };
    for (const [innerName, innerStep] of Object.entries(inner.steps)) {
      const where = [...at, 'component', 'jobs', innerName];
      if (!isPlainObject(innerStep)) {
        steps[`${name}.${innerName}`] = innerStep;
        continue;
      }
      const expanded: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(innerStep)) {
        // The component a step runs is its own text: its ${{inputs.x}} are not bindings.
        if (key === 'component') expanded[key] = value;
        else if (key === 'outputs' && isPlainObject(value)) {
          const outputs: Record<string, unknown> = {};
          for (const [output, bound] of Object.entries(value))
            outputs[output] = resolve(bound, [...where, 'outputs', output], true, output, innerName) ?? null;
          expanded.outputs = outputs;
        } else {
          const resolved = resolve(value, [...where, key], false);
          if (resolved !== undefined) expanded[key] = resolved;
        }
      }
      // The step's compute applies to its inner steps that name none.
      if (typeof step.compute === 'string' && expanded.compute === undefined) expanded.compute = step.compute;
      steps[`${name}.${innerName}`] = expanded;
    }
    outputsOf.set(name, written);
  }
  // Steps of this level that read an expanded step's output read the inner step that writes it.
  if (outputsOf.size > 0)
    for (const [name, step] of Object.entries(steps)) {
      if (!isPlainObject(step) || !isPlainObject(step.inputs)) continue;
      const inputs: Record<string, unknown> = {};
      for (const [input, value] of Object.entries(step.inputs)) {
        const match = typeof value === 'string' ? wholeBinding.exec(value) : null;
        const [owner, kind, output] = match?.[1] === 'jobs' ? match[2]!.split('.') : [];
        const writes = owner !== undefined ? outputsOf.get(owner) : undefined;
        if (writes === undefined || kind !== 'outputs' || output === undefined) {
          inputs[input] = value;
          continue;
        }
        const target = writes.get(output);
        if (target === undefined)
          problems.push({
            pointer: [...pointer, name, 'inputs', input],
            message: `step '${owner}' (a pipeline component) writes no output '${output}'; its outputs: ${[...writes.keys()].join(', ') || '(none bound inside it)'}`,
          });
        inputs[input] = target ?? value;
      }
      steps[name] = { ...step, inputs };
    }
  return { steps, outputsOf };
}
