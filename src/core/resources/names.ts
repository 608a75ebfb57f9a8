import type { Problem } from '../errors.js';

/**
 * Names follow Azure ML's rule for asset and compute names: start with a letter or digit,
 * then letters, digits, '-', '_' or '.', at most 255 characters. No '/', no spaces, so a
 * name is always safe in a URL segment and a file name.
 */
const namePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;
const versionPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function checkName(name: string, path = 'name'): Problem | undefined {
  if (namePattern.test(name)) return undefined;
  return {
    path,
    message: `'${name}' is not a valid name: use 1-255 letters, digits, '-', '_' or '.', starting with a letter or digit (no '/' or spaces)`,
  };
}

export function checkVersion(version: string, path = 'version'): Problem | undefined {
  if (versionPattern.test(version) && version !== 'latest') return undefined;
  return {
    path,
    message: `'${version}' is not a valid version: use 1-128 letters, digits, '-', '_' or '.' (for example 1 or 2024.06.1); 'latest' is reserved`,
  };
}
