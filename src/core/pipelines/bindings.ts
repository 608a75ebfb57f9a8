/**
 * The bindings of an Azure ML pipeline job: a step's input or output written as one expression
 * that names where its value comes from or goes to, instead of a value.
 *
 *   ${{parent.inputs.<name>}}                  the pipeline's input
 *   ${{parent.outputs.<name>}}                 the pipeline's output (on a step's output: the step writes it)
 *   ${{parent.jobs.<step>.outputs.<name>}}     another step's output (that step runs first)
 *
 * Pure: parsing and naming only.
 */

export type Binding =
  | { kind: 'pipelineInput'; name: string }
  | { kind: 'pipelineOutput'; name: string }
  | { kind: 'stepOutput'; step: string; name: string };

const whole = /^\s*\$\{\{\s*([^}]*?)\s*\}\}\s*$/;
const identifier = /^[A-Za-z_][\w-]*$/;

/**
 * The binding a value is, undefined when it is no `${{...}}` expression at all (a literal), or a
 * problem message when it is one Trellis cannot read.
 */
export function parseBinding(value: unknown): Binding | { problem: string } | undefined {
  if (typeof value !== 'string') return undefined;
  const match = whole.exec(value);
  if (!match) return undefined;
  const parts = match[1]!.split('.');
  const named = (name: string | undefined) => name !== undefined && identifier.test(name);
  if (parts[0] === 'parent') {
    if (parts.length === 3 && parts[1] === 'inputs' && named(parts[2])) return { kind: 'pipelineInput', name: parts[2]! };
    if (parts.length === 3 && parts[1] === 'outputs' && named(parts[2])) return { kind: 'pipelineOutput', name: parts[2]! };
    // A step of an expanded pipeline component is named <step>.<inner> (core/pipelines/pipeline-component.ts).
    const step = parts.slice(2, -2);
    if (
      parts.length >= 5 &&
      parts[1] === 'jobs' &&
      step.every(named) &&
      parts[parts.length - 2] === 'outputs' &&
      named(parts[parts.length - 1])
    )
      return { kind: 'stepOutput', step: step.join('.'), name: parts[parts.length - 1]! };
  }
  return {
    problem: `'${value.trim()}' is not a binding Trellis can follow: use \${{parent.inputs.<name>}}, \${{parent.outputs.<name>}} or \${{parent.jobs.<step>.outputs.<name>}}`,
  };
}

/** The expression of a binding, as a file writes it. */
export function formatBinding(binding: Binding): string {
  if (binding.kind === 'pipelineInput') return `\${{parent.inputs.${binding.name}}}`;
  if (binding.kind === 'pipelineOutput') return `\${{parent.outputs.${binding.name}}}`;
  return `\${{parent.jobs.${binding.step}.outputs.${binding.name}}}`;
}
