import type { z } from 'zod';
import type { Problem } from '../errors.js';
import { formatFieldPath, type FieldPath } from '../yaml/field-path.js';
import type { SourcePosition } from '../yaml/parse-yaml.js';

/**
 * Messages for zod's built-in issues in the words of a YAML file ("expected an integer, got
 * the string 'two'"). Pass as the per-parse `error` option; messages set on a schema win.
 */
export function describeIssue(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `expected ${expectedText(issue.expected)}, got ${describeValue(issue.input)}`;
    case 'invalid_value':
      return `must be ${issue.values.map((value) => `'${String(value)}'`).join(' or ')}; got ${describeValue(issue.input)}`;
    case 'too_small':
      if (issue.origin === 'string' && Number(issue.minimum) === 1) return 'must not be empty';
      return `must be at least ${String(issue.minimum)}`;
    case 'invalid_format':
      return `must be a valid ${issue.format}; got ${describeValue(issue.input)}`;
    default:
      return undefined;
  }
}

/** One problem per issue, located in the YAML file. */
export function problemsFromIssues(issues: readonly z.core.$ZodIssue[], locate: (path: FieldPath) => Partial<SourcePosition>): Problem[] {
  return issues.map((issue) => {
    const path = issue.path.filter((segment): segment is string | number => typeof segment !== 'symbol');
    const { line, column } = locate(path);
    return { path: formatFieldPath(path), message: issue.message, line, column };
  });
}

function expectedText(expected: string): string {
  const words: Record<string, string> = {
    string: 'a string',
    number: 'a number',
    int: 'a whole number',
    boolean: 'true or false',
    object: 'a mapping (key: value lines)',
    record: 'a mapping (key: value lines)',
    array: 'a list',
  };
  return words[expected] ?? expected;
}

function describeValue(value: unknown): string {
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string '${value}'`;
  return `${typeof value} ${String(value)}`;
}
