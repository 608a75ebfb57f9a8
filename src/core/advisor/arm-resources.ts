import type { FieldPath } from '../yaml/field-path.js';
import { armAt, isArmExpression, nameSegments } from './arm-values.js';
import { isUnresolved } from './static-subject.js';

/** One resource of an ARM template, its type and name made absolute when it is nested in a parent. */
export interface ArmNode {
  resource: Record<string, unknown>;
  /** Where it is, from the template's root. */
  path: FieldPath;
  /** Full type, e.g. Microsoft.MachineLearningServices/workspaces/computes. */
  type: string;
  name: { written: string; segments: (string | undefined)[] };
}

/**
 * Every resource of a template's `resources` (a list, or an object by symbolic name as in
 * languageVersion 2.0), with the children nested under each and the resources of nested
 * deployments' templates (Bicep modules). Resources marked `existing` are references, not
 * deployed, so they are left out; so is a resource whose type is an expression.
 */
export function* armResources(resources: unknown, path: FieldPath = ['resources'], parent?: ArmNode): Generator<ArmNode> {
  const entries: [string | number, unknown][] = Array.isArray(resources)
    ? resources.map((resource, index) => [index, resource])
    : typeof resources === 'object' && resources !== null
      ? Object.entries(resources)
      : [];
  for (const [key, resource] of entries) {
    if (typeof resource !== 'object' || resource === null || Array.isArray(resource)) continue;
    const value = resource as Record<string, unknown>;
    if (typeof value.type !== 'string' || isArmExpression(value.type) || value.existing === true) continue;
    const node = nodeOf(value, [...path, key], parent);
    yield node;
    yield* armResources(value.resources, [...path, key, 'resources'], node);
    const nested = armAt(value, ['properties', 'template']);
    if (
      node.type.toLowerCase() === 'microsoft.resources/deployments' &&
      typeof nested === 'object' &&
      nested !== null &&
      !isUnresolved(nested)
    )
      yield* armResources((nested as { resources?: unknown }).resources, [...path, key, 'properties', 'template', 'resources']);
  }
}

function nodeOf(resource: Record<string, unknown>, path: FieldPath, parent: ArmNode | undefined): ArmNode {
  const written = String(resource.type);
  // A nested child names its type and name relative to its parent's: type 'computes', name 'cpu'.
  const isRelative = parent !== undefined && !/^[^/]+\.[^/]+\//.test(written);
  const type = isRelative ? `${parent.type}/${written}` : written;
  const depth = type.split('/').length - 1;
  if (!isRelative) return { resource, path, type, name: nameSegments(resource.name, depth) };
  const own = nameSegments(resource.name, written.split('/').length);
  return {
    resource,
    path,
    type,
    name: { written: `${parent.name.written}/${own.written}`, segments: [...parent.name.segments, ...own.segments] },
  };
}
