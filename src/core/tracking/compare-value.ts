/**
 * One search comparison applied to one value in memory, for the searches whose candidates are
 * few enough to filter after loading (experiments, logged models). Runs are searched in SQL.
 * A missing value (undefined) matches nothing, `!=` included, as in MLflow.
 */
export function compareValue(actual: string | number | undefined, comparator: string, expected: number | string | string[]): boolean {
  if (actual === undefined) return false;
  switch (comparator.toUpperCase()) {
    case 'IN':
      return (expected as string[]).map(String).includes(String(actual));
    case 'NOT IN':
      return !(expected as string[]).map(String).includes(String(actual));
    case 'LIKE':
      return likeToRegExp(String(expected), false).test(String(actual));
    case 'ILIKE':
      return likeToRegExp(String(expected), true).test(String(actual));
  }
  const [a, b] = typeof expected === 'number' ? [Number(actual), expected] : [String(actual), String(expected)];
  switch (comparator) {
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    default:
      throw new Error(`comparator ${comparator} reached compareValue unchecked`);
  }
}

/** SQL LIKE as a regular expression: `%` any run of characters, `_` one character, `\` escapes. */
export function likeToRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '\\' && i + 1 < pattern.length) source += escapeRegExp(pattern[++i]!);
    else if (char === '%') source += '[\\s\\S]*';
    else if (char === '_') source += '[\\s\\S]';
    else source += escapeRegExp(char);
  }
  return new RegExp(`^${source}$`, caseInsensitive ? 'iu' : 'u');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
