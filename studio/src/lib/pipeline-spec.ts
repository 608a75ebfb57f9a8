import { isMapping, type Mapping, mappingAt, scalarText as text, valueText } from './mapping.js';

/**
 * What the studio reads from a pipeline job's spec (the validated Azure ML file as the API sends
 * it, a JSON mapping): its inputs, outputs and settings, and for each step the component it runs
 * and which output of which step each of its inputs reads. Pure; anything unexpected reads as absent.
 */

/** An input or output of the pipeline, in words: its name and what it is. */
export interface NamedValue {
  name: string;
  value: string;
}

/** The pipeline's inputs: a literal as written, a data input as `<type> <path> (<mode>)`. */
export function pipelineInputs(spec: Mapping): NamedValue[] {
  return Object.entries(mappingAt(spec, 'inputs')).map(([name, input]) => ({ name, value: describeInput(input) }));
}

function describeInput(input: unknown): string {
  if (!isMapping(input)) return valueText(input);
  const value = text(input.path) ?? text(input.value) ?? (input.default !== undefined ? `${text(input.default)} (default)` : undefined);
  const mode = text(input.mode);
  return [text(input.type), value, mode ? `(${mode})` : undefined].filter(Boolean).join(' ') || JSON.stringify(input);
}

/** An output of the pipeline: what it is, the data asset name it asks for, and the step outputs that write it. */
export interface PipelineOutput {
  name: string;
  type: string;
  mode: string | undefined;
  assetName: string | undefined;
  /** `<step>.<output>` of each step output bound to it (`${{parent.outputs.<name>}}`). */
  writtenBy: string[];
}

export function pipelineOutputs(spec: Mapping): PipelineOutput[] {
  const writers = new Map<string, string[]>();
  for (const [step, fields] of Object.entries(mappingAt(spec, 'jobs')))
    for (const [output, target] of Object.entries(mappingAt(fields, 'outputBindings'))) {
      const name = text(target);
      if (name) writers.set(name, [...(writers.get(name) ?? []), `${step}.${output}`]);
    }
  const declared = mappingAt(spec, 'outputs');
  const names = [...new Set([...Object.keys(declared), ...writers.keys()])];
  return names.map((name) => {
    const output = isMapping(declared[name]) ? declared[name] : {};
    return {
      name,
      type: text(output.type) ?? 'uri_folder',
      mode: text(output.mode),
      assetName: text(output.name),
      writtenBy: writers.get(name) ?? [],
    };
  });
}

/** The pipeline's settings (default_compute, continue_on_step_failure, force_rerun, ...), as written. */
export function pipelineSettings(spec: Mapping): NamedValue[] {
  return Object.entries(mappingAt(spec, 'settings')).map(([name, value]) => ({ name, value: valueText(value) }));
}

/** A step input that reads another step's output: the edge from `from` to `to`, in the file's words. */
export interface StepBinding {
  from: string;
  output: string;
  to: string;
  input: string;
}

export function stepBindings(spec: Mapping): StepBinding[] {
  return Object.entries(mappingAt(spec, 'jobs')).flatMap(([to, fields]) =>
    Object.entries(mappingAt(fields, 'inputBindings')).flatMap(([input, binding]) => {
      if (!isMapping(binding) || binding.kind !== 'stepOutput') return [];
      const from = text(binding.step);
      const output = text(binding.name);
      return from && output ? [{ from, output, to, input }] : [];
    }),
  );
}

/** The component (`name:version`) each step runs, for the steps that run one. */
export function stepComponents(spec: Mapping): Map<string, string> {
  return new Map(
    Object.entries(mappingAt(spec, 'jobs')).flatMap(([step, fields]) => {
      const component = isMapping(fields) ? text(fields.component) : undefined;
      return component ? [[step, component] as const] : [];
    }),
  );
}
