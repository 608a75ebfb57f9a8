import { isExpression, isNestedSpace } from '../search-space.js';
import type { Expression, NestedSpace, ParameterValue, Parameters, Sampler, SearchSpace } from '../sweep-types.js';

/** The combinations below one entry of a search space, counted and picked without listing them. */
interface GridPart {
  count: number;
  /** Writes combination `index` (0 ≤ index < count) into `parameters`. */
  fill(index: number, parameters: Parameters): void;
}

/** The combinations of a mapping's entries: the last entry changes fastest, as in an odometer. */
function mappingPart(mapping: SearchSpace | NestedSpace): GridPart {
  const parts = Object.entries(mapping).map(([name, entry]) => entryPart(name, entry));
  return {
    count: parts.reduce((product, part) => product * part.count, 1),
    fill: (index, parameters) => {
      let rest = index;
      const digits = parts.map(() => 0);
      for (let position = parts.length - 1; position >= 0; position -= 1) {
        const count = parts[position]!.count;
        digits[position] = rest % count;
        rest = Math.floor(rest / count);
      }
      parts.forEach((part, position) => {
        part.fill(digits[position]!, parameters);
      });
    },
  };
}

function literalPart(name: string, value: ParameterValue): GridPart {
  return {
    count: 1,
    fill: (_, parameters) => {
      parameters[name] = value;
    },
  };
}

/** An entry's values: a literal alone; a choice's values in order, a nested space's value expanded into its own combinations. */
function entryPart(name: string, entry: ParameterValue | Expression): GridPart {
  if (!isExpression(entry)) return literalPart(name, entry);
  if (entry.type !== 'choice') throw new RangeError(`grid sampling takes choice expressions only; '${name}' is ${entry.type}`);
  const branches = entry.values.map((value, index): GridPart => {
    if (!isNestedSpace(value)) return literalPart(name, value);
    const nested = mappingPart(value);
    return {
      count: nested.count,
      fill: (combination, parameters) => {
        parameters[name] = index;
        nested.fill(combination, parameters);
      },
    };
  });
  return {
    count: branches.reduce((sum, branch) => sum + branch.count, 0),
    fill: (index, parameters) => {
      let rest = index;
      for (const branch of branches) {
        if (rest < branch.count) return branch.fill(rest, parameters);
        rest -= branch.count;
      }
    },
  };
}

/**
 * Grid sampling: every combination of the choices' values, each once, then null. The order is
 * fixed: parameters in the order written, the last changing fastest (as Python's
 * itertools.product); a choice's values in the order listed, a nested space's value expanded
 * into its own combinations in place. `size` is the number of combinations.
 */
export function gridSampler(space: SearchSpace): Sampler {
  const grid = mappingPart(space);
  return {
    size: grid.count,
    next: (index) => {
      if (index < 0 || index >= grid.count || !Number.isInteger(index)) return null;
      const parameters: Parameters = {};
      grid.fill(index, parameters);
      return parameters;
    },
  };
}
