import type { FieldPath } from '../yaml/field-path.js';
import { isUnresolved, type Known, type Unresolved, unresolved } from './static-subject.js';
import { isoDurationSeconds } from './subject-values.js';

/**
 * Reading values out of an ARM template without evaluating it: a string such as
 * "[parameters('access')]" is an expression whose value is known only when the template is
 * deployed, so it reads as Unresolved and the rules do not fire on it. "[[" escapes a literal "[".
 */

const expressionReason = 'an ARM expression, known only when the template is deployed';

export function isArmExpression(value: unknown): boolean {
  return typeof value === 'string' && value.startsWith('[') && !value.startsWith('[[') && value.trimEnd().endsWith(']');
}

/** The value itself: an expression Unresolved, an escaped "[[..." string unescaped. */
function literal(value: unknown): unknown {
  if (typeof value === 'string' && isArmExpression(value)) return unresolved(value, expressionReason);
  if (typeof value === 'string' && value.startsWith('[[')) return value.slice(1);
  return value;
}

/**
 * The value at `path` inside `node`: undefined when absent; Unresolved when it, or an object on
 * the way, is an expression, or when a property `copy` loop builds the field.
 */
export function armAt(node: unknown, path: FieldPath): unknown {
  let current: unknown = literal(node);
  for (const segment of path) {
    if (isUnresolved(current) || current === undefined || current === null) return current ?? undefined;
    if (typeof current !== 'object') return undefined;
    const copies = (current as { copy?: unknown }).copy;
    if (
      Array.isArray(copies) &&
      copies.some((copy) => typeof copy === 'object' && copy !== null && (copy as { name?: unknown }).name === segment)
    )
      return unresolved(`copy: ${String(segment)}`, 'built by an ARM copy loop, known only when the template is deployed');
    current = literal((current as Record<string | number, unknown>)[segment]);
  }
  return current;
}

export function armString(value: unknown): Known<string> | undefined {
  return isUnresolved(value) || typeof value === 'string' ? value : undefined;
}

export function armNumber(value: unknown): Known<number> | undefined {
  if (isUnresolved(value) || typeof value === 'number') return value;
  return typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : undefined;
}

export function armBoolean(value: unknown): Known<boolean> | undefined {
  if (isUnresolved(value) || typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  return undefined;
}

/** Seconds in an ISO 8601 duration ('PT120S'); Unresolved when it is not one. */
export function armDuration(value: unknown): Known<number> | undefined {
  const text = armString(value);
  if (text === undefined || isUnresolved(text)) return text;
  return isoDurationSeconds(text) ?? unresolved(text, 'not an ISO 8601 duration');
}

/** A known string transformed, anything else passed through. */
export function mapKnown<T, U>(value: Known<T> | undefined, transform: (known: T) => U): Known<U> | undefined {
  return value === undefined || isUnresolved(value) ? (value as Unresolved | undefined) : transform(value);
}

/**
 * The last segment of a resource name or id that an expression builds from a literal, as
 * templates usually write it: `[concat(parameters('ws'), '/cpu')]`, `[format('{0}/cpu', ...)]`,
 * `[resourceId('...computes', parameters('ws'), 'cpu')]`. Undefined when the expression hides it.
 */
export function literalLastSegment(expression: string): string | undefined {
  const patterns = [
    /^\[concat\(.*,\s*'[^']*\/([^'/]+)'\s*\)\s*\]$/i,
    /^\[format\('[^']*\/([^'/{}]+)'\s*,.*\)\s*\]$/i,
    /^\[(?:resourceId|extensionResourceId|subscriptionResourceId)\(.*,\s*'([^'/]+)'\s*\)\s*\]$/i,
  ];
  for (const pattern of patterns) {
    const match = pattern.exec(expression.trim());
    if (match?.[1]) return match[1];
  }
  return undefined;
}

/** A resource name or id split in segments; an expression gives only the segment it builds from a literal. */
export function nameSegments(name: unknown, depth: number): { written: string; segments: (string | undefined)[] } {
  if (typeof name !== 'string') return { written: String(name), segments: Array<undefined>(depth).fill(undefined) };
  if (isArmExpression(name)) {
    const segments: (string | undefined)[] = Array<undefined>(Math.max(depth, 1)).fill(undefined);
    segments[segments.length - 1] = literalLastSegment(name);
    return { written: name, segments };
  }
  const written = name.startsWith('[[') ? name.slice(1) : name;
  return { written, segments: written.split('/') };
}

/** The name an id or reference ends with (`.../computes/cpu` gives `cpu`), or Unresolved. */
export function referencedArmName(value: unknown): Known<string> | undefined {
  if (isUnresolved(value)) return (isArmExpression(value.unresolved) ? literalLastSegment(value.unresolved) : undefined) ?? value;
  if (typeof value === 'string' && isArmExpression(value)) return literalLastSegment(value) ?? unresolved(value, expressionReason);
  if (typeof value !== 'string') return undefined;
  const segments = value
    .replace(/^azureml:/i, '')
    .split('/')
    .filter((segment) => segment !== '');
  return segments.at(-1);
}
