import type { PipelineJobFile } from '../azureml/pipeline-job-schema.js';
import type { FieldPath } from '../yaml/field-path.js';

/**
 * The steps of a pipeline as a graph: a step depends on every step whose output one of its inputs
 * is bound to. Checked before anything is queued: every binding names a pipeline input or output,
 * or a step and an output of it that exist, and the steps form no cycle. Pure.
 */

export interface GraphProblem {
  pointer: FieldPath;
  message: string;
}

/** The steps each step waits for, by step name (steps in the file's order). */
export function stepDependencies(file: PipelineJobFile): Map<string, string[]> {
  const dependencies = new Map<string, string[]>();
  for (const [name, step] of Object.entries(file.jobs)) {
    const upstream = new Set<string>();
    for (const binding of Object.values(step.inputBindings)) if (binding.kind === 'stepOutput') upstream.add(binding.step);
    dependencies.set(name, [...upstream]);
  }
  return dependencies;
}

/** Every binding that leads nowhere, and every cycle; empty when the pipeline can run. */
export function checkPipelineGraph(file: PipelineJobFile): GraphProblem[] {
  const problems: GraphProblem[] = [];
  const steps = Object.keys(file.jobs);
  const pipelineInputs = Object.keys(file.inputs ?? {});
  const pipelineOutputs = Object.keys(file.outputs ?? {});
  const listed = (names: string[]) => (names.length > 0 ? names.join(', ') : '(none)');
  const writers = new Map<string, string>();
  for (const [name, step] of Object.entries(file.jobs)) {
    for (const [input, binding] of Object.entries(step.inputBindings)) {
      const pointer = ['jobs', name, 'inputs', input];
      if (binding.kind === 'pipelineInput' && !pipelineInputs.includes(binding.name))
        problems.push({
          pointer,
          message: `the pipeline has no input '${binding.name}'; its inputs: ${listed(pipelineInputs)} — declare it under the pipeline's inputs or fix the name`,
        });
      if (binding.kind !== 'stepOutput') continue;
      const upstream = file.jobs[binding.step];
      if (!upstream) {
        problems.push({ pointer, message: `there is no step '${binding.step}'; the steps: ${listed(steps)}` });
        continue;
      }
      if (binding.step === name) {
        problems.push({ pointer, message: `step '${name}' cannot read its own output '${binding.name}'` });
        continue;
      }
      const outputs = Object.keys(upstream.outputs ?? {});
      if (!outputs.includes(binding.name))
        problems.push({
          pointer,
          message: `step '${binding.step}' has no output '${binding.name}'; its outputs: ${listed(outputs)} — declare it under jobs.${binding.step}.outputs or fix the name`,
        });
    }
    for (const [output, target] of Object.entries(step.outputBindings)) {
      const pointer = ['jobs', name, 'outputs', output];
      if (!pipelineOutputs.includes(target)) {
        problems.push({
          pointer,
          message: `the pipeline has no output '${target}'; its outputs: ${listed(pipelineOutputs)} — declare it under the pipeline's outputs or fix the name`,
        });
        continue;
      }
      const earlier = writers.get(target);
      if (earlier !== undefined)
        problems.push({
          pointer,
          message: `the pipeline's output '${target}' is already written by ${earlier}; one step output may write it`,
        });
      else writers.set(target, `jobs.${name}.outputs.${output}`);
    }
  }
  const cycle = findCycle(stepDependencies(file));
  if (cycle)
    problems.push({
      pointer: ['jobs', cycle[0]!],
      message: `the steps wait for each other in a cycle: ${[...cycle, cycle[0]].join(' → ')}; a step can read only outputs of steps that do not read its own`,
    });
  return problems;
}

/** One cycle of the graph (step names, each waiting for the next), or undefined when there is none. */
export function findCycle(dependencies: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'visiting') return path.slice(path.indexOf(node));
    state.set(node, 'visiting');
    path.push(node);
    for (const next of dependencies.get(node) ?? []) {
      if (!dependencies.has(next)) continue;
      const found = visit(next);
      if (found) return found;
    }
    path.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of dependencies.keys()) {
    const found = visit(node);
    if (found) return found;
  }
  return undefined;
}
