import { isExpression, isNestedSpace } from '../search-space.js';
import type { Expression, NestedSpace, ParameterValue, Parameters, SearchSpace } from '../sweep-types.js';
import { valueAt } from './unit-interval.js';

/**
 * A search space laid out as a unit cube, one coordinate per expression, nested ones included
 * (a nested expression's coordinate is ignored while its branch is not chosen): a point of the
 * cube is a trial's parameters. Random and Sobol sampling draw points; the model-based samplers
 * read the trials so far back into coordinates and propose new points.
 */

/** One coordinate of the cube: an expression and the parameter it sets. */
export interface Dimension {
  name: string;
  expression: Expression;
}

/** An entry of a (nested) search space: a fixed value, or an expression at its coordinate. */
type Entry =
  | { name: string; literal: ParameterValue }
  /** For a choice, `branches[k]` holds the entries value k adds when it is a nested space, null for a literal. */
  | { name: string; dimension: number; branches: ReadonlyArray<readonly Entry[] | null> };

/** A search space as a cube: its coordinates, and how they make up a trial's parameters. */
export interface SpaceCube {
  readonly dimensions: readonly Dimension[];
  readonly entries: readonly Entry[];
}

/** Lays a search space out as a cube: coordinates in the order written, depth first. */
export function layOutSpace(space: SearchSpace): SpaceCube {
  const dimensions: Dimension[] = [];
  const layOut = (mapping: SearchSpace | NestedSpace): Entry[] =>
    Object.entries(mapping).map(([name, entry]): Entry => {
      if (!isExpression(entry)) return { name, literal: entry };
      const dimension = dimensions.push({ name, expression: entry }) - 1;
      const branches = entry.type === 'choice' ? entry.values.map((value) => (isNestedSpace(value) ? layOut(value) : null)) : [];
      return { name, dimension, branches };
    });
  const entries = layOut(space);
  return { dimensions, entries };
}

/**
 * The parameters at a point of the cube (coordinates in (0, 1)): each expression's value by its
 * inverse distribution function; a choice takes its chosen value, or, when that value is a
 * nested space, the index of the branch, with the branch's keys added.
 */
export function parametersAt(cube: SpaceCube, point: readonly number[]): Parameters {
  const parameters: Parameters = {};
  const fill = (entries: readonly Entry[]) => {
    for (const entry of entries) {
      if ('literal' in entry) {
        parameters[entry.name] = entry.literal;
        continue;
      }
      const { expression } = cube.dimensions[entry.dimension]!;
      const value = valueAt(expression, point[entry.dimension] ?? 0.5);
      if (expression.type !== 'choice') {
        parameters[entry.name] = value;
        continue;
      }
      const chosen = expression.values[value]!;
      const branch = entry.branches[value];
      parameters[entry.name] = isNestedSpace(chosen) ? value : chosen;
      if (branch) fill(branch);
    }
  };
  fill(cube.entries);
  return parameters;
}

/**
 * A trial's parameters read back as the numbers valueAt gives (a choice's index), one per
 * coordinate, null for a nested expression whose branch was not chosen; null as a whole when
 * the parameters do not fit the space (a name missing, a value that is not one of the choices).
 */
export function dimensionValues(cube: SpaceCube, parameters: Parameters): Array<number | null> | null {
  const values: Array<number | null> = cube.dimensions.map(() => null);
  const read = (entries: readonly Entry[]): boolean =>
    entries.every((entry) => {
      if ('literal' in entry) return true;
      const { expression } = cube.dimensions[entry.dimension]!;
      const value = parameters[entry.name];
      if (value === undefined) return false;
      if (expression.type !== 'choice') {
        if (typeof value !== 'number' || !Number.isFinite(value)) return false;
        values[entry.dimension] = value;
        return true;
      }
      const index = choiceIndex(expression.values, value, parameters);
      if (index === null) return false;
      values[entry.dimension] = index;
      const branch = entry.branches[index];
      return branch ? read(branch) : true;
    });
  return read(cube.entries) ? values : null;
}

/**
 * Which of a choice's values a parameter holds: a literal equal to it, or a nested space whose
 * index it is (preferred when the trial has every key that branch adds, since a branch's index
 * may equal a literal of the same choice).
 */
function choiceIndex(choices: ReadonlyArray<ParameterValue | NestedSpace>, value: ParameterValue, parameters: Parameters): number | null {
  if (typeof value === 'number' && Number.isInteger(value)) {
    const branch = choices[value];
    if (branch !== undefined && isNestedSpace(branch) && Object.keys(branch).every((key) => key in parameters)) return value;
  }
  const literal = choices.indexOf(value);
  return literal >= 0 ? literal : null;
}
