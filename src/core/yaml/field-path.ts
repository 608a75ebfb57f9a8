/** A path to a field inside a parsed YAML value: mapping keys and list indexes. */
export type FieldPath = readonly (string | number)[];

/**
 * Formats a field path the way users read it in a YAML file: `build.path`,
 * `identity.user_assigned_identities[0].resource_id`. The root is the empty string.
 */
export function formatFieldPath(path: FieldPath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? segment : `.${segment}`;
  }
  return text;
}
