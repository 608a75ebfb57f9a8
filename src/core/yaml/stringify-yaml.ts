import { stringify } from 'yaml';

/**
 * YAML text that `parseYaml` reads back as the same values. Written with YAML 1.1 quoting, so a
 * string such as `no`, `on` or `yes` (a boolean to PyYAML, and so to parseYaml) stays a string.
 * For documents a service or the CLI builds from stored or typed values, not for users' files.
 */
export function stringifyYaml(value: unknown): string {
  return stringify(value, { version: '1.1' });
}
