import { plainObjectOr } from '../azureml/schema-helpers.js';

/**
 * What Azure's "enforce setting" definitions ask of a job, checked here before it is queued:
 * its image from an allowed container registry (allowedACRs), its Python packages only from
 * allowed channels and indexes (allowedPythonPackageChannels). Pure: the environment's spec in,
 * the violations out, each naming what was found and what is allowed.
 */

const pypi = 'https://pypi.org/simple';
const condaDefaults = 'defaults';

/** An image reference as `registry/path[:tag|@digest]`, with Docker's implied registry spelled out. */
export function qualifiedImage(image: string): string {
  const reference = image.trim();
  const first = reference.split('/')[0] ?? '';
  const hasRegistry = reference.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasRegistry) return reference;
  return `docker.io/${reference.includes('/') ? reference : `library/${reference}`}`;
}

/** Whether `image` comes from one of `allowed` (`myregistry.azurecr.io`, or a repository within one: `myregistry.azurecr.io/team`). */
export function imageAllowed(image: string, allowed: readonly string[]): boolean {
  const qualified = qualifiedImage(image).toLowerCase();
  return allowed.some((entry) => {
    const prefix = entry.trim().replace(/\/+$/, '').toLowerCase();
    if (prefix === '') return false;
    if (!qualified.startsWith(prefix)) return false;
    const next = qualified.charAt(prefix.length);
    return next === '' || next === '/' || next === ':' || next === '@';
  });
}

/** Where an environment's Python packages come from: conda channels and pip indexes, defaults included. */
export function packageSourcesOf(environment: Record<string, unknown>): string[] {
  const sources = new Set<string>();
  const conda = plainObjectOr(environment.conda_file);
  if (conda) {
    const channels = Array.isArray(conda.channels) ? conda.channels.filter((channel) => typeof channel === 'string') : [];
    for (const channel of channels.length > 0 ? channels : [condaDefaults]) sources.add(channel);
    const dependencies = Array.isArray(conda.dependencies) ? conda.dependencies : [];
    for (const dependency of dependencies) {
      const pip = plainObjectOr(dependency)?.pip;
      if (Array.isArray(pip)) for (const source of pipSources(pip.filter((line) => typeof line === 'string'))) sources.add(source);
    }
  }
  return [...sources];
}

/** The indexes a pip requirement list installs from: --index-url (else PyPI) and every --extra-index-url. */
export function pipSources(lines: readonly string[]): string[] {
  let index = pypi;
  const extra: string[] = [];
  let hasPackages = false;
  for (const line of lines) {
    const option = /^\s*(--index-url|-i|--extra-index-url)(?:\s+|=)(\S+)/.exec(line);
    if (option?.[2]) {
      if (option[1] === '--extra-index-url') extra.push(option[2]);
      else index = option[2];
    } else if (line.trim() !== '' && !line.trim().startsWith('#')) hasPackages = true;
  }
  return hasPackages || extra.length > 0 ? [index, ...extra] : [];
}

/** Whether a channel or index is allowed: URLs compared without a trailing slash, ignoring case; conda channel names as themselves or as their anaconda.org URL. */
export function sourceAllowed(source: string, allowed: readonly string[]): boolean {
  const wanted = normalize(source);
  return allowed.some((entry) => normalize(entry) === wanted);
}

function normalize(source: string): string {
  const text = source.trim().replace(/\/+$/, '').toLowerCase();
  const conda = /^https?:\/\/conda\.anaconda\.org\/([^/]+)$/.exec(text);
  return conda?.[1] ?? text;
}
