import { dataInputTypes } from '../azureml/command-job-schema.js';
import { type ComponentInput, literalProblem } from '../azureml/component-schema.js';
import type { PipelineJobFile } from '../azureml/pipeline-job-schema.js';
import { isPlainObject } from '../azureml/schema-helpers.js';
import { type Binding, formatBinding } from './bindings.js';
import type { GraphProblem } from './pipeline-graph.js';

/**
 * The types of a pipeline's bindings against the component inputs they feed, checked before
 * anything is queued: data (a step's output, a pipeline data input) goes to data inputs, literals
 * to literal inputs, and a pipeline input's value must be one the component input takes (its type,
 * min, max, enum), as it would be written in the step. Data types are not told apart (a folder
 * output may feed an mltable or a model input, as on Azure ML). Pure.
 */

/** What a binding carries: data of a type, or a literal of a type (with its value when the pipeline gives one). */
type Carried = { kind: 'data'; type: string } | { kind: 'literal'; type: string; value?: string | number | boolean };

const isDataType = (type: string) => (dataInputTypes as readonly string[]).includes(type);

/** Every binding whose value cannot go into the component input it is bound to; empty when all fit. */
export function checkBindingTypes(file: PipelineJobFile): GraphProblem[] {
  const problems: GraphProblem[] = [];
  for (const [stepName, step] of Object.entries(file.jobs)) {
    const declaredInputs = step.componentInputs;
    if (!declaredInputs) continue;
    for (const [input, binding] of Object.entries(step.inputBindings)) {
      const declared = declaredInputs[input];
      const carried = carriedBy(file, binding);
      if (!declared || !carried) continue;
      const problem = mismatch(declared, carried);
      if (!problem) continue;
      problems.push({
        pointer: ['jobs', stepName, 'inputs', input],
        message: `${formatBinding(binding)} ${problem} input '${input}' of component ${step.component} (${declared.type}); ${candidates(file, stepName, declared)}`,
      });
    }
  }
  return problems;
}

/** What a binding carries, or undefined when it leads nowhere (the graph check says so). */
function carriedBy(file: PipelineJobFile, binding: Binding): Carried | undefined {
  if (binding.kind === 'stepOutput') {
    const upstream = file.jobs[binding.step];
    if (!upstream?.outputs || !(binding.name in upstream.outputs)) return undefined;
    const target = upstream.outputBindings[binding.name];
    const type = (target !== undefined ? file.outputs?.[target]?.type : upstream.outputs[binding.name]?.type) ?? 'uri_folder';
    return { kind: 'data', type };
  }
  if (binding.kind !== 'pipelineInput') return undefined;
  const input = file.inputs?.[binding.name];
  if (input === undefined) return undefined;
  if (!isPlainObject(input)) return { kind: 'literal', type: literalType(input), value: input };
  const type = typeof input.type === 'string' ? input.type.toLowerCase() : 'string';
  if (isDataType(type)) return { kind: 'data', type };
  const value = input.default;
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? { kind: 'literal', type, value }
    : { kind: 'literal', type };
}

function literalType(value: string | number | boolean): string {
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return 'string';
}

/** Why what a binding carries cannot go into the declared input (ending before "input 'x' of component ..."), or undefined. */
function mismatch(declared: ComponentInput, carried: Carried): string | undefined {
  const wantsData = isDataType(declared.type);
  if (carried.kind === 'data') return wantsData ? undefined : `is ${carried.type} data, which cannot go into the literal`;
  if (wantsData)
    return `gives a ${carried.type} value${carried.value !== undefined ? ` (${JSON.stringify(carried.value)})` : ''}, not data, to`;
  if (carried.value !== undefined) {
    const problem = literalProblem(declared, carried.value);
    return problem ? `gives ${JSON.stringify(carried.value)}, which does not fit: the value ${problem}; for` : undefined;
  }
  // A typed pipeline input without a value: its type must be one the input takes.
  const fits = carried.type === declared.type || declared.type === 'string' || (carried.type === 'integer' && declared.type === 'number');
  return fits ? undefined : `is a ${carried.type} pipeline input, which does not fit the`;
}

/** What could be bound instead: the pipeline inputs, and for data the outputs of the other steps. */
function candidates(file: PipelineJobFile, stepName: string, declared: ComponentInput): string {
  const wantsData = isDataType(declared.type);
  const names: string[] = [];
  for (const name of Object.keys(file.inputs ?? {})) {
    const carried = carriedBy(file, { kind: 'pipelineInput', name });
    if (carried && !mismatch(declared, carried)) names.push(formatBinding({ kind: 'pipelineInput', name }));
  }
  if (wantsData)
    for (const [step, other] of Object.entries(file.jobs))
      if (step !== stepName)
        for (const output of Object.keys(other.outputs ?? {})) names.push(formatBinding({ kind: 'stepOutput', step, name: output }));
  const what = wantsData ? 'data that fits' : `pipeline inputs that fit ${declared.type}`;
  return names.length > 0
    ? `${what}: ${names.join(', ')}`
    : `nothing in this pipeline fits; ${wantsData ? 'bind a step output or a data input' : `give a ${declared.type} value or declare a pipeline input for it`}`;
}
