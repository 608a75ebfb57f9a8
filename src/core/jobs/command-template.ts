import type { Problem } from '../errors.js';

/**
 * The placeholders of an Azure ML command job's `command`: `${{inputs.name}}` and
 * `${{outputs.name}}` become the input's value or path and the output's path when the job runs;
 * `$[[ ... ]]` wraps a part that is dropped when an optional input it uses is not given
 * (`python train.py $[[--epochs ${{inputs.epochs}}]]`). Pure: no I/O, no environment.
 */

const placeholder = /\$\{\{\s*([A-Za-z_][\w.]*)\s*\}\}/g;
const optionalBlock = /\$\[\[([\s\S]*?)\]\]/g;

export interface Reference {
  namespace: 'inputs' | 'outputs';
  name: string;
  /** Inside a `$[[ ... ]]` block, so a missing optional input drops the block instead of failing. */
  optional: boolean;
}

/** Every `${{...}}` in a command, with problems for the ones that name no namespace Trellis knows. */
export function findReferences(command: string): { references: Reference[]; problems: Problem[] } {
  const references: Reference[] = [];
  const problems: Problem[] = [];
  const scan = (text: string, optional: boolean) => {
    for (const match of text.matchAll(placeholder)) {
      const [namespace, name, ...rest] = match[1]!.split('.');
      if ((namespace === 'inputs' || namespace === 'outputs') && name && rest.length === 0) {
        references.push({ namespace, name, optional });
      } else {
        problems.push({
          path: 'command',
          message: `'${match[0]}' is not a placeholder Trellis can fill: use \${{inputs.<name>}} or \${{outputs.<name>}}`,
        });
      }
    }
  };
  const outside = command.replace(optionalBlock, (_block, inner: string) => {
    scan(inner, true);
    return '';
  });
  scan(outside, false);
  if (/\$\[\[/.test(outside)) problems.push({ path: 'command', message: "a '$[[' optional block is not closed with ']]'" });
  return { references, problems };
}

/**
 * Checks a command against the job's declared inputs and outputs: every reference must name a
 * declared one; a reference outside `$[[ ]]` to an optional input that has no value is refused.
 */
export function checkCommand(
  command: string,
  declared: { inputs: Record<string, { optional?: boolean; provided: boolean }>; outputs: string[] },
): Problem[] {
  const { references, problems } = findReferences(command);
  const inputNames = Object.keys(declared.inputs);
  for (const reference of references) {
    if (reference.namespace === 'inputs') {
      const input = declared.inputs[reference.name];
      if (!input) {
        problems.push({
          path: 'command',
          message: `\${{inputs.${reference.name}}} names an input that is not declared; declared inputs: ${inputNames.length > 0 ? inputNames.join(', ') : '(none)'} — add it under 'inputs' or fix the name`,
        });
      } else if (!input.provided && !reference.optional) {
        problems.push({
          path: `inputs.${reference.name}`,
          message: `input '${reference.name}' has no value but the command needs it; give it a value, or wrap its part of the command in $[[ ... ]]`,
        });
      }
    } else if (!declared.outputs.includes(reference.name)) {
      problems.push({
        path: 'command',
        message: `\${{outputs.${reference.name}}} names an output that is not declared; declared outputs: ${declared.outputs.length > 0 ? declared.outputs.join(', ') : '(none)'} — add it under 'outputs' or fix the name`,
      });
    }
  }
  return problems;
}

/**
 * Fills the placeholders: `values.inputs[name]` is a literal's text or an input's local path,
 * `values.outputs[name]` an output's local path. A `$[[ ]]` block whose inputs are not all given
 * is dropped whole. Call checkCommand first: a reference with no value here throws.
 */
export function renderCommand(command: string, values: { inputs: Record<string, string>; outputs: Record<string, string> }): string {
  const fill = (text: string) =>
    text.replace(placeholder, (whole, reference: string) => {
      const [namespace, name] = reference.split('.') as ['inputs' | 'outputs', string];
      const value = values[namespace]?.[name];
      if (value === undefined) throw new Error(`no value for ${whole}: checkCommand should have refused this command`);
      return value;
    });
  // A dropped block takes the blanks before it along; nothing else in the command is touched.
  const withBlocks = command.replace(/([ \t]*)\$\[\[([\s\S]*?)\]\]/g, (_block, blanks: string, inner: string) => {
    const needed = [...inner.matchAll(placeholder)].map((match) => match[1]!.split('.') as ['inputs' | 'outputs', string]);
    return needed.every(([namespace, name]) => values[namespace]?.[name] !== undefined) ? blanks + inner : '';
  });
  return fill(withBlocks);
}
