import { ApiError } from '../client/api-error.js';
import { isTrellisError } from '../core/errors.js';
import { stringifyYaml } from '../core/yaml/stringify-yaml.js';

/**
 * A resource built from command-line flags (`trellis model create --name --path`, `online-endpoint
 * create --name`) is checked by the same parser as a file, before anything is sent; its problems
 * name the flag to fix, not a line of a file the user never wrote.
 */

/**
 * The YAML of `document` once `parse` accepts it; else a 400 listing each problem under its flag
 * (`flagOf` maps a field path such as `type` or `build.path` to `--type`, `--build-context`).
 */
export function checkFlagDocument(
  what: string,
  document: Record<string, unknown>,
  parse: (text: string, fileName: string) => unknown,
  flagOf: Readonly<Record<string, string>>,
): string {
  const text = stringifyYaml(Object.fromEntries(Object.entries(document).filter(([, value]) => value !== undefined)));
  try {
    parse(text, 'flags');
    return text;
  } catch (error) {
    if (!isTrellisError(error)) throw error;
    const lines = error.problems.map(
      (problem) => `  ${flagOf[problem.path] ?? flagOf[problem.path.split('.')[0] ?? ''] ?? problem.path}: ${problem.message}`,
    );
    const detail = lines.length > 0 ? lines.join('\n') : `  ${error.message}`;
    throw new ApiError(400, 'InvalidFlags', `the flags do not make a valid ${what}; fix them:\n${detail}`);
  }
}
